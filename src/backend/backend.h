#pragma once
// The op interface the forward passes are written against. A backend owns the
// memory of the activations it computes on (host memory for the CPU; device
// memory for a GPU backend later) and implements each op over TensorViews.
//
// Shapes use ne[0] first. "rows" are the flattened higher dimensions.
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "backend/tensor_view.h"

namespace hearth::backend {

// Memory a backend hands out for activations and caches.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual void* data() = 0;
  virtual size_t size() const = 0;
};

struct RopeParams {
  int n_rot = 0;             // leading dimensions of each head that rotate
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;   // 1 / linear scaling factor
  bool neox = false;         // pairs (i, i + n_rot/2) instead of (2i, 2i + 1)
  // Per-pair divisors of the angle (llama 3's rope_freqs), n_rot / 2 values;
  // empty: none.
  std::span<const float> freq_factors;
  float attn_factor = 1.0f;  // multiplies the rotated values (LongRoPE's magnitude correction)
};

// Which KV cells token t of a batch may attend to: cells
// [cell_begin[t], cell_end[t]) of the layer's cache, in position order.
struct AttentionSpan {
  std::span<const int32_t> cell_begin;
  std::span<const int32_t> cell_end;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  virtual int threads() const = 0;

  virtual std::unique_ptr<Buffer> alloc(size_t bytes) = 0;

  // out[t] = row ids[t] of table, converted to f32. out: [table.ne[0], n]
  virtual void get_rows(const TensorView& table, std::span<const int32_t> ids, const TensorView& out) = 0;
  // out = x / sqrt(mean(x^2) + eps) * weight, per row. weight: [ne0]
  virtual void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& out) = 0;
  // out[t][r] = sum_k w[r][k] * x[t][k].  w: [K, R]  x: [K, T]  out: [R, T]
  virtual void matmul(const TensorView& w, const TensorView& x, const TensorView& out) = 0;
  // Rotates x in place. x: [head_dim, n_heads, T]; pos: T positions.
  virtual void rope(const TensorView& x, std::span<const int32_t> pos, const RopeParams& params) = 0;
  // Writes the rows of src (f32, [width, T]) into cache rows cells[t] (cache
  // type F32, F16, or Q8_0 with width a multiple of 32).
  virtual void store_rows(const TensorView& src, std::span<const int32_t> cells, const TensorView& cache) = 0;
  // Causal multi-head attention with grouped KV heads, never materialising the
  // full score matrix. q: [head_dim, n_heads, T]; k_cache, v_cache:
  // [head_dim * n_kv_heads, n_cells]; out: [head_dim * n_heads, T]. Scores
  // are q.k * scale, then softcap * tanh(score / softcap) when softcap > 0
  // (gemma2's logit soft-capping).
  virtual void attention(const TensorView& q, const TensorView& k_cache, const TensorView& v_cache,
                         const AttentionSpan& span, int n_kv_heads, float scale, const TensorView& out,
                         float softcap = 0.0f) = 0;
  // x = softcap * tanh(x / softcap), element-wise.
  virtual void softcap(const TensorView& x, float softcap) = 0;
  // out = silu(gate) * up, element-wise.
  virtual void swiglu(const TensorView& gate, const TensorView& up, const TensorView& out) = 0;
  // out = gelu(gate) * up, element-wise, gelu in its tanh approximation.
  virtual void geglu(const TensorView& gate, const TensorView& up, const TensorView& out) = 0;
  // x *= s, element-wise.
  virtual void scale(const TensorView& x, float s) = 0;
  // x = gelu(x) in place, tanh approximation.
  virtual void gelu(const TensorView& x) = 0;
  // out = (x - mean) / sqrt(var + eps) * weight + bias, per row (biased variance).
  virtual void layer_norm(const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                          const TensorView& out) = 0;
  // x += y, element-wise; a y of one row is added to every row of x (a bias).
  virtual void add(const TensorView& x, const TensorView& y) = 0;
  // x row rows[i] += scale[i] * y row i, for each row i of y (f32).
  virtual void add_scaled_rows(const TensorView& x, std::span<const int32_t> rows, const TensorView& y,
                               std::span<const float> scale) = 0;
  // Mixture-of-experts routing: per token (column of logits, [n_expert, T]),
  // the k experts of highest softmax probability, best first, into
  // experts[t * k + j], and their probabilities into weights[t * k + j],
  // divided by their sum when `normalize`.
  virtual void moe_route(const TensorView& logits, int k, bool normalize, std::span<int32_t> experts,
                         std::span<float> weights) = 0;
};

// The CPU backend with n_threads workers (<= 0: one per physical core).
std::unique_ptr<Backend> make_cpu_backend(int n_threads);

}  // namespace hearth::backend
