#pragma once
// The per-tensor type plan of a quantization mix, following the rules of
// llama.cpp's quantizer (src/llama-quant.cpp) without an importance matrix:
//
// - Only tensors named "*weight" with at least two dimensions that are not
//   norms (and not a few small special tensors) are converted; the others
//   (norms, biases, rope_freqs, 1-D tensors) keep their type.
// - F32/F16/BF16 mixes give every converted tensor that type.
// - Quantized mixes start from the mix's default type, then:
//   output.weight (and token_embd.weight when the embeddings are tied) gets
//   Q6_K, or Q8_0 when the mix is Q8_0 or its row is not a multiple of the
//   default type's block; attn_v / ffn_down / attn_output get more bits in
//   the K mixes, some only in "use more bits" layers (the first and last
//   eighth of the layers and every third layer between); and a row length
//   that is not a multiple of the chosen type's block falls back to a type
//   with 32-element blocks (Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0,
//   Q2_K/Q3_K -> Q4_0, IQ4_XS -> IQ4_NL), else to F16.
// - Per-layer counters run in llama.cpp's tensor order (layer number, then
//   name), whatever order the file has.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "convert/mix.h"
#include "tensor/dtype.h"

namespace hearth::gguf {
class File;
}

namespace hearth::convert {

// What the rules need to know of the model (from its metadata).
struct ModelInfo {
  std::string arch;       // general.architecture
  int64_t n_layer = 0;    // <arch>.block_count
  int64_t n_head = 0;     // <arch>.attention.head_count (first layer's)
  int64_t n_head_kv = 0;  // <arch>.attention.head_count_kv (default: n_head)
  int64_t n_expert = 0;   // <arch>.expert_count

  static ModelInfo from_gguf(const gguf::File& file);
};

struct PlanTensor {
  std::string name;
  tensor::DType type;          // its type now
  std::vector<int64_t> dims;   // ne[0] first
};

struct Choice {
  tensor::DType type;
  std::string why;  // a short reason, for the log ("kept: 1-D", "output: q6_K", ...)
};

// True when llama.cpp's quantizer may change this tensor's type.
bool may_convert(const PlanTensor& t);

// The type of each tensor (same order as `tensors`) under `mix`.
std::vector<Choice> plan_types(const Mix& mix, const ModelInfo& model, std::span<const PlanTensor> tensors);

}  // namespace hearth::convert
