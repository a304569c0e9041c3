#include "hw/model_shape.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "gguf/file.h"
#include "model/hparams.h"

namespace hearth::hw {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// How the forward pass uses a tensor, by its GGUF name (llama.cpp's names).
WeightUse use_of(const std::string& name, const std::vector<int64_t>& dims, bool has_output) {
  if (name == "token_embd.weight") return has_output ? WeightUse::Embeddings : WeightUse::TiedEmbeddings;
  if (name == "position_embd.weight" || name == "token_types.weight") return WeightUse::Embeddings;
  if (ends_with(name, "_exps.weight")) return WeightUse::Experts;
  if (dims.size() >= 2 && dims[1] > 1 && name.find("rope_") == std::string::npos) return WeightUse::Matrix;
  return WeightUse::Vector;
}

void classify(ModelShape& s) {
  bool has_output = false;
  for (const WeightTensor& w : s.weights) has_output |= w.name == "output.weight";
  // Encoders have no output matrix: their token table is only looked up.
  if (!s.causal) has_output = true;
  for (WeightTensor& w : s.weights) {
    w.use = use_of(w.name, w.dims, has_output);
    w.output = w.name == "output.weight" || w.use == WeightUse::TiedEmbeddings;
  }
}

// Layers with a sliding window, as model/llama.cpp assigns them (gemma2:
// every other layer, gemma3: five of every six).
int64_t swa_layers(const std::string& arch, int64_t n_layer, int64_t pattern) {
  if (pattern <= 0) pattern = arch == "gemma2" ? 2 : arch == "gemma3" ? 6 : 0;
  if (pattern == 0) return 0;
  int64_t n = 0;
  for (int64_t il = 0; il < n_layer; ++il) n += il % pattern < pattern - 1;
  return n;
}

std::string mix_name_of(uint32_t ftype) {
  for (const convert::Mix& m : convert::mixes())
    if (m.ftype == ftype) return m.name;
  return "";
}

std::string size_label(uint64_t params) {
  char buf[32];
  const double b = static_cast<double>(params) / 1e9;
  if (b >= 10) std::snprintf(buf, sizeof buf, "%.0fB", b);
  else if (b >= 0.95) std::snprintf(buf, sizeof buf, "%.1fB", b);
  else std::snprintf(buf, sizeof buf, "%.0fM", b * 1000);
  return buf;
}

}  // namespace

uint64_t ModelShape::weight_bytes() const {
  uint64_t total = 0;
  for (const WeightTensor& w : weights) total += w.bytes;
  return total;
}

uint64_t ModelShape::parameter_count() const {
  uint64_t total = 0;
  for (const WeightTensor& w : weights) {
    uint64_t n = 1;
    for (int64_t d : w.dims) n *= static_cast<uint64_t>(d);
    total += n;
  }
  return total;
}

uint64_t ModelShape::active_parameter_count() const {
  double total = 0;
  for (const WeightTensor& w : weights) {
    if (!w.multiplied()) continue;
    double n = static_cast<double>(w.k()) * static_cast<double>(w.rows()) * static_cast<double>(w.matrices());
    if (w.use == WeightUse::Experts && n_expert > 0) n *= static_cast<double>(n_expert_used) / static_cast<double>(n_expert);
    total += n;
  }
  return static_cast<uint64_t>(total);
}

ModelShape shape_of_file(const gguf::File& file) {
  ModelShape s;
  s.arch = file.get_string("general.architecture");
  const model::HParams hp = model::HParams::from_gguf(file, s.arch);
  s.n_layer = hp.n_layer, s.n_embd = hp.n_embd, s.n_head = hp.n_head, s.n_head_kv = hp.n_head_kv;
  s.head_dim = hp.head_dim, s.n_rot = hp.n_rot, s.n_vocab = hp.n_vocab, s.n_ff = hp.n_ff;
  s.n_ctx_train = hp.n_ctx_train, s.causal = hp.causal;
  s.n_expert = hp.n_expert, s.n_expert_used = hp.n_expert_used, s.n_ff_exp = hp.n_ff_exp;
  s.n_swa = hp.n_swa;
  if (s.arch == "gemma2" && s.n_swa == 0) s.n_swa = static_cast<int64_t>(file.get_uint_or("gemma2.attention.sliding_window", 4096));
  if (s.n_swa > 0)
    s.n_swa_layers = swa_layers(s.arch, s.n_layer,
                                static_cast<int64_t>(file.get_uint_or(s.arch + ".attention.sliding_window_pattern", 0)));
  s.gemma_norms = s.arch == "gemma2" || s.arch == "gemma3";
  for (const gguf::TensorInfo& t : file.tensors()) {
    WeightTensor w;
    w.name = t.name, w.type = t.type, w.dims = t.dims, w.bytes = t.nbytes;
    s.qkv_bias |= ends_with(t.name, "attn_q.bias");
    s.qk_norm |= ends_with(t.name, "attn_q_norm.weight");
    s.weights.push_back(std::move(w));
  }
  classify(s);
  s.metadata_bytes = file.data_offset();
  if (const gguf::Value* merges = file.find("tokenizer.ggml.merges"))
    s.n_merges = static_cast<int64_t>(merges->as_array("tokenizer.ggml.merges").items.size());
  if (const auto ftype = file.find("general.file_type")) s.file_type = mix_name_of(static_cast<uint32_t>(ftype->as_uint("general.file_type")));
  s.description = s.arch + " " + size_label(s.parameter_count()) + (s.file_type.empty() ? "" : " " + s.file_type);
  return s;
}

ModelShape shape_of_known(const convert::KnownModel& m, const convert::Mix& mix) {
  ModelShape s;
  s.arch = m.arch;
  s.n_layer = m.n_layer, s.n_embd = m.n_embd, s.n_head = m.n_head, s.n_head_kv = m.n_head_kv;
  s.head_dim = m.head_size(), s.n_rot = m.head_size(), s.n_vocab = m.n_vocab, s.n_ff = m.n_ff;
  s.n_ctx_train = m.n_ctx, s.causal = m.pooling == 0;
  s.n_expert = m.n_expert, s.n_expert_used = m.n_expert_used, s.n_ff_exp = m.n_ff_exp ? m.n_ff_exp : m.n_ff;
  if (m.n_expert == 0) s.n_ff_exp = 0;
  s.n_swa = m.n_swa;
  if (s.n_swa > 0) s.n_swa_layers = swa_layers(s.arch, s.n_layer, 0);
  s.qkv_bias = m.qkv_bias && m.pooling == 0, s.qk_norm = m.qk_norm, s.gemma_norms = m.gemma;
  for (const convert::SynthTensor& t : convert::synth_tensors(m, mix))
    s.weights.push_back({t.name, t.type, t.dims, t.n_bytes()});
  classify(s);
  // synth's minimal vocabulary: about 30 bytes of GGUF per token (string, score, type).
  s.metadata_bytes = static_cast<uint64_t>(m.n_vocab) * 30 + 4096;
  s.file_type = mix.name;
  s.description = std::string(m.name) + " " + mix.name;
  return s;
}

convert::KnownModel generic_dense_model(double billions) {
  // Real configurations to scale from (Llama 3.2 1B and 3B, Llama 3.1 8B,
  // Qwen2.5 14B and 32B, Llama 3.1 70B).
  struct Template {
    int64_t n_vocab, n_embd, n_ff, n_layer, n_head, n_head_kv, head_dim;
    bool tied;
  };
  static constexpr Template kTemplates[] = {
      {128256, 2048, 8192, 16, 32, 8, 64, true},    {128256, 3072, 8192, 28, 24, 8, 128, true},
      {128256, 4096, 14336, 32, 32, 8, 128, false}, {152064, 5120, 13824, 48, 40, 8, 128, false},
      {152064, 5120, 27648, 64, 40, 8, 128, false}, {128256, 8192, 28672, 80, 64, 8, 128, false},
  };
  if (!(billions > 0) || billions > 2000) fail("a model of ", billions, " billion parameters is out of range");
  auto params = [](const Template& t, int64_t layers) {
    const double d = static_cast<double>(t.n_embd), q = static_cast<double>(t.n_head * t.head_dim);
    const double kv = static_cast<double>(t.n_head_kv * t.head_dim), ff = static_cast<double>(t.n_ff);
    const double per_layer = 2 * d * q + 2 * d * kv + 3 * d * ff;
    return (t.tied ? 1 : 2) * d * static_cast<double>(t.n_vocab) + per_layer * static_cast<double>(layers);
  };
  const Template* best = &kTemplates[0];
  for (const Template& t : kTemplates)
    if (std::abs(std::log(params(t, t.n_layer) / (billions * 1e9))) <
        std::abs(std::log(params(*best, best->n_layer) / (billions * 1e9))))
      best = &t;
  const double embed = params(*best, 0), per_layer = params(*best, 1) - embed;
  const int64_t layers = std::max<int64_t>(1, std::llround((billions * 1e9 - embed) / per_layer));
  convert::KnownModel m{"dense", "llama", "generic dense", best->n_vocab, 8192, best->n_embd, best->n_ff, layers,
                        best->n_head, best->n_head_kv, best->head_dim, 500000.0, 1e-5, best->tied, false,
                        0, 0, 0, 0};
  return m;
}

double parse_parameter_count(const std::string& text) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  if (used > 0 && v > 0 && (unit == "b" || unit == "B")) return v;
  if (used > 0 && v > 0 && (unit == "m" || unit == "M")) return v / 1000;
  fail("'", text, "' is not a parameter count (say 14b, 0.5b or 500m)");
}

}  // namespace hearth::hw
