// The attention kernels with AVX2 + FMA + F16C (contract in attention_kernels.h).
#include <immintrin.h>

#include <cmath>
#include <limits>

#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/vec_exp_avx2.h"
#include "core/bytes.h"

namespace hearth::backend::cpu {

namespace {

#define HEARTH_AVX2 __attribute__((target("avx2,fma,f16c")))

// Lanes [0, n) set, for the masked loads and stores of a row's tail (n < 8).
HEARTH_AVX2 inline __m256i tail_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

template <bool kMasked>
HEARTH_AVX2 inline __m256 load8(const float* p, __m256i m) {
  if constexpr (kMasked) return _mm256_maskload_ps(p, m);
  return _mm256_loadu_ps(p);
}

// The horizontal sum in the order hsum8 adds each of its vectors: per
// 128-bit half (x0 + x1) + (x2 + x3), then the two halves. One order for
// both, so that a score does not depend on the tile it was computed in (and
// so neither on the other tokens of a batch).
HEARTH_AVX2 inline float hsum(__m256 v) {
  const __m256 pairs = _mm256_hadd_ps(v, v);
  const __m256 quads = _mm256_hadd_ps(pairs, pairs);
  return _mm_cvtss_f32(_mm_add_ss(_mm256_castps256_ps128(quads), _mm256_extractf128_ps(quads, 1)));
}

// The horizontal sums of a[0..7] as one vector, lane r = sum of a[r].
HEARTH_AVX2 inline __m256 hsum8(const __m256* a) {
  const __m256 u0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
  const __m256 u1 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
  return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// One step of 8 elements of a tile: acc[r][c] += q row r . k row c.
template <int RQ, int RK, bool kMasked>
HEARTH_AVX2 inline void score_step(const float* k, int64_t k_stride, const float* q, int64_t q_stride, __m256i m,
                                   __m256 (&acc)[RQ][RK]) {
  __m256 kv[RK];
  for (int c = 0; c < RK; ++c) kv[c] = load8<kMasked>(k + c * k_stride, m);
  for (int r = 0; r < RQ; ++r) {
    const __m256 qv = load8<kMasked>(q + r * q_stride, m);
    for (int c = 0; c < RK; ++c) acc[r][c] = _mm256_fmadd_ps(qv, kv[c], acc[r][c]);
  }
}

// Scores of RQ query rows x RK cells: each K and q vector loaded once per tile.
template <int RQ, int RK>
HEARTH_AVX2 inline void score_tile(const float* k, int64_t k_stride, const float* q, int64_t q_stride, int64_t d,
                                   float* s, int64_t s_stride) {
  __m256 acc[RQ][RK];
  for (int r = 0; r < RQ; ++r)
    for (int c = 0; c < RK; ++c) acc[r][c] = _mm256_setzero_ps();
  int64_t e = 0;
  for (; e + 8 <= d; e += 8) score_step<RQ, RK, false>(k + e, k_stride, q + e, q_stride, __m256i{}, acc);
  if (e < d) score_step<RQ, RK, true>(k + e, k_stride, q + e, q_stride, tail_mask(d - e), acc);
  if constexpr (RK == 4 && RQ % 2 == 0) {
    for (int r = 0; r < RQ; r += 2) {
      const __m256 a[8] = {acc[r][0], acc[r][1], acc[r][2], acc[r][3],
                           acc[r + 1][0], acc[r + 1][1], acc[r + 1][2], acc[r + 1][3]};
      const __m256 sums = hsum8(a);
      _mm_storeu_ps(s + r * s_stride, _mm256_castps256_ps128(sums));
      _mm_storeu_ps(s + (r + 1) * s_stride, _mm256_extractf128_ps(sums, 1));
    }
  } else {
    for (int r = 0; r < RQ; ++r)
      for (int c = 0; c < RK; ++c) s[r * s_stride + c] = hsum(acc[r][c]);
  }
}

template <int RK>
HEARTH_AVX2 inline void score_cells(const float* k, int64_t k_stride, const float* q, int64_t q_stride, int nq,
                                    int64_t d, float* s, int64_t s_stride) {
  int i = 0;
  for (; i + 2 <= nq; i += 2) score_tile<2, RK>(k, k_stride, q + i * q_stride, q_stride, d, s + i * s_stride, s_stride);
  if (i < nq) score_tile<1, RK>(k, k_stride, q + i * q_stride, q_stride, d, s + i * s_stride, s_stride);
}

HEARTH_AVX2 void scores_avx2(const float* k, int64_t k_stride, int nc, const float* q, int64_t q_stride, int nq,
                             int64_t d, float* s, int64_t s_stride) {
  int j = 0;
  for (; j + 4 <= nc; j += 4) score_cells<4>(k + j * k_stride, k_stride, q, q_stride, nq, d, s + j, s_stride);
  for (; j < nc; ++j) score_cells<1>(k + j * k_stride, k_stride, q, q_stride, nq, d, s + j, s_stride);
}

// q8_0 scores of RQ query rows x RK cells, a block of 32 a step: the integer
// dot of each pair (|k| times q with k's sign, in pairs of i16, then i32),
// converted and scaled by the product of the two blocks' scales. Levels are
// within -127..127, so the i16 pair sums cannot saturate.
template <int RQ, int RK>
HEARTH_AVX2 inline void score_tile_q8_0(const uint8_t* k, size_t k_stride, const uint8_t* q, size_t q_stride,
                                        int64_t d, float* s, int64_t s_stride) {
  __m256 acc[RQ][RK];
  for (int r = 0; r < RQ; ++r)
    for (int c = 0; c < RK; ++c) acc[r][c] = _mm256_setzero_ps();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t b = 0; b < d / 32; ++b) {
    __m256i kq[RK], kabs[RK];
    __m256 kd[RK];
    for (int c = 0; c < RK; ++c) {
      const uint8_t* blk = k + c * k_stride + 34 * b;
      kq[c] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + 2));
      kabs[c] = _mm256_abs_epi8(kq[c]);
      kd[c] = _mm256_set1_ps(_cvtsh_ss(load_le<uint16_t>(blk)));
    }
    for (int r = 0; r < RQ; ++r) {
      const uint8_t* row = q + r * q_stride;
      const __m256i qq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(row + 32 * b));
      const __m256 qd = _mm256_set1_ps(load_le<float>(row + d + 4 * b));
      for (int c = 0; c < RK; ++c) {
        const __m256i pairs = _mm256_maddubs_epi16(kabs[c], _mm256_sign_epi8(qq, kq[c]));
        const __m256 dot = _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, ones));
        acc[r][c] = _mm256_fmadd_ps(dot, _mm256_mul_ps(kd[c], qd), acc[r][c]);
      }
    }
  }
  if constexpr (RK == 4 && RQ % 2 == 0) {
    for (int r = 0; r < RQ; r += 2) {
      const __m256 a[8] = {acc[r][0], acc[r][1], acc[r][2], acc[r][3],
                           acc[r + 1][0], acc[r + 1][1], acc[r + 1][2], acc[r + 1][3]};
      const __m256 sums = hsum8(a);
      _mm_storeu_ps(s + r * s_stride, _mm256_castps256_ps128(sums));
      _mm_storeu_ps(s + (r + 1) * s_stride, _mm256_extractf128_ps(sums, 1));
    }
  } else {
    for (int r = 0; r < RQ; ++r)
      for (int c = 0; c < RK; ++c) s[r * s_stride + c] = hsum(acc[r][c]);
  }
}

template <int RK>
HEARTH_AVX2 inline void score_cells_q8_0(const uint8_t* k, size_t k_stride, const uint8_t* q, size_t q_stride, int nq,
                                         int64_t d, float* s, int64_t s_stride) {
  int i = 0;
  for (; i + 2 <= nq; i += 2)
    score_tile_q8_0<2, RK>(k, k_stride, q + i * q_stride, q_stride, d, s + i * s_stride, s_stride);
  if (i < nq) score_tile_q8_0<1, RK>(k, k_stride, q + i * q_stride, q_stride, d, s + i * s_stride, s_stride);
}

HEARTH_AVX2 void scores_q8_0_impl(const uint8_t* k, size_t k_stride, int nc, const uint8_t* q, size_t q_stride, int nq,
                                  int64_t d, float* s, int64_t s_stride) {
  int j = 0;
  for (; j + 4 <= nc; j += 4) score_cells_q8_0<4>(k + j * k_stride, k_stride, q, q_stride, nq, d, s + j, s_stride);
  for (; j < nc; ++j) score_cells_q8_0<1>(k + j * k_stride, k_stride, q, q_stride, nq, d, s + j, s_stride);
}

// acc rows [0, R), elements [0, 8 NV) (the last vector masked by m when
// kMasked), += p . V: each V vector loaded once for R rows.
template <int R, int NV, bool kMasked>
HEARTH_AVX2 inline void accumulate_tile(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride,
                                        float* acc, int64_t acc_stride, __m256i m) {
  __m256 a[R][NV];
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < NV; ++n)
      a[r][n] = n == NV - 1 ? load8<kMasked>(acc + r * acc_stride + 8 * n, m)
                            : _mm256_loadu_ps(acc + r * acc_stride + 8 * n);
  for (int j = 0; j < nc; ++j) {
    __m256 vv[NV];
    for (int n = 0; n < NV; ++n)
      vv[n] = n == NV - 1 ? load8<kMasked>(v + j * v_stride + 8 * n, m) : _mm256_loadu_ps(v + j * v_stride + 8 * n);
    for (int r = 0; r < R; ++r) {
      const __m256 pr = _mm256_broadcast_ss(p + r * p_stride + j);
      for (int n = 0; n < NV; ++n) a[r][n] = _mm256_fmadd_ps(pr, vv[n], a[r][n]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int n = 0; n < NV; ++n) {
      float* dst = acc + r * acc_stride + 8 * n;
      if (kMasked && n == NV - 1) _mm256_maskstore_ps(dst, m, a[r][n]);
      else _mm256_storeu_ps(dst, a[r][n]);
    }
}

template <int R>
HEARTH_AVX2 inline void accumulate_rows(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride,
                                        int64_t d, float* acc, int64_t acc_stride) {
  int64_t e = 0;
  for (; e + 16 <= d; e += 16)
    accumulate_tile<R, 2, false>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, __m256i{});
  const int64_t rest = d - e;
  if (rest > 8) accumulate_tile<R, 2, true>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, tail_mask(rest - 8));
  else if (rest == 8) accumulate_tile<R, 1, false>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, __m256i{});
  else if (rest > 0)
    accumulate_tile<R, 1, true>(v + e, v_stride, nc, p, p_stride, acc + e, acc_stride, tail_mask(rest));
}

HEARTH_AVX2 void accumulate_avx2(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride, int nq,
                                 int64_t d, float* acc, int64_t acc_stride) {
  int i = 0;
  for (; i + 4 <= nq; i += 4)
    accumulate_rows<4>(v, v_stride, nc, p + i * p_stride, p_stride, d, acc + i * acc_stride, acc_stride);
  for (; i < nq; ++i)
    accumulate_rows<1>(v, v_stride, nc, p + i * p_stride, p_stride, d, acc + i * acc_stride, acc_stride);
}

HEARTH_AVX2 float exp_sum_avx2(float* x, int64_t n, float max) {
  const __m256 m = _mm256_set1_ps(max);
  __m256 sum = _mm256_setzero_ps();
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    const __m256 y = exp8(_mm256_sub_ps(_mm256_loadu_ps(x + j), m));
    _mm256_storeu_ps(x + j, y);
    sum = _mm256_add_ps(sum, y);
  }
  if (j < n) {
    // The tail through a full vector whose spare lanes give exp(-inf) = 0.
    alignas(32) float tail[8];
    for (int i = 0; i < 8; ++i) tail[i] = j + i < n ? x[j + i] : -std::numeric_limits<float>::infinity();
    const __m256 y = exp8(_mm256_sub_ps(_mm256_load_ps(tail), m));
    _mm256_store_ps(tail, y);
    sum = _mm256_add_ps(sum, y);
    for (int i = 0; j + i < n; ++i) x[j + i] = tail[i];
  }
  return hsum(sum);
}

HEARTH_AVX2 void widen_f16_avx2(const uint16_t* x, int64_t n, float* out) {
  int64_t e = 0;
  for (; e + 8 <= n; e += 8)
    _mm256_storeu_ps(out + e, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + e))));
  for (; e < n; ++e) out[e] = _cvtsh_ss(x[e]);
}

HEARTH_AVX2 void dequantize_q8_0_avx2(const uint8_t* blocks, int64_t nb, float* out) {
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = blocks + 34 * b;
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(load_le<uint16_t>(blk)));
    for (int i = 0; i < 4; ++i) {
      const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(blk + 2 + 8 * i));
      _mm256_storeu_ps(out + 32 * b + 8 * i, _mm256_mul_ps(d, _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8))));
    }
  }
}

const AttentionKernels kAvx2{Level::Avx2,         scores_avx2,    scores_q8_0_impl, accumulate_avx2,
                             exp_sum_avx2,       widen_f16_avx2, dequantize_q8_0_avx2};

}  // namespace

void scores_q8_0_avx2(const uint8_t* k, size_t k_stride, int nc, const uint8_t* q, size_t q_stride, int nq, int64_t d,
                      float* s, int64_t s_stride) {
  scores_q8_0_impl(k, k_stride, nc, q, q_stride, nq, d, s, s_stride);
}

const AttentionKernels* attention_kernels_avx2() { return detected_level() >= Level::Avx2 ? &kAvx2 : nullptr; }

}  // namespace hearth::backend::cpu
