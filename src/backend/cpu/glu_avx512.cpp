// The gated activations with AVX-512 (contract in glu.h); tails masked.
#include <immintrin.h>

// GCC 12's AVX-512 headers trip -Wuninitialized where inlined (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include "backend/cpu/cpu_features.h"
#include "backend/cpu/glu.h"
#include "backend/cpu/vec_exp_avx512.h"

namespace hearth::backend::cpu {

namespace {

// z(g): the exponent argument of each activation (glu.h).
struct Silu {
  HEARTH_AVX512_EXP static __m512 z(__m512 g) { return g; }
};
struct Gelu {
  HEARTH_AVX512_EXP static __m512 z(__m512 g) {
    const __m512 g2 = _mm512_mul_ps(g, g);
    const __m512 inner = _mm512_fmadd_ps(_mm512_mul_ps(g2, _mm512_set1_ps(0.044715f)), g, g);
    return _mm512_mul_ps(inner, _mm512_set1_ps(2.0f * 0.7978845608f));
  }
};

template <typename Act>
HEARTH_AVX512_EXP void glu(const float* gate, const float* up, float* out, int64_t n) {
  const __m512 one = _mm512_set1_ps(1.0f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 k = n - i >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << (n - i)) - 1);
    const __m512 g = _mm512_maskz_loadu_ps(k, gate + i), u = _mm512_maskz_loadu_ps(k, up + i);
    const __m512 e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), Act::z(g)));
    _mm512_mask_storeu_ps(out + i, k, _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), u));
  }
}

const GluKernels kAvx512{Level::Avx512, glu<Silu>, glu<Gelu>};

}  // namespace

const GluKernels* glu_kernels_avx512() { return detected_level() >= Level::Avx512 ? &kAvx512 : nullptr; }

}  // namespace hearth::backend::cpu
