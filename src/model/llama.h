#pragma once
#include <memory>
#include <string>

#include "gguf/file.h"

namespace hearth::model {

class Model;

// The llama family: RMSNorm, RoPE, grouped-query attention, SwiGLU
// feed-forward, output head (tied to the embeddings when output.weight is
// absent), the feed-forward block dense or a mixture of experts (model/moe.h)
// as the hparams say. Members differ in the details a variant names.
struct LlamaVariant {
  const char* arch;  // general.architecture, and the prefix of its hparam keys
  bool neox_rope;    // rotate pairs (i, i + n_rot/2) rather than (2i, 2i + 1)
  bool qkv_bias;     // attn_{q,k,v}.bias required (optional otherwise)
  bool qk_norm;      // per-head RMSNorm of q and k before RoPE (attn_{q,k}_norm)
  // gemma: embeddings scaled by sqrt(n_embd), RMSNorm of the attention and
  // feed-forward outputs before the residual adds, GELU feed-forward, and
  // sliding-window layers: all but every swa_pattern-th layer when the file
  // sets attention.sliding_window (gemma3's local/global layers).
  bool gemma;
  int swa_pattern;
  // phi3: LongRoPE, per-pair rope divisors from rope_factors_short or, for
  // contexts beyond the original one, rope_factors_long.
  bool long_rope;
};

// The variant for an architecture name, or nullptr.
const LlamaVariant* find_llama_variant(const std::string& arch);
std::unique_ptr<Model> load_llama(gguf::File file, const LlamaVariant& variant);

}  // namespace hearth::model
