// The reference attention kernels: plain loops, sums in double, std::exp;
// q8_0 scores by the quantized matmul's reference vec-dot.
#include <cmath>

#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/quant_dot.h"
#include "core/half.h"
#include "tensor/dequantize.h"

namespace hearth::backend::cpu {

namespace {

void scores_scalar(const float* k, int64_t k_stride, int nc, const float* q, int64_t q_stride, int nq, int64_t d,
                   float* s, int64_t s_stride) {
  for (int i = 0; i < nq; ++i)
    for (int j = 0; j < nc; ++j) {
      double sum = 0.0;
      for (int64_t e = 0; e < d; ++e) sum += static_cast<double>(k[j * k_stride + e]) * q[i * q_stride + e];
      s[i * s_stride + j] = static_cast<float>(sum);
    }
}

void scores_q8_0_scalar(const uint8_t* k, size_t k_stride, int nc, const uint8_t* q, size_t q_stride, int nq,
                        int64_t d, float* s, int64_t s_stride) {
  for (int i = 0; i < nq; ++i)
    for (int j = 0; j < nc; ++j)
      s[i * s_stride + j] = vec_dot_scalar(tensor::DType::Q8_0, d, k + j * k_stride, q + i * q_stride);
}

void accumulate_scalar(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride, int nq, int64_t d,
                       float* acc, int64_t acc_stride) {
  for (int i = 0; i < nq; ++i)
    for (int64_t e = 0; e < d; ++e) {
      double sum = acc[i * acc_stride + e];
      for (int j = 0; j < nc; ++j) sum += static_cast<double>(p[i * p_stride + j]) * v[j * v_stride + e];
      acc[i * acc_stride + e] = static_cast<float>(sum);
    }
}

float exp_sum_scalar(float* x, int64_t n, float max) {
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) sum += (x[j] = std::exp(x[j] - max));
  return static_cast<float>(sum);
}

void widen_f16_scalar(const uint16_t* x, int64_t n, float* out) {
  for (int64_t e = 0; e < n; ++e) out[e] = f16_to_f32(x[e]);
}

void dequantize_q8_0_scalar(const uint8_t* blocks, int64_t nb, float* out) {
  tensor::dequantize_row(tensor::DType::Q8_0, blocks, out, 32 * nb);
}

const AttentionKernels kScalar{Level::Scalar,    scores_scalar,    scores_q8_0_scalar,    accumulate_scalar,
                               exp_sum_scalar,   widen_f16_scalar, dequantize_q8_0_scalar};

}  // namespace

const AttentionKernels& attention_kernels_scalar() { return kScalar; }

const AttentionKernels& attention_kernels_for(Level level) {
  if (level >= Level::Avx512)
    if (const AttentionKernels* k = attention_kernels_avx512()) return *k;
  if (level >= Level::Avx2)
    if (const AttentionKernels* k = attention_kernels_avx2()) return *k;
  return kScalar;
}

}  // namespace hearth::backend::cpu
