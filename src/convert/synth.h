#pragma once
// Synthetic models: the exact tensor shapes and metadata of a known model
// (from its published config, as llama.cpp's converter writes them) filled
// with seeded random weights scaled like a trained model's — matrices with
// variance about 1/fan_in, norm weights near 1, small biases, llama 3's
// rope_freqs computed as the converter computes them. Speed depends on shapes
// and types, not on values, so these stand in for real models in benchmarks.
// Weights are generated and quantized row by row inside the writer's fill
// callbacks, over a thread pool: memory use is one tensor, not the model.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "convert/mix.h"
#include "convert/quantize.h"
#include "gguf/value.h"
#include "tensor/dtype.h"

namespace hearth::gguf {
class File;
}

namespace hearth::convert {

struct KnownModel {
  const char* name;          // --like NAME: "llama3.2-1b"
  const char* arch;          // "llama", "qwen2", "qwen3", "qwen3moe", "gemma2", "gemma3", "phi3", "bert", "nomic-bert"
  const char* display_name;  // general.name prefix: "Llama 3.2 1B Instruct"
  int64_t n_vocab, n_ctx, n_embd, n_ff, n_layer, n_head, n_head_kv;
  int64_t head_dim;          // 0: n_embd / n_head and not written; else written as key/value length
  double rope_theta, rms_eps;
  bool tied_embeddings;      // no output.weight
  bool qkv_bias;             // attn_q/k/v biases (qwen2)
  // Llama 3 rope scaling, written as a rope_freqs.weight tensor (factor 0: none).
  double rope_factor, rope_low_freq_factor, rope_high_freq_factor;
  int64_t rope_original_ctx;
  bool qk_norm = false;      // per-head q/k RMSNorm weights (qwen3)
  // Mixture of experts (0: dense): stacked ffn_*_exps tensors and a router.
  int64_t n_expert = 0, n_expert_used = 0;
  int64_t n_ff_exp = 0;      // 0: n_ff; else written as expert_feed_forward_length
  // gemma: post-attention/post-FFN norms; sliding window (0: none) on all but
  // every sixth layer.
  bool gemma = false;
  int64_t n_swa = 0;
  // phi3: fused attn_qkv and gate/up (one ffn_up of 2 x n_ff), LongRoPE
  // factors (rope_factors_short/long) beyond rope_original_ctx, and its
  // attention magnitude factor.
  bool phi3 = false;
  // Encoders (arch bert or nomic-bert): llama.cpp's pooling id (1 mean, 2 CLS).
  int pooling = 0;
  // gemma2's soft-capping of attention scores and output logits.
  double attn_softcap = 0, final_softcap = 0;

  int64_t head_size() const { return head_dim ? head_dim : n_embd / n_head; }
};

std::span<const KnownModel> known_models();
// Throws hearth::Error listing the known names.
const KnownModel& find_known_model(const std::string& name);

enum class Init { Matrix, Norm, Bias, RopeFreqs, LongRopeFactors };

struct SynthTensor {
  std::string name;
  std::vector<int64_t> dims;  // ne[0] first
  tensor::DType type;
  Init init;
  std::string why;  // the plan's reason for the type
  uint64_t n_elements() const;
  uint64_t n_bytes() const;
};

// The tensors a synth of `model` in `mix` writes, in file order, with their
// planned types (the same plan as `quantize`, from f32 weights).
std::vector<SynthTensor> synth_tensors(const KnownModel& model, const Mix& mix);

// The metadata, in file order. Tokenizer keys come from `vocab` (every
// tokenizer.* key of a vocabulary GGUF; a shorter token list is padded with
// "[PAD<id>]" unused tokens as llama.cpp's converter pads, a longer one is an
// error) or, without one, form a minimal SentencePiece vocabulary of the
// model's size: <unk> <s> </s>, the 256 byte tokens <0x00>..<0xFF>, "▁", the
// printable ASCII characters alone and after "▁", the control token
// "<|endoftext|>", then "<unused<k>>" tokens.
std::vector<gguf::KeyValue> synth_metadata(const KnownModel& model, const Mix& mix, const gguf::File* vocab);

// llama 3's rope frequency factors (head_size / 2 values), as llama.cpp's
// converter computes them.
std::vector<float> llama3_rope_factors(const KnownModel& model);

struct SynthOptions {
  std::string vocab_path;  // empty: the minimal vocabulary
  uint64_t seed = 0;
  int threads = 0;         // 0: ThreadPool::default_threads()
  std::function<void(const TensorReport&)> on_tensor;  // from = f32 (generated)
};

struct SynthResult {
  uint64_t n_params = 0, n_bytes = 0;
  size_t n_tensors = 0;
};

// Writes the model to path (atomically). Throws hearth::Error.
SynthResult synth_file(const KnownModel& model, const Mix& mix, const std::string& path, const SynthOptions& options);

}  // namespace hearth::convert
