// The AVX-512 float-matmul levels (float_gemm.h): avx512 (F/BW/VL: f32 FMA
// for every weight type, F16 and BF16 panel steps widened as they load) and
// avx512bf16 (the same, except BF16 weights: vdpbf16ps on bf16 pairs).
//
// Tiles are 32 weight rows (two zmm) x up to 14 tokens: 28 accumulators, two
// weight vectors and a broadcast, within the 32 registers; per k step two
// vector loads (and for F16 two conversions) and 14 broadcasts feed 28 FMAs.
//
// GCC 12's AVX-512 headers start some intrinsics from an "undefined" vector
// made by self-assignment, which -Wall reports wherever they are inlined (GCC
// bug 105593, fixed in 13).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>

#include "backend/cpu/cpu_features.h"
#include "backend/cpu/float_gemm.h"

namespace hearth::backend::cpu {
namespace {

#define HEARTH_T __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#define HEARTH_TBF __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16,avx2,fma,f16c")))

constexpr int kMr = 32;
constexpr int kNr = 14;
constexpr __mmask16 kTileTokenLanes = (1u << kNr) - 1;

// The first n lanes (n clamped to 0..16 or 0..32).
HEARTH_T inline __mmask16 first16(int64_t n) {
  return n >= 16 ? 0xffff : n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
}
HEARTH_T inline __mmask32 first32(int64_t n) {
  return n >= 32 ? 0xffffffffu : n <= 0 ? 0 : static_cast<__mmask32>((1u << n) - 1);
}

// v[i] lane j <-> v[j] lane i.
HEARTH_T inline void transpose16(__m512 v[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
  }
  // Now per 128-bit chunk c: t[2m] = rows 2m, 2m+1 at columns 4c, 4c+1
  // interleaved, t[2m+1] the same at columns 4c+2, 4c+3.
  for (int i = 0; i < 16; i += 4) {
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    v[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    v[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    v[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    v[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  // Now chunk c of v[4i + j] holds rows 4i..4i+3 of column 4c + j: gather
  // the four chunks of each column.
  for (int j = 0; j < 4; ++j) {
    const __m512 a = _mm512_shuffle_f32x4(v[j], v[4 + j], 0x88);
    const __m512 b = _mm512_shuffle_f32x4(v[j], v[4 + j], 0xdd);
    const __m512 c = _mm512_shuffle_f32x4(v[8 + j], v[12 + j], 0x88);
    const __m512 d = _mm512_shuffle_f32x4(v[8 + j], v[12 + j], 0xdd);
    t[j] = _mm512_shuffle_f32x4(a, c, 0x88);
    t[8 + j] = _mm512_shuffle_f32x4(a, c, 0xdd);
    t[4 + j] = _mm512_shuffle_f32x4(b, d, 0x88);
    t[12 + j] = _mm512_shuffle_f32x4(b, d, 0xdd);
  }
  for (int i = 0; i < 16; ++i) v[i] = t[i];
}

// c[0..31] = (accumulate ? c[0..31] : 0) + lo, hi.
HEARTH_T inline void store_tile_rows(float* c, __m512 lo, __m512 hi, bool accumulate) {
  if (accumulate) {
    lo = _mm512_add_ps(lo, _mm512_loadu_ps(c));
    hi = _mm512_add_ps(hi, _mm512_loadu_ps(c + 16));
  }
  _mm512_storeu_ps(c, lo);
  _mm512_storeu_ps(c + 16, hi);
}

// --- Pack::F32 ----------------------------------------------------------------

HEARTH_T void pack_acts_f32(const float* x, size_t x_stride, int nt, int64_t K, void* panel) {
  float* p = static_cast<float*>(panel);
  for (int64_t k = 0; k < K; k += 16) {
    const int64_t n = std::min<int64_t>(16, K - k);
    __m512 v[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i)
      v[i] = i < nt ? _mm512_maskz_loadu_ps(first16(n), x + i * x_stride + k) : _mm512_setzero_ps();
    transpose16(v);
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j)  // constant indices keep v in registers
      if (j < n) _mm512_mask_storeu_ps(p + (k + j) * kNr, kTileTokenLanes, v[j]);
  }
}

// 16 rows of one panel step, widened to f32.
template <FloatType T>
HEARTH_T inline __m512 load_step16(const void* p) {
  if constexpr (T == FloatType::F32) {
    return _mm512_load_ps(p);
  } else {
    const __m256i h = _mm256_load_si256(static_cast<const __m256i*>(p));
    if constexpr (T == FloatType::F16) return _mm512_cvtph_ps(h);
    else return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
}

template <FloatType T, int NT>
HEARTH_T void tile_f32(int64_t steps, const void* wp, const void* ap, float* c, size_t c_stride, bool accumulate) {
  constexpr size_t kStepBytes = kMr * (T == FloatType::F32 ? 4 : 2);
  const auto* w = static_cast<const uint8_t*>(wp);
  const float* a = static_cast<const float*>(ap);
  __m512 lo[NT], hi[NT];
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) lo[t] = hi[t] = _mm512_setzero_ps();
  for (int64_t s = 0; s < steps; ++s, w += kStepBytes, a += kNr) {
    const __m512 w0 = load_step16<T>(w), w1 = load_step16<T>(w + kStepBytes / 2);
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) {
      const __m512 b = _mm512_set1_ps(a[t]);
      lo[t] = _mm512_fmadd_ps(w0, b, lo[t]);
      hi[t] = _mm512_fmadd_ps(w1, b, hi[t]);
    }
  }
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) store_tile_rows(c + t * c_stride, lo[t], hi[t], accumulate);
}

// --- Pack::Bf16Pairs ----------------------------------------------------------

// Elements 0..n-1 of x (n <= 32; the rest zero) rounded to bf16 (nearest
// even), as 16 pairs.
HEARTH_TBF inline __m512 bf16_pairs(const float* x, int64_t n) {
  const __m512 lo = _mm512_maskz_loadu_ps(first16(n), x);
  const __m512 hi = _mm512_maskz_loadu_ps(first16(n - 16), x + 16);
  return (__m512)_mm512_cvtne2ps_pbh(hi, lo);  // lo in the low half
}

HEARTH_TBF void pack_acts_bf16_pairs(const float* x, size_t x_stride, int nt, int64_t K, void* panel) {
  float* p = static_cast<float*>(panel);
  for (int64_t k = 0; k < K; k += 32) {
    const int64_t n = std::min<int64_t>(32, K - k);
    const int64_t steps = (n + 1) / 2;
    __m512 v[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) v[i] = i < nt ? bf16_pairs(x + i * x_stride + k, n) : _mm512_setzero_ps();
    transpose16(v);
#pragma GCC unroll 16
    for (int j = 0; j < 16; ++j)  // constant indices keep v in registers
      if (j < steps) _mm512_mask_storeu_ps(p + (k / 2 + j) * kNr, kTileTokenLanes, v[j]);
  }
}

template <int NT>
HEARTH_TBF void tile_bf16(int64_t steps, const void* wp, const void* ap, float* c, size_t c_stride, bool accumulate) {
  const float* w = static_cast<const float*>(wp);
  const float* a = static_cast<const float*>(ap);
  __m512 lo[NT], hi[NT];
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) lo[t] = hi[t] = _mm512_setzero_ps();
  for (int64_t s = 0; s < steps; ++s, w += kMr, a += kNr) {
    const __m512bh w0 = (__m512bh)_mm512_load_ps(w), w1 = (__m512bh)_mm512_load_ps(w + 16);
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) {
      const __m512bh b = (__m512bh)_mm512_set1_ps(a[t]);
      lo[t] = _mm512_dpbf16_ps(lo[t], w0, b);
      hi[t] = _mm512_dpbf16_ps(hi[t], w1, b);
    }
  }
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) store_tile_rows(c + t * c_stride, lo[t], hi[t], accumulate);
}

// --- levels -------------------------------------------------------------------

template <FloatType T>
GemmKernels gemm_f32() {
  const TileFn tiles[] = {nullptr,         tile_f32<T, 1>,  tile_f32<T, 2>,  tile_f32<T, 3>,  tile_f32<T, 4>,
                          tile_f32<T, 5>,  tile_f32<T, 6>,  tile_f32<T, 7>,  tile_f32<T, 8>,  tile_f32<T, 9>,
                          tile_f32<T, 10>, tile_f32<T, 11>, tile_f32<T, 12>, tile_f32<T, 13>, tile_f32<T, 14>};
  GemmKernels g{kMr, kNr, 256, Pack::F32, T == FloatType::F32 ? 4 : 2, pack_acts_f32, {}};
  std::copy(std::begin(tiles), std::end(tiles), g.tile);
  return g;
}

GemmKernels gemm_bf16_pairs() {
  const TileFn tiles[] = {nullptr,       tile_bf16<1>,  tile_bf16<2>,  tile_bf16<3>,  tile_bf16<4>,
                          tile_bf16<5>,  tile_bf16<6>,  tile_bf16<7>,  tile_bf16<8>,  tile_bf16<9>,
                          tile_bf16<10>, tile_bf16<11>, tile_bf16<12>, tile_bf16<13>, tile_bf16<14>};
  GemmKernels g{kMr, kNr, 512, Pack::Bf16Pairs, 4, pack_acts_bf16_pairs, {}};
  std::copy(std::begin(tiles), std::end(tiles), g.tile);
  return g;
}

bool cpu_has_avx512bf16() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

}  // namespace

const FloatKernels* float_kernels_avx512() {
  if (detected_level() < Level::Avx512) return nullptr;
  static const FloatKernels k{
      "avx512",
      {gemm_f32<FloatType::F32>(), gemm_f32<FloatType::F16>(), gemm_f32<FloatType::BF16>()},
  };
  return &k;
}

const FloatKernels* float_kernels_avx512bf16() {
  if (detected_level() < Level::Avx512 || !cpu_has_avx512bf16()) return nullptr;
  static const FloatKernels k{
      "avx512bf16",
      {gemm_f32<FloatType::F32>(), gemm_f32<FloatType::F16>(), gemm_bf16_pairs()},
  };
  return &k;
}

}  // namespace hearth::backend::cpu
