#include <cmath>

#include "backend/cpu/glu.h"

namespace hearth::backend::cpu {

namespace {

void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void gelu_mul_scalar(const float* gate, const float* up, float* out, int64_t n) {
  constexpr float kSqrt2OverPi = 0.7978845608f, kCubic = 0.044715f;
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = 0.5f * g * (1.0f + std::tanh(kSqrt2OverPi * g * (1.0f + kCubic * g * g))) * up[i];
  }
}

const GluKernels kScalar{Level::Scalar, silu_mul_scalar, gelu_mul_scalar};

}  // namespace

const GluKernels& glu_kernels_scalar() { return kScalar; }

const GluKernels& glu_kernels_for(Level level) {
  if (level >= Level::Avx512)
    if (const GluKernels* k = glu_kernels_avx512()) return *k;
  if (level >= Level::Avx2)
    if (const GluKernels* k = glu_kernels_avx2()) return *k;
  return kScalar;
}

}  // namespace hearth::backend::cpu
