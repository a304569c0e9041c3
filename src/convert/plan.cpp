#include "convert/plan.h"

#include <algorithm>
#include <cstdio>
#include <numeric>

#include "core/error.h"
#include "gguf/file.h"

namespace hearth::convert {

namespace {

using tensor::DType;

// llama_ftype ids of the mixes whose rules differ from the plain default.
constexpr uint32_t kFtypeQ8_0 = 7, kFtypeQ2_K = 10, kFtypeQ3_K_M = 12, kFtypeQ4_K_M = 15,
                   kFtypeQ5_K_M = 17, kFtypeIQ4_NL = 25, kFtypeIQ4_XS = 30;

// The broad roles llama.cpp's rules distinguish, matched on the name in this
// order (the first match wins).
enum class Role { Output, TokenEmbd, AttnQkv, AttnKvB, AttnV, AttnK, AttnQ, AttnOutput, FfnUp, FfnGate, FfnDown, Other };

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

Role role_of(const std::string& name) {
  if (name == "output.weight") return Role::Output;
  if (name == "token_embd.weight" || name == "per_layer_token_embd.weight") return Role::TokenEmbd;
  if (contains(name, "attn_qkv.weight")) return Role::AttnQkv;
  if (contains(name, "attn_kv_b.weight")) return Role::AttnKvB;
  if (contains(name, "attn_v.weight")) return Role::AttnV;
  if (contains(name, "attn_k.weight")) return Role::AttnK;
  if (contains(name, "attn_q.weight")) return Role::AttnQ;
  if (contains(name, "attn_output.weight")) return Role::AttnOutput;
  if (contains(name, "ffn_up")) return Role::FfnUp;
  if (contains(name, "ffn_gate")) return Role::FfnGate;
  if (contains(name, "ffn_down")) return Role::FfnDown;
  return Role::Other;
}

// attn_v and the fused tensors that hold V are treated alike.
bool v_like(Role r) { return r == Role::AttnV || r == Role::AttnQkv || r == Role::AttnKvB; }

// The N of a "blk.N." prefix, or -1.
int layer_of(const std::string& name) {
  int layer = -1;
  if (std::sscanf(name.c_str(), "blk.%d.", &layer) != 1) return -1;
  return layer;
}

// ggml_n_dims: trailing dimensions of 1 do not count.
int n_dims(const std::vector<int64_t>& dims) {
  int n = static_cast<int>(dims.size());
  while (n > 1 && dims[n - 1] == 1) --n;
  return std::max(n, 1);
}

int64_t block_of(DType t) { return tensor::dtype_info(t).block_size; }
const char* name_of(DType t) { return tensor::dtype_info(t).name; }

// The layers that get more bits in the _M mixes: the first and last eighth,
// and every third layer in between.
bool more_bits_layer(int64_t i, int64_t n) {
  return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

int64_t first_count(const gguf::File& file, const std::string& key, int64_t fallback) {
  const gguf::Value* v = file.find(key);
  if (!v) return fallback;
  if (v->type() == gguf::ValueType::ARRAY) {
    const gguf::Array& a = v->as_array(key);
    return a.items.empty() ? fallback : static_cast<int64_t>(a.items[0].as_uint(key));
  }
  return static_cast<int64_t>(v->as_uint(key));
}

struct Planner {
  const Mix& mix;
  const ModelInfo& model;
  bool tied = true;       // no output.weight: token_embd doubles as the output
  int64_t n_v = 0;        // attn_v-like tensors in the model
  int64_t i_v = 0;        // attn_v-like tensors planned so far
  int64_t i_down = 0;     // ffn_down tensors planned so far

  int64_t gqa() const { return model.n_head_kv > 0 ? model.n_head / model.n_head_kv : 0; }
  bool falcon() const { return model.arch == "falcon"; }
  bool is_70b() const {
    return model.n_layer == 80 && ((model.arch == "llama" && model.n_head != model.n_head_kv) || model.arch == "qwen2");
  }

  // The layer a per-layer rule uses: the count so far, or for mixtures of
  // experts (whose tensors are not one per layer) the number in the name.
  int64_t rule_layer(int64_t counter, const std::string& name) const {
    if (model.n_expert <= 1) return counter;
    const int layer = layer_of(name);
    if (layer < 0 || layer >= model.n_layer) fail("cannot tell the layer of tensor '", name, "'");
    return layer;
  }

  Choice quantized_choice(const PlanTensor& t) {
    const uint32_t f = mix.ftype;
    const Role role = role_of(t.name);
    DType type = mix.default_type;
    std::string why;
    auto set = [&](DType to, std::string reason) {
      type = to;
      why = std::move(reason);
    };

    if (role == Role::Output || (tied && role == Role::TokenEmbd)) {
      const char* what = role == Role::Output ? "output" : "tied embeddings";
      if (falcon() || t.dims[0] % block_of(type) != 0)
        set(DType::Q8_0, cat(what, ": q8_0"));
      else if (type != DType::Q8_0)
        set(DType::Q6_K, cat(what, ": q6_K"));
    } else if (role == Role::TokenEmbd) {
      // untied embeddings keep the default type in these mixes
    } else if (v_like(role)) {
      const int64_t i = i_v, n = n_v;
      if (f == kFtypeQ2_K) {
        set(gqa() >= 4 ? DType::Q4_K : DType::Q3_K, gqa() >= 4 ? "attn_v: q4_K (gqa >= 4)" : "attn_v: q3_K");
      } else if (f == kFtypeQ3_K_M) {
        set(i < 2 ? DType::Q5_K : DType::Q4_K, i < 2 ? "attn_v: q5_K (first two)" : "attn_v: q4_K");
      } else if ((f == kFtypeIQ4_NL || f == kFtypeIQ4_XS) && gqa() >= 4) {
        set(DType::Q5_K, "attn_v: q5_K (gqa >= 4)");
      } else if ((f == kFtypeQ4_K_M || f == kFtypeQ5_K_M) && more_bits_layer(i, n)) {
        set(DType::Q6_K, "attn_v: q6_K (more-bits layer)");
      }
      if (is_70b() && (type == DType::Q3_K || type == DType::Q4_K)) set(DType::Q5_K, "attn_v: q5_K (70B)");
      if (model.n_expert == 8) set(DType::Q8_0, "attn_v: q8_0 (8 experts)");
      ++i_v;
    } else if (role == Role::AttnK) {
      if (model.n_expert == 8) set(DType::Q8_0, "attn_k: q8_0 (8 experts)");
    } else if (role == Role::FfnDown) {
      const int64_t i = rule_layer(i_down, t.name), n = model.n_layer;
      if (f == kFtypeQ2_K) {
        set(DType::Q3_K, "ffn_down: q3_K");
      } else if (f == kFtypeQ3_K_M) {
        if (i < n / 16)
          set(DType::Q5_K, "ffn_down: q5_K (first sixteenth)");
        else if (!falcon() || more_bits_layer(i, n))
          set(DType::Q4_K, "ffn_down: q4_K");
      } else if (f == kFtypeQ4_K_M) {
        if (falcon()) {
          if (i < n / 16)
            set(DType::Q6_K, "ffn_down: q6_K (first sixteenth)");
          else if (more_bits_layer(i, n))
            set(DType::Q5_K, "ffn_down: q5_K (more-bits layer)");
        } else if (more_bits_layer(i, n)) {
          set(DType::Q6_K, "ffn_down: q6_K (more-bits layer)");
        }
      } else if ((f == kFtypeIQ4_NL || f == kFtypeIQ4_XS) && i < n / 8) {
        set(DType::Q5_K, "ffn_down: q5_K (first eighth)");
      } else if (f == kFtypeQ5_K_M && more_bits_layer(i, n)) {
        set(DType::Q6_K, "ffn_down: q6_K (more-bits layer)");
      }
      ++i_down;
    } else if (role == Role::AttnOutput) {
      if (!falcon()) {
        if (model.n_expert == 8) {
          if (f == kFtypeQ2_K || f == kFtypeQ3_K_M || f == kFtypeIQ4_NL || f == kFtypeQ4_K_M || f == kFtypeIQ4_XS)
            set(DType::Q5_K, "attn_output: q5_K (8 experts)");
        } else if (f == kFtypeQ2_K) {
          set(DType::Q3_K, "attn_output: q3_K");
        } else if (f == kFtypeQ3_K_M) {
          set(DType::Q4_K, "attn_output: q4_K");
        }
      }
    }

    // A row that does not divide into the type's blocks takes a type with
    // smaller blocks, else F16.
    const int64_t ne0 = t.dims[0];
    if (ne0 % block_of(type) != 0) {
      DType fallback;
      switch (type) {
        case DType::IQ4_XS: fallback = DType::IQ4_NL; break;
        case DType::Q2_K:
        case DType::Q3_K: fallback = DType::Q4_0; break;
        case DType::Q4_K: fallback = DType::Q5_0; break;
        case DType::Q5_K: fallback = DType::Q5_1; break;
        case DType::Q6_K: fallback = DType::Q8_0; break;
        default:
          if (block_of(type) > 32) fail("tensor '", t.name, "': no fallback type for ", name_of(type));
          fallback = type;
      }
      if (ne0 % block_of(fallback) != 0) fallback = DType::F16;
      why = cat(why.empty() ? "" : why + ", ", "row of ", ne0, " not a multiple of ", name_of(type), "'s ",
                block_of(type), ": ", name_of(fallback));
      type = fallback;
    }
    return {type, why};
  }
};

}  // namespace

ModelInfo ModelInfo::from_gguf(const gguf::File& file) {
  ModelInfo info;
  info.arch = file.find_string("general.architecture").value_or("");
  const std::string p = info.arch + ".";
  int64_t max_layer = -1;
  for (const gguf::TensorInfo& t : file.tensors()) max_layer = std::max<int64_t>(max_layer, layer_of(t.name));
  info.n_layer = first_count(file, p + "block_count", max_layer + 1);
  info.n_head = first_count(file, p + "attention.head_count", 0);
  info.n_head_kv = first_count(file, p + "attention.head_count_kv", info.n_head);
  info.n_expert = first_count(file, p + "expert_count", 0);
  return info;
}

bool may_convert(const PlanTensor& t) {
  if (n_dims(t.dims) < 2) return false;
  const std::string& n = t.name;
  if (n.size() < 6 || n.compare(n.size() - 6, 6, "weight") != 0) return false;
  // Norms, expert routers and small or position-like tensors stay as they are.
  static const char* const kKeep[] = {
      "_norm.weight", "ffn_gate_inp.weight", "ffn_gate_tid2eid.weight", "altup", "laurel",
      "per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight", "indexer.k_proj.weight",
      "indexer.q_proj.weight", "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
      "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight", "time_mix_v2.weight",
      "time_mix_a0.weight", "time_mix_a1.weight", "time_mix_a2.weight", "time_mix_g1.weight",
      "time_mix_g2.weight", "time_mix_decay_w1.weight", "time_mix_decay_w2.weight",
      "time_mix_lerp_fused.weight", "attn_rel_b.weight", ".position_embd", "sam.pos_embd", "sam.neck.",
      "sam.net_", ".rel_pos", ".patch_embd", ".patch_merger", "a.rvq.codebook", "mm.a.code_embd"};
  for (const char* part : kKeep)
    if (contains(n, part)) return false;
  if (n == "position_embd.weight" || n == "token_types.weight") return false;
  return true;
}

std::vector<Choice> plan_types(const Mix& mix, const ModelInfo& model, std::span<const PlanTensor> tensors) {
  Planner planner{mix, model};
  for (const PlanTensor& t : tensors) {
    if (t.dims.empty()) fail("tensor '", t.name, "' has no dimensions");
    const Role role = role_of(t.name);
    if (role == Role::Output) planner.tied = false;
    if (v_like(role)) ++planner.n_v;
  }

  // llama.cpp visits tensors by layer number (non-layer tensors first), then name.
  std::vector<size_t> order(tensors.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const int la = layer_of(tensors[a].name), lb = layer_of(tensors[b].name);
    if (la != lb) return la < lb;
    return tensors[a].name < tensors[b].name;
  });

  std::vector<Choice> out(tensors.size(), Choice{DType::F32, ""});
  for (size_t idx : order) {
    const PlanTensor& t = tensors[idx];
    if (!may_convert(t)) {
      out[idx] = {t.type, n_dims(t.dims) < 2 ? "kept: 1-D" : "kept"};
    } else if (!mix.quantized()) {
      out[idx] = {mix.default_type, ""};
    } else {
      out[idx] = planner.quantized_choice(t);
    }
  }
  return out;
}

}  // namespace hearth::convert
