#include "model/moe.h"

namespace hearth::model {

using backend::TensorView;
using tensor::DType;

namespace {

// Expert e's matrix of a stacked [.., .., n_expert] tensor.
TensorView expert(const TensorView& stacked, int64_t e) {
  TensorView v = stacked;
  v.data = static_cast<uint8_t*>(stacked.data) + e * stacked.nb[2];
  v.ne[2] = 1;
  v.nb[3] = v.nb[2];
  return v;
}

TensorView rows(float* data, int64_t width, int64_t n) { return TensorView::contiguous(DType::F32, data, {width, n}); }

}  // namespace

MoeScratch::MoeScratch(backend::Backend& backend, const HParams& hp, int64_t max_tokens) {
  const int64_t d = hp.n_embd, ff = hp.n_ff_exp, ne = hp.n_expert;
  const int64_t floats = max_tokens * (ne + 2 * d + 2 * ff);
  buffer_ = backend.alloc(static_cast<size_t>(floats) * sizeof(float));
  float* p = static_cast<float*>(buffer_->data());
  logits_ = p, p += max_tokens * ne;
  input_ = p, p += max_tokens * d;
  down_ = p, p += max_tokens * d;
  gate_ = p, p += max_tokens * ff;
  up_ = p;
  const auto slots = static_cast<size_t>(max_tokens * hp.n_expert_used);
  experts_.resize(slots);
  weights_.resize(slots);
  tokens_of_.resize(static_cast<size_t>(ne));
  weight_of_.resize(static_cast<size_t>(ne));
  for (auto& t : tokens_of_) t.reserve(static_cast<size_t>(max_tokens));
  for (auto& w : weight_of_) w.reserve(static_cast<size_t>(max_tokens));
}

void moe_ffn(backend::Backend& be, const HParams& hp, const MoeWeights& w, const TensorView& h, const TensorView& x,
             MoeScratch& s) {
  const int64_t T = h.n_rows(), k = hp.n_expert_used, d = hp.n_embd, ff = hp.n_ff_exp;
  const TensorView logits = rows(s.logits_, hp.n_expert, T);
  be.matmul(w.router, h, logits);
  const auto slots = static_cast<size_t>(T * k);
  be.moe_route(logits, static_cast<int>(k), true, {s.experts_.data(), slots}, {s.weights_.data(), slots});

  for (auto& t : s.tokens_of_) t.clear();
  for (auto& wt : s.weight_of_) wt.clear();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < k; ++j) {
      const int32_t e = s.experts_[t * k + j];
      s.tokens_of_[e].push_back(static_cast<int32_t>(t));
      s.weight_of_[e].push_back(s.weights_[t * k + j]);
    }

  for (int64_t e = 0; e < hp.n_expert; ++e) {
    const std::vector<int32_t>& tokens = s.tokens_of_[e];
    if (tokens.empty()) continue;
    const auto n = static_cast<int64_t>(tokens.size());
    const TensorView in = rows(s.input_, d, n), gate = rows(s.gate_, ff, n), up = rows(s.up_, ff, n),
                     down = rows(s.down_, d, n);
    be.get_rows(h, tokens, in);
    be.matmul(expert(w.gate, e), in, gate);
    be.matmul(expert(w.up, e), in, up);
    be.swiglu(gate, up, gate);
    be.matmul(expert(w.down, e), gate, down);
    be.add_scaled_rows(x, tokens, down, s.weight_of_[e]);
  }
}

}  // namespace hearth::model
