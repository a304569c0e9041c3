#pragma once
// e^x on 16 floats with AVX-512 F/DQ, for the kernels that need it
// (attention's softmax, the gated feed-forward activations). Include only from
// files whose functions carry the same target attribute.
#include <immintrin.h>

namespace hearth::backend::cpu {

#define HEARTH_AVX512_EXP __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))

// e^x as 2^n * e^r with n = round(x / ln 2) and |r| <= ln(2) / 2, e^r by
// Cephes' degree-7 polynomial for expf (relative error about 1e-7); 2^n
// applied by vscalefps, which rounds subnormal results correctly. Below
// ln(2^-150) the result is 0; NaN stays NaN.
HEARTH_AVX512_EXP inline __m512 exp16(__m512 x) {
  const __m512 lo = _mm512_set1_ps(-103.97208f), hi = _mm512_set1_ps(88.37626f);
  const __mmask16 keep = _mm512_cmp_ps_mask(x, lo, _CMP_NLT_UQ);
  // min/max return their second operand when one is NaN: x, so NaN passes.
  x = _mm512_max_ps(lo, _mm512_min_ps(hi, x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  // ln 2 in two parts so that n * ln2_hi is exact.
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_maskz_scalef_ps(keep, p, n);
}

}  // namespace hearth::backend::cpu
