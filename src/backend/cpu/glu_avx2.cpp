// The gated activations with AVX2 + FMA (contract in glu.h); the tail of a
// row goes through a zero-padded vector.
#include <immintrin.h>

#include <algorithm>

#include "backend/cpu/cpu_features.h"
#include "backend/cpu/glu.h"
#include "backend/cpu/vec_exp_avx2.h"

namespace hearth::backend::cpu {

namespace {

struct Silu {
  HEARTH_AVX2_EXP static __m256 z(__m256 g) { return g; }
};
struct Gelu {
  HEARTH_AVX2_EXP static __m256 z(__m256 g) {
    const __m256 g2 = _mm256_mul_ps(g, g);
    const __m256 inner = _mm256_fmadd_ps(_mm256_mul_ps(g2, _mm256_set1_ps(0.044715f)), g, g);
    return _mm256_mul_ps(inner, _mm256_set1_ps(2.0f * 0.7978845608f));
  }
};

template <typename Act>
HEARTH_AVX2_EXP inline __m256 glu8(__m256 g, __m256 u) {
  const __m256 e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), Act::z(g)));
  return _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(_mm256_set1_ps(1.0f), e)), u);
}

template <typename Act>
HEARTH_AVX2_EXP void glu(const float* gate, const float* up, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, glu8<Act>(_mm256_loadu_ps(gate + i), _mm256_loadu_ps(up + i)));
  if (i < n) {
    alignas(32) float g[8] = {}, u[8] = {}, o[8];
    std::copy(gate + i, gate + n, g);
    std::copy(up + i, up + n, u);
    _mm256_store_ps(o, glu8<Act>(_mm256_load_ps(g), _mm256_load_ps(u)));
    std::copy(o, o + (n - i), out + i);
  }
}

const GluKernels kAvx2{Level::Avx2, glu<Silu>, glu<Gelu>};

}  // namespace

const GluKernels* glu_kernels_avx2() { return detected_level() >= Level::Avx2 ? &kAvx2 : nullptr; }

}  // namespace hearth::backend::cpu
