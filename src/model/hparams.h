#pragma once
// Hyperparameters read from GGUF metadata with llama.cpp's key names
// ("<arch>.embedding_length", ...).
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::gguf {
class File;
}

namespace hearth::model {

struct HParams {
  std::string arch;
  int64_t n_vocab = 0;
  int64_t n_ctx_train = 0;
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_ff = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;  // key/value length per head
  int64_t n_rot = 0;
  float norm_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;
  float rope_attn_factor = 1.0f;   // rope.scaling.attn_factor
  int64_t n_ctx_orig = 0;          // rope.scaling.original_context_length, else n_ctx_train
  // Sliding-window attention: layers with swa_layer[il] see only the last
  // n_swa positions and rotate with their own base (gemma).
  int64_t n_swa = 0;
  std::vector<bool> swa_layer;
  float rope_freq_base_swa = 10000.0f;
  // Soft-capping of attention scores and of the output logits (0: none; gemma2).
  float attn_softcap = 0.0f;
  float final_softcap = 0.0f;
  // Encoders (bert): attention sees the whole sequence; the output is a
  // pooled embedding (llama.cpp's pooling ids: 0 none, 1 mean, 2 CLS, 3 last).
  bool causal = true;
  int pooling_type = 0;
  // Mixture of experts (0 experts: a dense feed-forward block).
  int64_t n_expert = 0;
  int64_t n_expert_used = 0;
  int64_t n_ff_exp = 0;  // each expert's hidden size (<arch>.expert_feed_forward_length, else n_ff)

  int64_t n_embd_q() const { return n_head * head_dim; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }

  // Reads and checks the hparams of architecture `arch` (n_vocab from the
  // tokenizer's token list when the arch key is absent).
  static HParams from_gguf(const gguf::File& file, const std::string& arch);
};

}  // namespace hearth::model
