#pragma once
// What memory and speed depend on in a model: its dimensions and, per weight
// tensor, type, shape and how the forward pass uses it. From a GGUF file's
// header, or without a file from a known model's shapes (convert/synth.h)
// or a generic dense shape of a given size, quantized by a mix's plan.
#include <cstdint>
#include <string>
#include <vector>

#include "convert/mix.h"
#include "convert/synth.h"
#include "tensor/dtype.h"

namespace hearth::gguf {
class File;
}

namespace hearth::hw {

enum class WeightUse {
  Matrix,           // multiplied with activations (attn_q, ffn_up, output, a router...)
  Experts,          // stacked experts [K, R, n_expert]: only the routed ones are multiplied
  Embeddings,       // token_embd: rows looked up per token
  TiedEmbeddings,   // token_embd that is also the output matrix (no output.weight)
  Vector,           // norms, biases, rope factors: read element-wise
};

struct WeightTensor {
  std::string name;
  tensor::DType type;
  std::vector<int64_t> dims;  // ne[0] first
  uint64_t bytes = 0;
  WeightUse use = WeightUse::Vector;
  bool output = false;        // the output (logits) matrix, tied or not

  int64_t k() const { return dims.empty() ? 0 : dims[0]; }
  int64_t rows() const { return dims.size() > 1 ? dims[1] : 1; }
  int64_t matrices() const { return dims.size() > 2 ? dims[2] : 1; }
  bool multiplied() const { return use == WeightUse::Matrix || use == WeightUse::Experts || use == WeightUse::TiedEmbeddings; }
};

struct ModelShape {
  std::string description;  // "qwen2 0.5B Q4_0"
  std::string arch;
  std::string file_type;    // "Q4_0", "Q4_K_M", "F16"; empty when unknown
  int64_t n_layer = 0, n_embd = 0, n_head = 0, n_head_kv = 0, head_dim = 0, n_rot = 0;
  int64_t n_vocab = 0, n_ff = 0, n_ctx_train = 0;
  int64_t n_expert = 0, n_expert_used = 0, n_ff_exp = 0;
  int64_t n_swa = 0;         // sliding window (0: none)
  int64_t n_swa_layers = 0;  // layers that use it
  bool causal = true;
  bool qkv_bias = false, qk_norm = false, gemma_norms = false;
  std::vector<WeightTensor> weights;
  uint64_t metadata_bytes = 0;  // the file before its tensor data: header, metadata, tokenizer
  int64_t n_merges = 0;         // BPE merges of the vocabulary (they take memory too)

  int64_t n_embd_q() const { return n_head * head_dim; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }
  uint64_t weight_bytes() const;
  uint64_t parameter_count() const;
  // Parameters one token multiplies with: the routed experts only, and the output matrix.
  uint64_t active_parameter_count() const;
};

// From a GGUF file's header (hparams as model/hparams.h reads them).
ModelShape shape_of_file(const gguf::File& file);
// A known model's tensors with the types `mix` gives them, as synth writes them.
ModelShape shape_of_known(const convert::KnownModel& model, const convert::Mix& mix);

// A llama-style dense model of about `billions` parameters: the shape of a
// real model near that size, its layer count scaled to the size.
convert::KnownModel generic_dense_model(double billions);
// "14b", "0.5B", "500m" -> billions; throws hearth::Error otherwise.
double parse_parameter_count(const std::string& text);

}  // namespace hearth::hw
