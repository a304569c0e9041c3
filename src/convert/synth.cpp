#include "convert/synth.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <optional>

#include "convert/plan.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "tensor/dequantize.h"

namespace hearth::convert {

namespace {

using tensor::DType;

// Hyperparameters from each model's published config.json (the Instruct
// variants' where base and Instruct differ, as in their context length).
// name, arch, display name, n_vocab, n_ctx, n_embd, n_ff, n_layer, n_head,
// n_head_kv, head_dim (when the config names it), rope theta, rms eps, tied,
// qkv bias, llama 3 rope scaling (factor, low, high, original context), q/k
// norms, experts (count, used per token, hidden size when it differs), gemma
// (post norms, sliding window), phi3, encoders' pooling.
constexpr KnownModel kModels[] = {
    {"qwen2.5-0.5b", "qwen2", "Qwen2.5 0.5B Instruct", 151936, 32768, 896, 4864, 24, 14, 2, 0, 1e6, 1e-6,
     true, true, 0, 0, 0, 0},
    {"qwen2.5-1.5b", "qwen2", "Qwen2.5 1.5B Instruct", 151936, 32768, 1536, 8960, 28, 12, 2, 0, 1e6, 1e-6,
     true, true, 0, 0, 0, 0},
    {"qwen2.5-3b", "qwen2", "Qwen2.5 3B Instruct", 151936, 32768, 2048, 11008, 36, 16, 2, 0, 1e6, 1e-6,
     true, true, 0, 0, 0, 0},
    {"qwen2.5-7b", "qwen2", "Qwen2.5 7B Instruct", 152064, 32768, 3584, 18944, 28, 28, 4, 0, 1e6, 1e-6,
     false, true, 0, 0, 0, 0},
    {"qwen3-0.6b", "qwen3", "Qwen3 0.6B", 151936, 40960, 1024, 3072, 28, 16, 8, 128, 1e6, 1e-6, true, false, 0, 0,
     0, 0, true},
    {"qwen3-1.7b", "qwen3", "Qwen3 1.7B", 151936, 40960, 2048, 6144, 28, 16, 8, 128, 1e6, 1e-6, true, false, 0, 0,
     0, 0, true},
    {"qwen3-4b", "qwen3", "Qwen3 4B", 151936, 40960, 2560, 9728, 36, 32, 8, 128, 1e6, 1e-6, true, false, 0, 0, 0, 0,
     true},
    {"qwen3-8b", "qwen3", "Qwen3 8B", 151936, 40960, 4096, 12288, 36, 32, 8, 128, 1e6, 1e-6, false, false, 0, 0, 0,
     0, true},
    {"qwen3-30b-a3b", "qwen3moe", "Qwen3 30B A3B", 151936, 40960, 2048, 6144, 48, 32, 4, 128, 1e6, 1e-6, false,
     false, 0, 0, 0, 0, true, 128, 8, 768},
    {"mixtral-8x7b", "llama", "Mixtral 8x7B Instruct v0.1", 32000, 32768, 4096, 14336, 32, 32, 8, 0, 1e6, 1e-5,
     false, false, 0, 0, 0, 0, false, 8, 2, 0},
    {"gemma2-2b", "gemma2", "Gemma 2 2B It", 256000, 8192, 2304, 9216, 26, 8, 4, 256, 10000.0, 1e-6, true, false, 0,
     0, 0, 0, false, 0, 0, 0, true, 4096, false, 0, 50.0, 30.0},
    {"gemma3-1b", "gemma3", "Gemma 3 1B It", 262144, 32768, 1152, 6912, 26, 4, 1, 256, 1e6, 1e-6, true, false, 0, 0,
     0, 0, true, 0, 0, 0, true, 512},
    {"phi3.5-mini", "phi3", "Phi 3.5 Mini Instruct", 32064, 131072, 3072, 8192, 32, 32, 32, 0, 10000.0, 1e-5, false,
     false, 0, 0, 0, 4096, false, 0, 0, 0, false, 0, true},
    {"bge-small-en-v1.5", "bert", "bge small en v1.5", 30522, 512, 384, 1536, 12, 12, 12, 0, 10000.0, 1e-12, true,
     true, 0, 0, 0, 0, false, 0, 0, 0, false, 0, false, 2},
    {"all-minilm-l6-v2", "bert", "all MiniLM L6 v2", 30522, 512, 384, 1536, 6, 12, 12, 0, 10000.0, 1e-12, true, true,
     0, 0, 0, 0, false, 0, 0, 0, false, 0, false, 1},
    {"nomic-embed-text-v1.5", "nomic-bert", "nomic embed text v1.5", 30522, 2048, 768, 3072, 12, 12, 12, 0, 1000.0,
     1e-12, true, false, 0, 0, 0, 0, false, 0, 0, 0, false, 0, false, 1},
    {"mistral-7b", "llama", "Mistral 7B Instruct v0.3", 32768, 32768, 4096, 14336, 32, 32, 8, 0, 1e6, 1e-5, false,
     false, 0, 0, 0, 0},
    {"llama3.2-1b", "llama", "Llama 3.2 1B Instruct", 128256, 131072, 2048, 8192, 16, 32, 8, 64, 500000.0,
     1e-5, true, false, 32.0, 1.0, 4.0, 8192},
    {"llama3.2-3b", "llama", "Llama 3.2 3B Instruct", 128256, 131072, 3072, 8192, 28, 24, 8, 128, 500000.0,
     1e-5, true, false, 32.0, 1.0, 4.0, 8192},
    {"llama3.1-8b", "llama", "Llama 3.1 8B Instruct", 128256, 131072, 4096, 14336, 32, 32, 8, 0, 500000.0,
     1e-5, false, false, 8.0, 1.0, 4.0, 8192},
    // Small shapes for tests: rows are multiples of 256 so every mix applies.
    {"test-llama", "llama", "test llama", 512, 512, 256, 768, 4, 8, 4, 0, 10000.0, 1e-5, false, false, 0, 0,
     0, 0},
    {"test-qwen2", "qwen2", "test qwen2", 512, 512, 256, 512, 3, 4, 2, 0, 1e6, 1e-6, true, true, 0, 0, 0, 0},
    {"test-qwen3moe", "qwen3moe", "test qwen3moe", 512, 512, 256, 512, 3, 4, 2, 64, 1e6, 1e-6, true, false, 0, 0,
     0, 0, true, 8, 3, 256},
    {"test-mixtral", "llama", "test mixtral", 512, 512, 256, 512, 3, 4, 2, 0, 1e6, 1e-5, false, false, 0, 0, 0, 0,
     false, 4, 2, 0},
    // A window of 8 with prompts of 40 tokens in the tests.
    // A smaller attention soft-cap than Gemma 2's 50, so that it shows in the
    // scores of random weights; a rope base other than the default.
    {"test-gemma2", "gemma2", "test gemma2", 512, 512, 256, 512, 4, 4, 2, 64, 100000.0, 1e-6, true, false, 0, 0, 0,
     0, false, 0, 0, 0, true, 8, false, 0, 2.0, 30.0},
    {"test-gemma3", "gemma3", "test gemma3", 512, 512, 256, 512, 7, 4, 2, 64, 1e6, 1e-6, true, false, 0, 0, 0, 0,
     true, 0, 0, 0, true, 8},
    // An original context of 32 under the tests' 64: the long factors apply.
    {"test-phi3", "phi3", "test phi3", 512, 512, 256, 512, 3, 4, 4, 0, 10000.0, 1e-5, false, false, 0, 0, 0, 32,
     false, 0, 0, 0, false, 0, true},
    {"test-bert", "bert", "test bert", 512, 128, 256, 512, 3, 4, 4, 0, 10000.0, 1e-12, true, true, 0, 0, 0, 0, false,
     0, 0, 0, false, 0, false, 2},
    {"test-nomic-bert", "nomic-bert", "test nomic bert", 512, 128, 256, 512, 3, 4, 4, 0, 1000.0, 1e-12, true, false, 0,
     0, 0, 0, false, 0, 0, 0, false, 0, false, 1},
    {"test-qwen3", "qwen3", "test qwen3", 512, 512, 256, 512, 3, 4, 2, 128, 1e6, 1e-6, true, false, 0, 0, 0, 0,
     true},
    // llama 3's rope scaling with an original context short enough that the
    // factors differ from 1 across the head.
    {"test-llama3", "llama", "test llama3", 512, 512, 256, 512, 3, 4, 2, 0, 500000.0, 1e-5, true, false, 8.0, 1.0,
     4.0, 64},
};

// splitmix64: one 64-bit output per call from a counter.
struct Rng {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // About N(0, 1): the sum of four 16-bit uniforms (Irwin-Hall), centred and
  // scaled to unit variance.
  float normal() {
    const uint64_t r = next();
    const uint32_t sum = static_cast<uint32_t>(r & 0xffff) + static_cast<uint32_t>((r >> 16) & 0xffff) +
                         static_cast<uint32_t>((r >> 32) & 0xffff) + static_cast<uint32_t>(r >> 48);
    constexpr float kMean = 4 * 32767.5f;
    constexpr float kScale = 1.0f / (65536.0f * 0.57735027f);  // sd of the sum is 65536 * sqrt(4/12)
    return (static_cast<float>(sum) - kMean) * kScale;
  }
};

uint64_t hash_name(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// The weights of one row.
void fill_row(const SynthTensor& t, uint64_t seed, int64_t row, std::span<float> out,
              std::span<const float> rope_factors) {
  Rng rng{seed ^ hash_name(t.name) ^ (static_cast<uint64_t>(row) * 0xd1342543de82ef95ull)};
  rng.next();
  switch (t.init) {
    case Init::Matrix: {
      const float sd = 1.0f / std::sqrt(static_cast<float>(t.dims[0]));
      for (float& x : out) x = sd * rng.normal();
      break;
    }
    case Init::Norm:
      for (float& x : out) x = 1.0f + 0.05f * rng.normal();
      break;
    case Init::Bias:
      for (float& x : out) x = 0.02f * rng.normal();
      break;
    case Init::RopeFreqs:
      for (size_t i = 0; i < out.size(); ++i) out[i] = rope_factors[i];
      break;
    case Init::LongRopeFactors: {
      // Shaped like Phi 3.5's: near 1 for the short set; growing towards the
      // low frequencies, up to ~40, for the long one.
      const bool long_set = t.name.find("long") != std::string::npos;
      for (size_t i = 0; i < out.size(); ++i) {
        const float f = static_cast<float>(i) / static_cast<float>(out.size());
        out[i] = long_set ? 1.0f + 40.0f * f * f : 1.0f + 0.1f * f;
      }
      break;
    }
  }
}

gguf::Value u32(int64_t v) { return gguf::Value{static_cast<uint32_t>(v)}; }
gguf::Value f32(double v) { return gguf::Value{static_cast<float>(v)}; }
gguf::Value str(std::string v) { return gguf::Value{std::move(v)}; }

gguf::Array array_of(gguf::ValueType type) {
  gguf::Array a;
  a.element_type = type;
  return a;
}

// The minimal SentencePiece vocabulary of n tokens (see synth.h).
void minimal_vocab(int64_t n, std::vector<gguf::KeyValue>& kv) {
  constexpr int32_t kNormal = 1, kUnknown = 2, kControl = 3, kUnused = 5, kByte = 6;
  const std::string space = "\xe2\x96\x81";  // U+2581, SentencePiece's space
  gguf::Array tokens = array_of(gguf::ValueType::STRING);
  gguf::Array scores = array_of(gguf::ValueType::FLOAT32);
  gguf::Array types = array_of(gguf::ValueType::INT32);
  auto add = [&](std::string piece, float score, int32_t type) {
    tokens.items.push_back(gguf::Value{std::move(piece)});
    scores.items.push_back(gguf::Value{score});
    types.items.push_back(gguf::Value{type});
  };
  add("<unk>", 0.0f, kUnknown);
  add("<s>", 0.0f, kControl);
  add("</s>", 0.0f, kControl);
  for (int b = 0; b < 256; ++b) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "<0x%02X>", b);
    add(hex, 0.0f, kByte);
  }
  std::vector<std::string> pieces{space};
  for (char c = 0x21; c < 0x7f; ++c) pieces.emplace_back(1, c);
  for (char c = 0x21; c < 0x7f; ++c) pieces.push_back(space + std::string(1, c));
  for (const std::string& p : pieces) {
    if (static_cast<int64_t>(tokens.items.size()) >= n) break;
    add(p, -static_cast<float>(tokens.items.size()), kNormal);
  }
  // Real SentencePiece vocabularies of these families carry it (llama.cpp
  // refuses a phi3 vocabulary without it).
  if (static_cast<int64_t>(tokens.items.size()) < n) add("<|endoftext|>", 0.0f, kControl);
  for (int64_t k = 0; static_cast<int64_t>(tokens.items.size()) < n; ++k) add(cat("<unused", k, ">"), -1000.0f, kUnused);

  kv.push_back({"tokenizer.ggml.model", str("llama")});
  kv.push_back({"tokenizer.ggml.pre", str("default")});
  kv.push_back({"tokenizer.ggml.tokens", gguf::Value{std::move(tokens)}});
  kv.push_back({"tokenizer.ggml.scores", gguf::Value{std::move(scores)}});
  kv.push_back({"tokenizer.ggml.token_type", gguf::Value{std::move(types)}});
  kv.push_back({"tokenizer.ggml.bos_token_id", u32(1)});
  kv.push_back({"tokenizer.ggml.eos_token_id", u32(2)});
  kv.push_back({"tokenizer.ggml.unknown_token_id", u32(0)});
  kv.push_back({"tokenizer.ggml.add_bos_token", gguf::Value{true}});
  kv.push_back({"tokenizer.ggml.add_eos_token", gguf::Value{false}});
}

// The tokenizer.* keys of a vocabulary file, its lists padded to n tokens.
void copy_vocab(const gguf::File& vocab, int64_t n, std::vector<gguf::KeyValue>& kv) {
  const gguf::Value* tokens_value = vocab.find("tokenizer.ggml.tokens");
  if (!tokens_value) fail("'", vocab.path(), "': no tokenizer.ggml.tokens: not a vocabulary file");
  const int64_t have = static_cast<int64_t>(tokens_value->as_array("tokenizer.ggml.tokens").items.size());
  if (have > n)
    fail("'", vocab.path(), "' has ", have, " tokens, more than the model's vocabulary of ", n);
  for (const gguf::KeyValue& entry : vocab.metadata()) {
    if (entry.key.rfind("tokenizer.", 0) != 0) continue;
    gguf::KeyValue copy = entry;
    if (have < n && (entry.key == "tokenizer.ggml.tokens" || entry.key == "tokenizer.ggml.token_type" ||
                     entry.key == "tokenizer.ggml.scores")) {
      gguf::Array& a = std::get<gguf::Array>(copy.value.data);
      if (static_cast<int64_t>(a.items.size()) != have)
        fail("'", vocab.path(), "': ", entry.key, " has ", a.items.size(), " entries for ", have, " tokens");
      for (int64_t id = have; id < n; ++id) {
        if (entry.key == "tokenizer.ggml.tokens") {
          a.items.push_back(str(cat("[PAD", id, "]")));
        } else if (entry.key == "tokenizer.ggml.token_type" && a.element_type == gguf::ValueType::INT32) {
          a.items.push_back(gguf::Value{int32_t{5}});  // unused
        } else if (entry.key == "tokenizer.ggml.scores" && a.element_type == gguf::ValueType::FLOAT32) {
          a.items.push_back(gguf::Value{-1000.0f});
        } else {
          fail("'", vocab.path(), "': ", entry.key, " is an array of ", gguf::value_type_name(a.element_type),
               ", which hearth cannot pad");
        }
      }
    }
    kv.push_back(std::move(copy));
  }
}

}  // namespace

uint64_t SynthTensor::n_elements() const {
  uint64_t n = 1;
  for (int64_t d : dims) n *= static_cast<uint64_t>(d);
  return n;
}

uint64_t SynthTensor::n_bytes() const {
  return static_cast<uint64_t>(tensor::row_bytes(type, dims[0])) * (n_elements() / static_cast<uint64_t>(dims[0]));
}

std::span<const KnownModel> known_models() { return kModels; }

const KnownModel& find_known_model(const std::string& name) {
  std::string names;
  for (const KnownModel& m : kModels) {
    if (name == m.name) return m;
    names += (names.empty() ? "" : ", ") + std::string(m.name);
  }
  fail("unknown model '", name, "' for --like (known: ", names, ")");
}

std::vector<float> llama3_rope_factors(const KnownModel& m) {
  // In f32, as the converter's torch tensors compute them.
  const int64_t dim = m.head_size();
  const float base = static_cast<float>(m.rope_theta);
  const float factor = static_cast<float>(m.rope_factor);
  const float low = static_cast<float>(m.rope_low_freq_factor), high = static_cast<float>(m.rope_high_freq_factor);
  const float old_ctx = static_cast<float>(m.rope_original_ctx);
  const float low_freq_wavelen = old_ctx / low, high_freq_wavelen = old_ctx / high;
  std::vector<float> factors;
  for (int64_t i = 0; i < dim; i += 2) {
    const float freq = 1.0f / std::pow(base, static_cast<float>(i) / static_cast<float>(dim));
    const float wavelen = static_cast<float>(2.0 * std::numbers::pi) / freq;
    if (wavelen < high_freq_wavelen) {
      factors.push_back(1.0f);
    } else if (wavelen > low_freq_wavelen) {
      factors.push_back(factor);
    } else {
      const float smooth = (old_ctx / wavelen - low) / (high - low);
      factors.push_back(1.0f / ((1.0f - smooth) / factor + smooth));
    }
  }
  return factors;
}

bool is_encoder(const KnownModel& m) { return m.pooling > 0; }

// bert: learned positions, biases, GELU; nomic-bert: fused q/k/v, SwiGLU.
void encoder_tensors(const KnownModel& m, const std::function<void(std::string, std::vector<int64_t>, Init)>& add) {
  const int64_t d = m.n_embd;
  const bool nomic = std::string(m.arch) == "nomic-bert";
  add("token_embd.weight", {d, m.n_vocab}, Init::Matrix);
  add("token_types.weight", {d, 2}, Init::Matrix);
  if (!nomic) add("position_embd.weight", {d, m.n_ctx}, Init::Matrix);
  add("token_embd_norm.weight", {d}, Init::Norm);
  add("token_embd_norm.bias", {d}, Init::Bias);
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string b = cat("blk.", i, ".");
    if (nomic) {
      add(b + "attn_qkv.weight", {d, 3 * d}, Init::Matrix);
    } else {
      for (const char* t : {"attn_q", "attn_k", "attn_v"}) {
        add(b + t + ".weight", {d, d}, Init::Matrix);
        add(b + t + ".bias", {d}, Init::Bias);
      }
    }
    add(b + "attn_output.weight", {d, d}, Init::Matrix);
    if (!nomic) add(b + "attn_output.bias", {d}, Init::Bias);
    add(b + "attn_output_norm.weight", {d}, Init::Norm);
    add(b + "attn_output_norm.bias", {d}, Init::Bias);
    add(b + "ffn_up.weight", {d, m.n_ff}, Init::Matrix);
    if (!nomic) add(b + "ffn_up.bias", {m.n_ff}, Init::Bias);
    if (nomic) add(b + "ffn_gate.weight", {d, m.n_ff}, Init::Matrix);
    add(b + "ffn_down.weight", {m.n_ff, d}, Init::Matrix);
    if (!nomic) add(b + "ffn_down.bias", {d}, Init::Bias);
    add(b + "layer_output_norm.weight", {d}, Init::Norm);
    add(b + "layer_output_norm.bias", {d}, Init::Bias);
  }
}

std::vector<SynthTensor> synth_tensors(const KnownModel& m, const Mix& mix) {
  const int64_t d = m.n_embd, q = m.n_head * m.head_size(), kv = m.n_head_kv * m.head_size();
  std::vector<SynthTensor> ts;
  auto add = [&](std::string name, std::vector<int64_t> dims, Init init) {
    ts.push_back({std::move(name), std::move(dims), DType::F32, init, ""});
  };
  if (is_encoder(m)) encoder_tensors(m, add);
  else {
  add("token_embd.weight", {d, m.n_vocab}, Init::Matrix);
  if (m.rope_factor > 0) add("rope_freqs.weight", {m.head_size() / 2}, Init::RopeFreqs);
  if (m.phi3) {
    add("rope_factors_long.weight", {m.head_size() / 2}, Init::LongRopeFactors);
    add("rope_factors_short.weight", {m.head_size() / 2}, Init::LongRopeFactors);
  }
  add("output_norm.weight", {d}, Init::Norm);
  if (!m.tied_embeddings) add("output.weight", {d, m.n_vocab}, Init::Matrix);
  for (int64_t i = 0; i < m.n_layer; ++i) {
    const std::string b = cat("blk.", i, ".");
    add(b + "attn_norm.weight", {d}, Init::Norm);
    if (m.phi3) {
      add(b + "attn_qkv.weight", {d, q + 2 * kv}, Init::Matrix);
    } else {
      add(b + "attn_q.weight", {d, q}, Init::Matrix);
      if (m.qkv_bias) add(b + "attn_q.bias", {q}, Init::Bias);
      add(b + "attn_k.weight", {d, kv}, Init::Matrix);
      if (m.qkv_bias) add(b + "attn_k.bias", {kv}, Init::Bias);
      add(b + "attn_v.weight", {d, kv}, Init::Matrix);
      if (m.qkv_bias) add(b + "attn_v.bias", {kv}, Init::Bias);
    }
    if (m.qk_norm) add(b + "attn_q_norm.weight", {m.head_size()}, Init::Norm);
    if (m.qk_norm) add(b + "attn_k_norm.weight", {m.head_size()}, Init::Norm);
    add(b + "attn_output.weight", {q, d}, Init::Matrix);
    if (m.gemma) add(b + "post_attention_norm.weight", {d}, Init::Norm);
    add(b + "ffn_norm.weight", {d}, Init::Norm);
    if (m.gemma) add(b + "post_ffw_norm.weight", {d}, Init::Norm);
    if (m.n_expert > 0) {
      const int64_t ff = m.n_ff_exp ? m.n_ff_exp : m.n_ff;
      add(b + "ffn_gate_inp.weight", {d, m.n_expert}, Init::Matrix);
      add(b + "ffn_gate_exps.weight", {d, ff, m.n_expert}, Init::Matrix);
      add(b + "ffn_down_exps.weight", {ff, d, m.n_expert}, Init::Matrix);
      add(b + "ffn_up_exps.weight", {d, ff, m.n_expert}, Init::Matrix);
      continue;
    }
    if (m.phi3) {
      add(b + "ffn_down.weight", {m.n_ff, d}, Init::Matrix);
      add(b + "ffn_up.weight", {d, 2 * m.n_ff}, Init::Matrix);
      continue;
    }
    add(b + "ffn_gate.weight", {d, m.n_ff}, Init::Matrix);
    add(b + "ffn_down.weight", {m.n_ff, d}, Init::Matrix);
    add(b + "ffn_up.weight", {d, m.n_ff}, Init::Matrix);
  }
  }

  ModelInfo info;
  info.arch = m.arch;
  info.n_layer = m.n_layer;
  info.n_head = m.n_head;
  info.n_head_kv = m.n_head_kv;
  info.n_expert = m.n_expert;
  std::vector<PlanTensor> plan_in;
  for (const SynthTensor& t : ts) plan_in.push_back({t.name, t.type, t.dims});
  const std::vector<Choice> plan = plan_types(mix, info, plan_in);
  for (size_t i = 0; i < ts.size(); ++i) {
    ts[i].type = plan[i].type;
    ts[i].why = plan[i].why;
  }
  return ts;
}

std::vector<gguf::KeyValue> synth_metadata(const KnownModel& m, const Mix& mix, const gguf::File* vocab) {
  const std::string a = std::string(m.arch) + ".";
  std::vector<gguf::KeyValue> kv;
  kv.push_back({"general.architecture", str(m.arch)});
  kv.push_back({"general.type", str("model")});
  kv.push_back({"general.name", str(cat(m.display_name, " (hearth synth, random weights)"))});
  kv.push_back({a + "block_count", u32(m.n_layer)});
  kv.push_back({a + "context_length", u32(m.n_ctx)});
  kv.push_back({a + "embedding_length", u32(m.n_embd)});
  kv.push_back({a + "feed_forward_length", u32(m.n_ff)});
  kv.push_back({a + "attention.head_count", u32(m.n_head)});
  kv.push_back({a + "attention.head_count_kv", u32(m.n_head_kv)});
  kv.push_back({a + "rope.freq_base", f32(m.rope_theta)});
  if (!is_encoder(m)) kv.push_back({a + "attention.layer_norm_rms_epsilon", f32(m.rms_eps)});
  if (m.head_dim) {
    kv.push_back({a + "attention.key_length", u32(m.head_dim)});
    kv.push_back({a + "attention.value_length", u32(m.head_dim)});
  }
  if (m.n_swa > 0) kv.push_back({a + "attention.sliding_window", u32(m.n_swa)});
  if (m.attn_softcap > 0) kv.push_back({a + "attn_logit_softcapping", f32(m.attn_softcap)});
  if (m.final_softcap > 0) kv.push_back({a + "final_logit_softcapping", f32(m.final_softcap)});
  if (is_encoder(m)) {
    kv.push_back({a + "attention.layer_norm_epsilon", f32(m.rms_eps)});
    kv.push_back({a + "attention.causal", gguf::Value{false}});
    kv.push_back({a + "pooling_type", u32(m.pooling)});
    kv.push_back({"tokenizer.ggml.token_type_count", u32(2)});
  }
  if (m.phi3) {
    // As the converter writes LongRoPE: sqrt(1 + ln(scale) / ln(original context)).
    const double scale = static_cast<double>(m.n_ctx) / static_cast<double>(m.rope_original_ctx);
    kv.push_back({a + "rope.dimension_count", u32(m.head_size())});
    kv.push_back({a + "rope.scaling.attn_factor",
                  f32(std::sqrt(1.0 + std::log(scale) / std::log(static_cast<double>(m.rope_original_ctx))))});
    kv.push_back({a + "rope.scaling.original_context_length", u32(m.rope_original_ctx)});
  }
  if (m.n_expert > 0) {
    kv.push_back({a + "expert_count", u32(m.n_expert)});
    kv.push_back({a + "expert_used_count", u32(m.n_expert_used)});
    if (m.n_ff_exp) kv.push_back({a + "expert_feed_forward_length", u32(m.n_ff_exp)});
  }
  kv.push_back({"general.file_type", u32(mix.ftype)});
  if (std::string(m.arch) == "llama") {
    kv.push_back({a + "vocab_size", u32(m.n_vocab)});
    kv.push_back({a + "rope.dimension_count", u32(m.head_size())});
  }
  if (vocab) {
    copy_vocab(*vocab, m.n_vocab, kv);
  } else {
    if (m.n_vocab < 3 + 256) fail("model '", m.name, "' has too few tokens for the minimal vocabulary");
    minimal_vocab(m.n_vocab, kv);
  }
  kv.push_back({"general.quantization_version", u32(kQuantizationVersion)});
  return kv;
}

SynthResult synth_file(const KnownModel& m, const Mix& mix, const std::string& path, const SynthOptions& options) {
  std::optional<gguf::File> vocab;
  if (!options.vocab_path.empty()) vocab = gguf::File::open(options.vocab_path);
  gguf::Writer writer(3);
  for (gguf::KeyValue& kv : synth_metadata(m, mix, vocab ? &*vocab : nullptr)) writer.set(kv.key, std::move(kv.value));

  const std::vector<SynthTensor> tensors = synth_tensors(m, mix);
  for (const SynthTensor& t : tensors)
    if (!tensor::can_quantize(t.type)) fail("hearth cannot write type ", tensor::dtype_info(t.type).name);
  const std::vector<float> rope_factors = m.rope_factor > 0 ? llama3_rope_factors(m) : std::vector<float>{};

  ThreadPool pool(options.threads > 0 ? options.threads : ThreadPool::default_threads());
  SynthResult result;
  result.n_tensors = tensors.size();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const SynthTensor& t = tensors[i];
    result.n_params += t.n_elements();
    result.n_bytes += t.n_bytes();
    TensorReport report;
    report.index = i + 1;
    report.count = tensors.size();
    report.name = t.name;
    report.dims = t.dims;
    report.from = DType::F32;
    report.to = t.type;
    report.bytes_from = t.n_elements() * sizeof(float);
    report.bytes_to = t.n_bytes();
    report.why = t.why;
    writer.add_tensor(t.name, t.type, t.dims, [&, report, i](uint8_t* dst, size_t) {
      const SynthTensor& st = tensors[i];
      const int64_t n_per_row = st.dims[0];
      const int64_t n_rows = static_cast<int64_t>(st.n_elements()) / n_per_row;
      const size_t dst_row = tensor::row_bytes(st.type, n_per_row);
      pool.run([&](int ith, int nth) {
        int64_t begin = 0, end = 0;
        ThreadPool::split(n_rows, ith, nth, begin, end);
        if (begin >= end) return;
        std::vector<float> row(static_cast<size_t>(n_per_row));
        for (int64_t r = begin; r < end; ++r) {
          fill_row(st, options.seed, r, row, rope_factors);
          tensor::quantize_row(st.type, row.data(), dst + static_cast<size_t>(r) * dst_row, n_per_row);
        }
      });
      if (options.on_tensor) options.on_tensor(report);
    });
  }
  writer.write(path);
  return result;
}

}  // namespace hearth::convert
