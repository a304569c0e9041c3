// The AVX2 float-matmul level (float_gemm.h): AVX2 + FMA + F16C, f32 FMA for
// every weight type (F16 and BF16 panel steps widened as they load).
//
// Tiles are 16 weight rows (two ymm) x up to 6 tokens: 12 accumulators, two
// weight vectors and a broadcast, within the 16 registers.
#include <immintrin.h>

#include <algorithm>

#include "backend/cpu/cpu_features.h"
#include "backend/cpu/float_gemm.h"

namespace hearth::backend::cpu {
namespace {

#define HEARTH_T __attribute__((target("avx2,fma,f16c")))

constexpr int kMr = 16;
constexpr int kNr = 6;

// Lane i of the mask is set when i < n.
HEARTH_T inline __m256i first8(int64_t n) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(std::min<int64_t>(n, 8))), lanes);
}

// x[k..k+n-1] (n <= 8), the rest zero.
HEARTH_T inline __m256 load8(const float* x, int64_t n) {
  return n >= 8 ? _mm256_loadu_ps(x) : _mm256_maskload_ps(x, first8(n));
}

// v[i] lane j <-> v[j] lane i.
HEARTH_T inline void transpose8(__m256 v[8]) {
  __m256 t[8], s[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
  }
  // Per 128-bit half h: s[4q + c] = rows 4q..4q+3 of column 4h + c.
  for (int q = 0; q < 8; q += 4) {
    s[q] = _mm256_shuffle_ps(t[q], t[q + 2], 0x44);
    s[q + 1] = _mm256_shuffle_ps(t[q], t[q + 2], 0xee);
    s[q + 2] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0x44);
    s[q + 3] = _mm256_shuffle_ps(t[q + 1], t[q + 3], 0xee);
  }
  for (int c = 0; c < 4; ++c) {
    v[c] = _mm256_permute2f128_ps(s[c], s[4 + c], 0x20);
    v[4 + c] = _mm256_permute2f128_ps(s[c], s[4 + c], 0x31);
  }
}

HEARTH_T void pack_acts(const float* x, size_t x_stride, int nt, int64_t K, void* panel) {
  float* p = static_cast<float*>(panel);
  const __m256i token_lanes = first8(kNr);
  for (int64_t k = 0; k < K; k += 8) {
    const int64_t n = std::min<int64_t>(8, K - k);
    __m256 v[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i)
      v[i] = i < nt ? load8(x + i * x_stride + k, n) : _mm256_setzero_ps();
    transpose8(v);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j)  // constant indices keep v in registers
      if (j < n) _mm256_maskstore_ps(p + (k + j) * kNr, token_lanes, v[j]);
  }
}

// 8 rows of one panel step, widened to f32.
template <FloatType T>
HEARTH_T inline __m256 load_step8(const uint8_t* p) {
  if constexpr (T == FloatType::F32) {
    return _mm256_load_ps(reinterpret_cast<const float*>(p));
  } else {
    const __m128i h = _mm_load_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (T == FloatType::F16) return _mm256_cvtph_ps(h);
    else return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
}

template <FloatType T, int NT>
HEARTH_T void tile(int64_t steps, const void* wp, const void* ap, float* c, size_t c_stride, bool accumulate) {
  constexpr size_t kStepBytes = kMr * (T == FloatType::F32 ? 4 : 2);
  const auto* w = static_cast<const uint8_t*>(wp);
  const float* a = static_cast<const float*>(ap);
  __m256 lo[NT], hi[NT];
#pragma GCC unroll 8
  for (int t = 0; t < NT; ++t) lo[t] = hi[t] = _mm256_setzero_ps();
  for (int64_t s = 0; s < steps; ++s, w += kStepBytes, a += kNr) {
    const __m256 w0 = load_step8<T>(w), w1 = load_step8<T>(w + kStepBytes / 2);
#pragma GCC unroll 8
    for (int t = 0; t < NT; ++t) {
      const __m256 b = _mm256_broadcast_ss(a + t);
      lo[t] = _mm256_fmadd_ps(w0, b, lo[t]);
      hi[t] = _mm256_fmadd_ps(w1, b, hi[t]);
    }
  }
#pragma GCC unroll 8
  for (int t = 0; t < NT; ++t) {
    float* ct = c + t * c_stride;
    if (accumulate) {
      lo[t] = _mm256_add_ps(lo[t], _mm256_loadu_ps(ct));
      hi[t] = _mm256_add_ps(hi[t], _mm256_loadu_ps(ct + 8));
    }
    _mm256_storeu_ps(ct, lo[t]);
    _mm256_storeu_ps(ct + 8, hi[t]);
  }
}

template <FloatType T>
constexpr GemmKernels gemm() {
  return {kMr,       kNr,
          256,       Pack::F32,
          T == FloatType::F32 ? 4 : 2,
          pack_acts, {nullptr, tile<T, 1>, tile<T, 2>, tile<T, 3>, tile<T, 4>, tile<T, 5>, tile<T, 6>}};
}

const FloatKernels kAvx2{"avx2", {gemm<FloatType::F32>(), gemm<FloatType::F16>(), gemm<FloatType::BF16>()}};

}  // namespace

const FloatKernels* float_kernels_avx2() { return detected_level() >= Level::Avx2 ? &kAvx2 : nullptr; }

}  // namespace hearth::backend::cpu
