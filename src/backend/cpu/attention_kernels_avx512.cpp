// The attention kernels with AVX-512 F/BW/VL/DQ (contract in
// attention_kernels.h). Row tails go through masked loads and stores.
#include <immintrin.h>

// GCC 12's AVX-512 headers trip -Wuninitialized where inlined (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <algorithm>
#include <limits>

#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/vec_exp_avx512.h"
#include "core/bytes.h"

namespace hearth::backend::cpu {

namespace {

#define HEARTH_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))

HEARTH_AVX512 inline __mmask16 first(int64_t n) {
  return n >= 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << n) - 1);
}
HEARTH_AVX512 inline __m256 fold(__m512 v) {
  return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
}

// The horizontal sums of a[0..7] in lanes 0..7.
// The horizontal sum of one vector in hsum8's order: the two 256-bit
// halves added, then per 128-bit half (x0 + x1) + (x2 + x3), then the
// halves. One order for both, so that a score does not depend on the tile it
// was computed in (and so neither on the other tokens of a batch).
HEARTH_AVX512 inline float hsum1(__m512 a) {
  const __m256 f = fold(a);
  const __m256 pairs = _mm256_hadd_ps(f, f);
  const __m256 quads = _mm256_hadd_ps(pairs, pairs);
  return _mm_cvtss_f32(_mm_add_ss(_mm256_castps256_ps128(quads), _mm256_extractf128_ps(quads, 1)));
}

HEARTH_AVX512 inline __m256 hsum8(const __m512* a) {
  __m256 f[8];
  for (int r = 0; r < 8; ++r) f[r] = fold(a[r]);
  const __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(f[0], f[1]), _mm256_hadd_ps(f[2], f[3]));
  const __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(f[4], f[5]), _mm256_hadd_ps(f[6], f[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// Scores of RQ query rows x RK cells: each K and q vector loaded once per
// tile, 16 elements a step, the row's tail through masked loads.
template <int RQ, int RK>
HEARTH_AVX512 inline void score_tile(const float* k, int64_t k_stride, const float* q, int64_t q_stride, int64_t d,
                                     float* s, int64_t s_stride) {
  __m512 acc[RQ][RK];
  for (int r = 0; r < RQ; ++r)
    for (int c = 0; c < RK; ++c) acc[r][c] = _mm512_setzero_ps();
  int64_t e = 0;
  for (; e + 16 <= d; e += 16) {
    __m512 kv[RK];
    for (int c = 0; c < RK; ++c) kv[c] = _mm512_loadu_ps(k + c * k_stride + e);
    for (int r = 0; r < RQ; ++r) {
      const __m512 qv = _mm512_loadu_ps(q + r * q_stride + e);
      for (int c = 0; c < RK; ++c) acc[r][c] = _mm512_fmadd_ps(qv, kv[c], acc[r][c]);
    }
  }
  if (e < d) {
    const __mmask16 m = first(d - e);
    __m512 kv[RK];
    for (int c = 0; c < RK; ++c) kv[c] = _mm512_maskz_loadu_ps(m, k + c * k_stride + e);
    for (int r = 0; r < RQ; ++r) {
      const __m512 qv = _mm512_maskz_loadu_ps(m, q + r * q_stride + e);
      for (int c = 0; c < RK; ++c) acc[r][c] = _mm512_fmadd_ps(qv, kv[c], acc[r][c]);
    }
  }
  if constexpr (RK == 4 && RQ % 2 == 0) {
    for (int r = 0; r < RQ; r += 2) {
      const __m512 a[8] = {acc[r][0], acc[r][1], acc[r][2], acc[r][3],
                           acc[r + 1][0], acc[r + 1][1], acc[r + 1][2], acc[r + 1][3]};
      const __m256 sums = hsum8(a);
      _mm_storeu_ps(s + r * s_stride, _mm256_castps256_ps128(sums));
      _mm_storeu_ps(s + (r + 1) * s_stride, _mm256_extractf128_ps(sums, 1));
    }
  } else {
    for (int r = 0; r < RQ; ++r)
      for (int c = 0; c < RK; ++c) s[r * s_stride + c] = hsum1(acc[r][c]);
  }
}

template <int RK>
HEARTH_AVX512 inline void score_cells(const float* k, int64_t k_stride, const float* q, int64_t q_stride, int nq,
                                      int64_t d, float* s, int64_t s_stride) {
  int i = 0;
  for (; i + 4 <= nq; i += 4) score_tile<4, RK>(k, k_stride, q + i * q_stride, q_stride, d, s + i * s_stride, s_stride);
  if (i + 2 <= nq) {
    score_tile<2, RK>(k, k_stride, q + i * q_stride, q_stride, d, s + i * s_stride, s_stride);
    i += 2;
  }
  if (i < nq) score_tile<1, RK>(k, k_stride, q + i * q_stride, q_stride, d, s + i * s_stride, s_stride);
}

HEARTH_AVX512 void scores_avx512(const float* k, int64_t k_stride, int nc, const float* q, int64_t q_stride, int nq,
                                 int64_t d, float* s, int64_t s_stride) {
  int j = 0;
  for (; j + 4 <= nc; j += 4) score_cells<4>(k + j * k_stride, k_stride, q, q_stride, nq, d, s + j, s_stride);
  for (; j < nc; ++j) score_cells<1>(k + j * k_stride, k_stride, q, q_stride, nq, d, s + j, s_stride);
}

template <bool kMasked>
HEARTH_AVX512 inline __m512 load16(const float* p, __mmask16 m) {
  if constexpr (kMasked) return _mm512_maskz_loadu_ps(m, p);
  return _mm512_loadu_ps(p);
}

// acc rows [0, R), elements [0, 16 NV) (the last vector masked by m when
// kMasked), += p . V: each V vector loaded once for R rows.
template <int R, int NV, bool kMasked>
HEARTH_AVX512 inline void accumulate_tile(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride,
                                          float* acc, int64_t acc_stride, __mmask16 m) {
  __m512 a[R][NV];
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < NV; ++n)
      a[r][n] = n == NV - 1 ? load16<kMasked>(acc + r * acc_stride + 16 * n, m)
                            : _mm512_loadu_ps(acc + r * acc_stride + 16 * n);
  for (int j = 0; j < nc; ++j) {
    __m512 vv[NV];
    for (int n = 0; n < NV; ++n)
      vv[n] = n == NV - 1 ? load16<kMasked>(v + j * v_stride + 16 * n, m) : _mm512_loadu_ps(v + j * v_stride + 16 * n);
    for (int r = 0; r < R; ++r) {
      const __m512 pr = _mm512_set1_ps(p[r * p_stride + j]);
      for (int n = 0; n < NV; ++n) a[r][n] = _mm512_fmadd_ps(pr, vv[n], a[r][n]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < NV; ++n) {
      float* dst = acc + r * acc_stride + 16 * n;
      if (kMasked && n == NV - 1) _mm512_mask_storeu_ps(dst, m, a[r][n]);
      else _mm512_storeu_ps(dst, a[r][n]);
    }
}

template <int R, int NV>
HEARTH_AVX512 inline void accumulate_part(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride,
                                          float* acc, int64_t acc_stride, int64_t rest) {
  if (rest % 16) accumulate_tile<R, NV, true>(v, v_stride, nc, p, p_stride, acc, acc_stride, first(rest % 16));
  else accumulate_tile<R, NV, false>(v, v_stride, nc, p, p_stride, acc, acc_stride, 0xffff);
}

// Up to 64 elements per pass: four vectors of 16 for R rows.
template <int R>
HEARTH_AVX512 inline void accumulate_rows(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride,
                                          int64_t d, float* acc, int64_t acc_stride) {
  for (int64_t e = 0; e < d; e += 64) {
    const int64_t rest = std::min<int64_t>(64, d - e);
    switch ((rest + 15) / 16) {
      case 4: accumulate_part<R, 4>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, rest); break;
      case 3: accumulate_part<R, 3>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, rest); break;
      case 2: accumulate_part<R, 2>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, rest); break;
      default: accumulate_part<R, 1>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, rest);
    }
  }
}

HEARTH_AVX512 void accumulate_avx512(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride,
                                     int nq, int64_t d, float* acc, int64_t acc_stride) {
  int i = 0;
  for (; i + 4 <= nq; i += 4)
    accumulate_rows<4>(v, v_stride, nc, p + i * p_stride, p_stride, d, acc + i * acc_stride, acc_stride);
  for (; i < nq; ++i)
    accumulate_rows<1>(v, v_stride, nc, p + i * p_stride, p_stride, d, acc + i * acc_stride, acc_stride);
}

HEARTH_AVX512 float exp_sum_avx512(float* x, int64_t n, float max) {
  const __m512 m = _mm512_set1_ps(max);
  __m512 sum = _mm512_setzero_ps();
  int64_t j = 0;
  for (; j + 16 <= n; j += 16) {
    const __m512 y = exp16(_mm512_sub_ps(_mm512_loadu_ps(x + j), m));
    _mm512_storeu_ps(x + j, y);
    sum = _mm512_add_ps(sum, y);
  }
  if (j < n) {
    const __mmask16 k = first(n - j);
    const __m512 y = _mm512_maskz_mov_ps(k, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + j), m)));
    _mm512_mask_storeu_ps(x + j, k, y);
    sum = _mm512_add_ps(sum, y);
  }
  return _mm512_reduce_add_ps(sum);
}

HEARTH_AVX512 void widen_f16_avx512(const uint16_t* x, int64_t n, float* out) {
  for (int64_t e = 0; e < n; e += 16) {
    const __mmask16 m = first(n - e);
    _mm512_mask_storeu_ps(out + e, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, x + e)));
  }
}

HEARTH_AVX512 void dequantize_q8_0_avx512(const uint8_t* blocks, int64_t nb, float* out) {
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = blocks + 34 * b;
    const __m512 d = _mm512_set1_ps(_cvtsh_ss(load_le<uint16_t>(blk)));
    for (int i = 0; i < 2; ++i) {
      const __m128i q8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + 2 + 16 * i));
      _mm512_storeu_ps(out + 32 * b + 16 * i, _mm512_mul_ps(d, _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q8))));
    }
  }
}

const AttentionKernels kAvx512{Level::Avx512,   scores_avx512,    scores_q8_0_avx2,      accumulate_avx512,
                               exp_sum_avx512, widen_f16_avx512, dequantize_q8_0_avx512};

}  // namespace

const AttentionKernels* attention_kernels_avx512() {
  return detected_level() >= Level::Avx512 ? &kAvx512 : nullptr;
}

}  // namespace hearth::backend::cpu
