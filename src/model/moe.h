#pragma once
// The mixture-of-experts feed-forward block of the llama family (mixtral,
// qwen3moe): a router picks n_expert_used of n_expert SwiGLU experts per
// token, softmax-weighted and renormalised over the chosen ones; the experts'
// outputs are added to the residual. Expert weights are GGUF's stacked
// ffn_{gate,up,down}_exps tensors, one [.., .., n_expert] tensor each. Tokens
// are grouped by expert, so each chosen expert's weights are read once per
// batch and unchosen experts not at all.
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "model/hparams.h"

namespace hearth::model {

struct MoeWeights {
  backend::TensorView router;              // ffn_gate_inp [n_embd, n_expert]
  backend::TensorView gate, up;            // [n_embd, n_ff_exp, n_expert]
  backend::TensorView down;                // [n_ff_exp, n_embd, n_expert]
};

// Activation buffers and routing tables for batches of up to max_tokens.
class MoeScratch {
 public:
  MoeScratch(backend::Backend& backend, const HParams& hp, int64_t max_tokens);

 private:
  friend void moe_ffn(backend::Backend&, const HParams&, const MoeWeights&, const backend::TensorView&,
                      const backend::TensorView&, MoeScratch&);
  std::unique_ptr<backend::Buffer> buffer_;
  float *logits_, *input_, *gate_, *up_, *down_;
  std::vector<int32_t> experts_;                 // [T * k] chosen experts per token
  std::vector<float> weights_;                   // [T * k] their weights
  std::vector<std::vector<int32_t>> tokens_of_;  // per expert: the tokens routed to it
  std::vector<std::vector<float>> weight_of_;    // per expert: their weights
};

// x += the experts' weighted outputs for the normalised input h; x, h: [n_embd, T].
void moe_ffn(backend::Backend& backend, const HParams& hp, const MoeWeights& w, const backend::TensorView& h,
             const backend::TensorView& x, MoeScratch& scratch);

}  // namespace hearth::model
