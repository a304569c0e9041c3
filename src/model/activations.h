#pragma once
// The activation buffers of the llama-family forward passes (llama, qwen,
// gemma): one backend buffer holding [width, max_tokens] rows for the
// residual stream, the attention and the feed-forward block, plus the
// mixture-of-experts scratch when the model has experts.
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "model/hparams.h"
#include "model/model.h"
#include "model/moe.h"

namespace hearth::model {

class Activations final : public Workspace {
 public:
  Activations(backend::Backend& backend, const HParams& hp, int64_t max_tokens) : max_tokens_(max_tokens) {
    const int64_t d = hp.n_embd, q = hp.n_embd_q(), kv = hp.n_embd_kv(), ff = hp.n_ff;
    const int64_t floats = max_tokens * (3 * d + 2 * q + 2 * kv + 2 * ff);
    buffer_ = backend.alloc(static_cast<size_t>(floats) * sizeof(float));
    base_ = static_cast<float*>(buffer_->data());
    x = take(d), h = take(d), qcur = take(q), attn = take(q), kcur = take(kv), vcur = take(kv);
    gate = take(ff), up = take(ff), normed_out = take(d);
    if (hp.n_expert > 0) moe = std::make_unique<MoeScratch>(backend, hp, max_tokens);
    window_begin.reserve(static_cast<size_t>(max_tokens));
  }
  int64_t max_tokens() const override { return max_tokens_; }

  // Row-major [width, T] views over the first T tokens of each buffer.
  static backend::TensorView rows(float* data, int64_t width, int64_t n_tokens) {
    return backend::TensorView::contiguous(tensor::DType::F32, data, {width, n_tokens});
  }

  float *x, *h, *qcur, *attn, *kcur, *vcur, *gate, *up, *normed_out;
  std::unique_ptr<MoeScratch> moe;
  std::vector<int32_t> window_begin;  // per token: first cell of a sliding window

 private:
  float* take(int64_t width) {
    float* p = base_ + used_;
    used_ += width * max_tokens_;
    return p;
  }
  int64_t max_tokens_;
  std::unique_ptr<backend::Buffer> buffer_;
  float* base_;
  int64_t used_ = 0;
};

}  // namespace hearth::model
