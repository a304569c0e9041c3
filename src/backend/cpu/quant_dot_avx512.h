// AVX-512 integer dot products (see quant_dot.h). Internal to
// quant_dot_avx512bw.cpp and quant_dot_avx512vnni.cpp, which include it after
// defining HEARTH_T (the target attribute every function here carries) and
// HEARTH_VNNI (0 or 1), so that the same kernels are compiled twice: with
// VNNI (vpdpbusd: u8 x s8 quads into i32, vpdpwssd: s16 pairs into i32) and
// without (AVX512BW: vpmaddubsw + vpmaddwd + vpaddd).
//
// Two kernel families:
//  - gemm (natural activation rows; decode and small batches, every type):
//    blocks of 32 (Q8_0 partner) go two per 512-bit vector, super-blocks of
//    256 (Q8_K partner) four vectors of 64 elements; one weight row at a
//    time when there are one or two tokens (a single stream reads from DRAM
//    fastest).
//  - gemm_wide (wide activation rows, VNNI only; prompts): the weights are
//    rearranged per 512 elements so that each vector lane holds one block,
//    whose whole integer sum then stays in that lane (see quant_dot.h).
//
// GCC 12's AVX-512 headers start some intrinsics from an "undefined" vector
// made by self-assignment, and -Wall reports it wherever they are inlined
// (GCC bug 105593, fixed in 13): silence that here, where they are used.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstring>

#include "backend/cpu/quant_dot.h"
#include "core/bytes.h"

#if !defined(HEARTH_T) || !defined(HEARTH_VNNI)
#error "define HEARTH_T and HEARTH_VNNI before including quant_dot_avx512.h"
#endif

namespace hearth::backend::cpu {
namespace {

using tensor::DType;

// --- helpers -----------------------------------------------------------------

HEARTH_T inline float f16(const uint8_t* p) { return _cvtsh_ss(load_le<uint16_t>(p)); }

// i32 lanes += sums of 4 products u8 x s8. Without VNNI the pairs pass through
// s16 (vpmaddubsw saturates): callers keep 2 * u * |s| below 32768.
HEARTH_T inline __m512i dp_u8s8(__m512i acc, __m512i u, __m512i s) {
#if HEARTH_VNNI
  return _mm512_dpbusd_epi32(acc, u, s);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1)));
#endif
}

// i32 lanes += sums of 2 products s16 x s16.
HEARTH_T inline __m512i dp_s16(__m512i acc, __m512i a, __m512i b) {
#if HEARTH_VNNI
  return _mm512_dpwssd_epi32(acc, a, b);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
#endif
}

HEARTH_T inline __m512i load64(const void* p) { return _mm512_loadu_si512(p); }

// Two blocks of 16 nibble bytes (p1 unused when half) -> 64 bytes: block 0's
// low nibbles, its high nibbles, then block 1's (block 1 zero when half).
template <bool kHalf>
HEARTH_T inline __m512i nibbles64(const uint8_t* p0, const uint8_t* p1) {
  // Each block's 16 bytes into both 128-bit lanes of its half (broadcast
  // loads), then the upper lane of each half shifted down by a nibble.
  const __m256i q0 = _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p0)));
  const __m256i q1 = kHalf ? _mm256_setzero_si256()
                           : _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p1)));
  __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(q0), q1, 1);
  z = _mm512_mask_srli_epi16(z, 0xff00ff00u, z, 4);
  return _mm512_and_si512(z, _mm512_set1_epi8(0x0f));
}

HEARTH_T inline float hsum(__m512 v) { return _mm512_reduce_add_ps(v); }

const int8_t kIq4Levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

HEARTH_T inline __m512i iq4_lut_signed() {
  return _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Levels)));
}

// --- blocks of 32 against the Q8_0 partner ------------------------------------
//
// Two blocks per 512-bit vector. A row is walked in groups of 8 blocks: the
// 8 weight scales (f16, gathered with one or two word permutes) and the 8
// activation scales and sums (contiguous in the activation row) are loaded
// once per group; per step of 2 blocks and token the work is one integer dot
// (vpdpbusd, or vpmaddubsw + vpmaddwd), one conversion and one multiply-add
// with the two blocks' scale products. A type's constant level offset
// (x = d * (level - bias)) and its min (x = d * level + m) are applied once
// per group in float: - bias * d_w * d_a * sum(a) and m * d_a * sum(a).
// The last nb % 8 blocks take the same path a step at a time.

// The f16 at p + kOff + j * kStride (j = 0..7) as 8 floats, reading only the
// group's 8 * kStride bytes (masked loads beyond 64-byte multiples).
template <int kSpan, int kFrom>
HEARTH_T inline __m512i load_within(const uint8_t* p) {
  if constexpr (kFrom + 64 <= kSpan) return _mm512_loadu_si512(p + kFrom);
  else if constexpr (kFrom >= kSpan) return _mm512_setzero_si512();
  else return _mm512_maskz_loadu_epi8((1ull << (kSpan - kFrom)) - 1, p + kFrom);
}

template <int kStride, int kOff>
HEARTH_T inline __m256 f16x8(const uint8_t* p) {
  static_assert(kStride % 2 == 0 && kOff % 2 == 0, "f16 fields are 2-byte aligned in their blocks");
  constexpr int kSpan = 8 * kStride;
  constexpr int kLastWord = (kOff + 7 * kStride) / 2;
  alignas(64) int16_t idx[32] = {};
  for (int j = 0; j < 8; ++j) idx[j] = static_cast<int16_t>(((kOff + j * kStride) / 2) % 64);
  const __m512i vidx = _mm512_load_si512(idx);
  __m512i words;
  if constexpr (kLastWord < 32) {
    words = _mm512_permutexvar_epi16(vidx, load_within<kSpan, 0>(p));
  } else if constexpr (kLastWord < 64) {
    words = _mm512_permutex2var_epi16(load_within<kSpan, 0>(p), vidx, load_within<kSpan, 64>(p));
  } else {
    static_assert(kLastWord < 128, "a group of 8 blocks spans at most 256 bytes");
    const __m512i lo = _mm512_permutex2var_epi16(load_within<kSpan, 0>(p), vidx, load_within<kSpan, 64>(p));
    const __m512i hi = _mm512_permutex2var_epi16(load_within<kSpan, 128>(p), vidx, load_within<kSpan, 192>(p));
    __mmask32 from_hi = 0;
    for (int j = 0; j < 8; ++j)
      if ((kOff + j * kStride) / 2 >= 64) from_hi |= 1u << j;
    words = _mm512_mask_mov_epi16(lo, from_hi, hi);
  }
  return _mm256_cvtph_ps(_mm512_castsi512_si128(words));
}

// [v[2s] x8 | v[2s+1] x8] from 8 floats.
HEARTH_T inline __m512 spread_step(__m256 v, int s) {
  const __m512i idx = _mm512_add_epi32(
      _mm512_set1_epi32(2 * s), _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  return _mm512_permutexvar_ps(idx, _mm512_castps256_ps512(v));
}

// Each type: kBytes per block, kDOff / kMOff (f16 scale and min, kMOff < 0
// without a min), kBias (level offset taken back in float), a weight form W
// per 2 blocks (weights2; tail<kHalf> for the last odd block), prep() of the
// 64 activation bytes (once per token and step) and idot() (per weight pair
// and token): the i32 lanes whose sums are the blocks' integer dots.
template <size_t kBytesT, int kQsOff, int kQhOff, int kBiasT, int kMOffT>
struct Unsigned32 {  // levels 0..31 straight into u8 x s8 dots
  static constexpr size_t kBytes = kBytesT;
  static constexpr int kDOff = 0, kMOff = kMOffT, kBias = kBiasT;
  using W = __m512i;
  template <bool kHalf>
  HEARTH_T static W tail(const uint8_t* b0) {
    const uint8_t* b1 = b0 + kBytes;
    __m512i q = nibbles64<kHalf>(b0 + kQsOff, b1 + kQsOff);
    if constexpr (kQhOff >= 0) {  // fifth bits: bit j of a block's u32 -> its element j
      const uint64_t bits = load_le<uint32_t>(b0 + kQhOff) | (kHalf ? 0ull : static_cast<uint64_t>(load_le<uint32_t>(b1 + kQhOff)) << 32);
      q = _mm512_mask_add_epi8(q, static_cast<__mmask64>(bits), q, _mm512_set1_epi8(0x10));
    }
    return q;
  }
  HEARTH_T static W weights2(const uint8_t* b0) { return tail<false>(b0); }
  HEARTH_T static __m512i prep(__m512i a) { return a; }
  HEARTH_T static __m512i idot(const W& w, __m512i a) { return dp_u8s8(_mm512_setzero_si512(), w, a); }
};

// Per block and token, every type of this family: 32 MACs (64 FLOPs), reading
// the block's bytes (18 / 20 / 22 / 24 / 34 / 18) once per tile of tokens.
using Q4_0 = Unsigned32<18, 2, -1, 8, -1>;   // f16 d | 16 B nibbles
using Q4_1 = Unsigned32<20, 4, -1, 0, 2>;    // f16 d | f16 m | 16 B nibbles
using Q5_0 = Unsigned32<22, 6, 2, 16, -1>;   // f16 d | u32 fifth bits | 16 B nibbles
using Q5_1 = Unsigned32<24, 8, 4, 0, 2>;     // f16 d | f16 m | u32 fifth bits | 16 B nibbles

// The 32 signed bytes of q8_0 blocks b0 and b0 + 1 (zero when half).
template <bool kHalf>
HEARTH_T inline __m512i q8_pair(const uint8_t* b0) {
  const __m256i q0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2));
  if constexpr (kHalf) return _mm512_zextsi256_si512(q0);
  return _mm512_inserti64x4(_mm512_castsi256_si512(q0),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 34 + 2)), 1);
}

#if HEARTH_VNNI
// q8_0 with vpdpbusd: the activations are made unsigned (a + 128, once per
// token and step) and the weights stay signed: dp(-128 * sum(w), a + 128, w)
// = sum(a * w), with -128 * sum(w) from one more vpdpbusd per weight pair.
struct Q8_0 {
  static constexpr size_t kBytes = 34;
  static constexpr int kDOff = 0, kMOff = -1, kBias = 0;
  struct W {
    __m512i q, wsum;
  };
  template <bool kHalf>
  HEARTH_T static W tail(const uint8_t* b0) {
    const __m512i q = q8_pair<kHalf>(b0);
    const __m512i s = _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(-128), q);
    return W{q, _mm512_sub_epi32(_mm512_setzero_si512(), s)};
  }
  HEARTH_T static W weights2(const uint8_t* b0) { return tail<false>(b0); }
  HEARTH_T static __m512i prep(__m512i a) { return _mm512_xor_si512(a, _mm512_set1_epi8(-128)); }
  HEARTH_T static __m512i idot(const W& w, __m512i a) { return _mm512_dpbusd_epi32(w.wsum, a, w.q); }
};

// iq4_nl with vpdpbusd: the levels made unsigned (level + 128, 1..241), the
// offset taken back in float as for q4_0.
struct IQ4_NL {
  static constexpr size_t kBytes = 18;
  static constexpr int kDOff = 0, kMOff = -1, kBias = 128;
  using W = __m512i;
  template <bool kHalf>
  HEARTH_T static W tail(const uint8_t* b0) {
    const __m512i lut = _mm512_xor_si512(iq4_lut_signed(), _mm512_set1_epi8(-128));
    return _mm512_shuffle_epi8(lut, nibbles64<kHalf>(b0 + 2, b0 + kBytes + 2));
  }
  HEARTH_T static W weights2(const uint8_t* b0) { return tail<false>(b0); }
  HEARTH_T static __m512i prep(__m512i a) { return a; }
  HEARTH_T static __m512i idot(const W& w, __m512i a) { return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, a); }
};
#else
// Signed levels without VNNI: vpmaddubsw(|w|, a negated where w < 0); |w| <=
// 128 and |a| <= 127 keep the pairs below 32768.
template <size_t kBytesT, bool kTable>
struct Signed32 {
  static constexpr size_t kBytes = kBytesT;
  static constexpr int kDOff = 0, kMOff = -1, kBias = 0;
  struct W {
    __m512i qa;
    __mmask64 neg;
  };
  template <bool kHalf>
  HEARTH_T static W tail(const uint8_t* b0) {
    __m512i q;
    if constexpr (kTable) q = _mm512_shuffle_epi8(iq4_lut_signed(), nibbles64<kHalf>(b0 + 2, b0 + kBytes + 2));
    else q = q8_pair<kHalf>(b0);
    return W{_mm512_abs_epi8(q), _mm512_movepi8_mask(q)};
  }
  HEARTH_T static W weights2(const uint8_t* b0) { return tail<false>(b0); }
  HEARTH_T static __m512i prep(__m512i a) { return a; }
  HEARTH_T static __m512i idot(const W& w, __m512i a) {
    const __m512i s = _mm512_mask_sub_epi8(a, w.neg, _mm512_setzero_si512(), a);
    return dp_u8s8(_mm512_setzero_si512(), w.qa, s);
  }
};
using Q8_0 = Signed32<34, false>;
using IQ4_NL = Signed32<18, true>;
#endif

// Where a row's activation fields are (layout in quant_dot.h).
struct ActRow32 {
  const uint8_t* q = nullptr;
  const float* d = nullptr;
  const int32_t* sum = nullptr;
  void set(const uint8_t* row, int64_t k) {
    q = row;
    d = reinterpret_cast<const float*>(row + k);
    sum = reinterpret_cast<const int32_t*>(row + k + 4 * (k / 32));
  }
};

// The float terms of a group or step that do not go through the integer dot:
// -bias * dd * sum(a) and m * d_a * sum(a), per block (lanes as v).
template <class Q>
HEARTH_T inline __m256 group_terms(__m256 dd, __m256 m, __m256 da, __m256 sum) {
  __m256 r = _mm256_setzero_ps();
  if constexpr (Q::kBias != 0) r = _mm256_mul_ps(_mm256_mul_ps(dd, sum), _mm256_set1_ps(-static_cast<float>(Q::kBias)));
  if constexpr (Q::kMOff >= 0) r = _mm256_fmadd_ps(_mm256_mul_ps(m, da), sum, r);
  return r;
}

template <class Q, int NR, int NT>
HEARTH_T void tile32(int64_t k, const uint8_t* w, size_t w_stride, const uint8_t* a, size_t a_stride, float* out,
                     size_t out_stride) {
  const int64_t nb = k / 32;
  // Two accumulators per output, for odd and even steps: the multiply-adds
  // of consecutive steps do not wait for each other.
  __m512 acc[NR][NT], acc2[NR][NT];
  for (int r = 0; r < NR; ++r)
    for (int t = 0; t < NT; ++t) acc[r][t] = acc2[r][t] = _mm512_setzero_ps();
  ActRow32 act[NT];
  for (int t = 0; t < NT; ++t) act[t].set(a + t * a_stride, k);

  int64_t b = 0;
  for (; b + 8 <= nb; b += 8) {
    __m256 dd[NR][NT];
    {
      __m256 da[NT], sum[NT];
      for (int t = 0; t < NT; ++t) {
        da[t] = _mm256_loadu_ps(act[t].d + b);
        sum[t] = _mm256_cvtepi32_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(act[t].sum + b)));
      }
      for (int r = 0; r < NR; ++r) {
        const uint8_t* g = w + r * w_stride + b * Q::kBytes;
        const __m256 dw = f16x8<Q::kBytes, Q::kDOff>(g);
        __m256 mw = _mm256_setzero_ps();
        if constexpr (Q::kMOff >= 0) mw = f16x8<Q::kBytes, Q::kMOff>(g);
        for (int t = 0; t < NT; ++t) {
          dd[r][t] = _mm256_mul_ps(dw, da[t]);
          if constexpr (Q::kBias != 0 || Q::kMOff >= 0)
            acc[r][t] = _mm512_add_ps(acc[r][t], _mm512_zextps256_ps512(group_terms<Q>(dd[r][t], mw, da[t], sum[t])));
        }
      }
    }
    for (int s = 0; s < 4; ++s) {
      __m512i aq[NT];
      for (int t = 0; t < NT; ++t) aq[t] = Q::prep(load64(act[t].q + 32 * (b + 2 * s)));
      for (int r = 0; r < NR; ++r) {
        const typename Q::W wq = Q::weights2(w + r * w_stride + (b + 2 * s) * Q::kBytes);
        for (int t = 0; t < NT; ++t) {
          __m512& sum = s % 2 ? acc2[r][t] : acc[r][t];
          sum = _mm512_fmadd_ps(_mm512_cvtepi32_ps(Q::idot(wq, aq[t])), spread_step(dd[r][t], s), sum);
        }
      }
    }
  }
  // The last nb % 8 blocks, two at a time, then one.
  for (; b < nb; b += 2) {
    const bool half = b + 1 == nb;
    for (int t = 0; t < NT; ++t) {
      const __m512i aq = Q::prep(half ? _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(act[t].q + 32 * b)))
                                      : load64(act[t].q + 32 * b));
      const __m256 da = _mm256_setr_ps(act[t].d[b], half ? 0.0f : act[t].d[b + 1], 0, 0, 0, 0, 0, 0);
      const __m256 sum = _mm256_setr_ps(static_cast<float>(act[t].sum[b]), half ? 0.0f : static_cast<float>(act[t].sum[b + 1]), 0, 0, 0, 0, 0, 0);
      for (int r = 0; r < NR; ++r) {
        const uint8_t* b0 = w + r * w_stride + b * Q::kBytes;
        const typename Q::W wq = half ? Q::template tail<true>(b0) : Q::template tail<false>(b0);
        const __m256 dw = _mm256_setr_ps(f16(b0 + Q::kDOff), half ? 0.0f : f16(b0 + Q::kBytes + Q::kDOff), 0, 0, 0, 0, 0, 0);
        __m256 mw = _mm256_setzero_ps();
        if constexpr (Q::kMOff >= 0) mw = _mm256_setr_ps(f16(b0 + Q::kMOff), half ? 0.0f : f16(b0 + Q::kBytes + Q::kMOff), 0, 0, 0, 0, 0, 0);
        const __m256 dd = _mm256_mul_ps(dw, da);
        acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(Q::idot(wq, aq)), spread_step(dd, 0), acc[r][t]);
        if constexpr (Q::kBias != 0 || Q::kMOff >= 0)
          acc[r][t] = _mm512_add_ps(acc[r][t], _mm512_zextps256_ps512(group_terms<Q>(dd, mw, da, sum)));
      }
    }
  }
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < NR; ++r) out[t * out_stride + r] = hsum(_mm512_add_ps(acc[r][t], acc2[r][t]));
}

// --- super-blocks of 256 against the Q8_K partner -----------------------------
//
// Every such type is decoded, per weight row and super-block, into
//   x[i] = d * S[g] * (q[i] - bias) - dmin * M[g],  g = i / 16,
// held in registers: q as four vectors of 64 (unsigned levels, or |level|
// with a sign mask for iq4_xs), the scales as s16 per element pair, and the
// per-group factor m[g] of the activation group sums (bias * S[g], or M[g]
// with its own float factor dmin when kMinScale). Then per token:
//   isum = sum_c dp_s16(maddubs(q_c, a_c), S_c) - [sum_g m[g] * bsum[g]].
// Per super-block and token: 256 MACs (512 FLOPs), reading the super-block's
// kBytes (84 / 110 / 144 / 176 / 210 / 136) once per tile of tokens.
struct WK {
  __m512i q[4];
  __m512i s[4];    // s16 scale of each element pair
  __mmask64 neg[4];  // signed types: levels < 0
  __m256i m;       // s16 factor of each group's activation sum
  float d, dmin;
};

// [S[4c] x8 | S[4c+1] x8 | S[4c+2] x8 | S[4c+3] x8] from 16 s16 scales (groups of 16).
HEARTH_T inline __m512i scales16_for_chunk(__m256i s16, int c) {
  const __m512i idx = _mm512_add_epi16(
      _mm512_set1_epi16(static_cast<int16_t>(4 * c)),
      _mm512_set_epi16(3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0));
  return _mm512_permutexvar_epi16(idx, _mm512_castsi256_si512(s16));
}

// [S[2c] x16 | S[2c+1] x16] from 8 s16 scales (groups of 32).
HEARTH_T inline __m512i scales8_for_chunk(__m128i s8, int c) {
  const __m512i idx = _mm512_add_epi16(
      _mm512_set1_epi16(static_cast<int16_t>(2 * c)),
      _mm512_set_epi16(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
  return _mm512_permutexvar_epi16(idx, _mm512_castsi128_si512(s8));
}

// The 6-bit scales and mins of q4_K/q5_K's 12 bytes, 8 bytes each.
inline void scales_mins_k4(const uint8_t* s, uint64_t& sc, uint64_t& mn) {
  const uint32_t u0 = load_le<uint32_t>(s), u1 = load_le<uint32_t>(s + 4), u2 = load_le<uint32_t>(s + 8);
  const uint32_t sc_hi = (u2 & 0x0f0f0f0f) | ((u0 >> 2) & 0x30303030);
  const uint32_t mn_hi = ((u2 >> 4) & 0x0f0f0f0f) | ((u1 >> 2) & 0x30303030);
  sc = (u0 & 0x3f3f3f3f) | static_cast<uint64_t>(sc_hi) << 32;
  mn = (u1 & 0x3f3f3f3f) | static_cast<uint64_t>(mn_hi) << 32;
}

// Two 256-bit halves shifted right (as s16 lanes) by n0 and n1 bits.
HEARTH_T inline __m512i srl_halves(__m512i v, int n0, int n1) {
  const __m512i counts = _mm512_inserti64x4(_mm512_set1_epi16(static_cast<int16_t>(n0)),
                                            _mm256_set1_epi16(static_cast<int16_t>(n1)), 1);
  return _mm512_srlv_epi16(v, counts);
}

HEARTH_T inline __m512i bcast256(const uint8_t* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// Bytes whose bit (b0 in the low half, b1 in the high half) is set.
HEARTH_T inline __mmask64 test_halves(__m512i v, int b0, int b1) {
  const __m512i sel = _mm512_inserti64x4(_mm512_set1_epi8(static_cast<char>(1 << b0)),
                                         _mm256_set1_epi8(static_cast<char>(1 << b1)), 1);
  return _mm512_test_epi8_mask(v, sel);
}

struct Q2_K {  // 84 B: 16 scale|min nibbles | 64 B of 2-bit levels | f16 d, dmin
  static constexpr size_t kBytes = 84;
  static constexpr bool kSigned = false, kMinScale = true, kHasM = true;
  HEARTH_T static void load(const uint8_t* b, WK& w) {
    w.d = f16(b + 80), w.dmin = f16(b + 82);
    const __m128i sm = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i nib = _mm_set1_epi8(0x0f);
    const __m256i s16 = _mm256_cvtepu8_epi16(_mm_and_si128(sm, nib));
    w.m = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), nib));
    const __m512i three = _mm512_set1_epi8(3);
    for (int c = 0; c < 4; ++c) {  // half c / 2, shifts 2k and 2k + 2 with k = 2 (c % 2)
      const int kk = 2 * (c % 2);
      w.q[c] = _mm512_and_si512(srl_halves(bcast256(b + 16 + 32 * (c / 2)), 2 * kk, 2 * kk + 2), three);
      w.s[c] = scales16_for_chunk(s16, c);
    }
  }
};

struct Q3_K {  // 110 B: 32 B high bits | 64 B of 2-bit low bits | 12 B scales | f16 d
  static constexpr size_t kBytes = 110;
  static constexpr bool kSigned = false, kMinScale = false, kHasM = true;
  HEARTH_T static void load(const uint8_t* b, WK& w) {
    w.d = f16(b + 108), w.dmin = 0.0f;
    const uint8_t* sc = b + 96;
    const uint32_t a0 = load_le<uint32_t>(sc), a1 = load_le<uint32_t>(sc + 4), a2 = load_le<uint32_t>(sc + 8);
    const __m128i raw = _mm_setr_epi32(static_cast<int>((a0 & 0x0f0f0f0f) | ((a2 & 0x03030303) << 4)),
                                       static_cast<int>((a1 & 0x0f0f0f0f) | (((a2 >> 2) & 0x03030303) << 4)),
                                       static_cast<int>(((a0 >> 4) & 0x0f0f0f0f) | (((a2 >> 4) & 0x03030303) << 4)),
                                       static_cast<int>(((a1 >> 4) & 0x0f0f0f0f) | (((a2 >> 6) & 0x03030303) << 4)));
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_sub_epi8(raw, _mm_set1_epi8(32)));
    w.m = _mm256_slli_epi16(s16, 2);  // level - 4: bias 4
    const __m512i three = _mm512_set1_epi8(3), four = _mm512_set1_epi8(4);
    const __m512i hm = bcast256(b);
    for (int c = 0; c < 4; ++c) {
      const int h = c / 2, kk = 2 * (c % 2);
      const __m512i lo = _mm512_and_si512(srl_halves(bcast256(b + 32 + 32 * h), 2 * kk, 2 * kk + 2), three);
      w.q[c] = _mm512_mask_add_epi8(lo, test_halves(hm, 4 * h + kk, 4 * h + kk + 1), lo, four);
      w.s[c] = scales16_for_chunk(s16, c);
    }
  }
};

struct Q4_K {  // 144 B: f16 d, dmin | 12 B scales/mins | 128 B nibbles
  static constexpr size_t kBytes = 144;
  static constexpr bool kSigned = false, kMinScale = true, kHasM = true;
  HEARTH_T static void load_scales(const uint8_t* b, WK& w) {
    w.d = f16(b), w.dmin = f16(b + 2);
    uint64_t sc, mn;
    scales_mins_k4(b + 4, sc, mn);
    const __m128i s8 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(sc)));
    for (int c = 0; c < 4; ++c) w.s[c] = scales8_for_chunk(s8, c);
    const __m256i m8 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(mn))));
    w.m = _mm256_shuffle_epi8(m8, _mm256_setr_epi8(0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9, 8, 9, 10, 11,
                                                   10, 11, 12, 13, 12, 13, 14, 15, 14, 15));
  }
  // 32 bytes of nibbles -> [low nibbles | high nibbles].
  HEARTH_T static __m512i nibbles(const uint8_t* p) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    return _mm512_and_si512(_mm512_inserti64x4(_mm512_castsi256_si512(v), _mm256_srli_epi16(v, 4), 1),
                            _mm512_set1_epi8(0x0f));
  }
  HEARTH_T static void load(const uint8_t* b, WK& w) {
    load_scales(b, w);
    for (int c = 0; c < 4; ++c) w.q[c] = nibbles(b + 16 + 32 * c);
  }
};

struct Q5_K {  // 176 B: f16 d, dmin | 12 B scales/mins | 32 B fifth bits | 128 B nibbles
  static constexpr size_t kBytes = 176;
  static constexpr bool kSigned = false, kMinScale = true, kHasM = true;
  HEARTH_T static void load(const uint8_t* b, WK& w) {
    Q4_K::load_scales(b, w);
    const __m512i qh = bcast256(b + 16);
    const __m512i sixteen = _mm512_set1_epi8(0x10);
    for (int c = 0; c < 4; ++c) {
      const __m512i q = Q4_K::nibbles(b + 48 + 32 * c);
      w.q[c] = _mm512_mask_add_epi8(q, test_halves(qh, 2 * c, 2 * c + 1), q, sixteen);
    }
  }
};

struct Q6_K {  // 210 B: 128 B low nibbles | 64 B high 2-bit pairs | 16 x i8 scales | f16 d
  static constexpr size_t kBytes = 210;
  static constexpr bool kSigned = false, kMinScale = false, kHasM = true;
  HEARTH_T static void load(const uint8_t* b, WK& w) {
    w.d = f16(b + 208), w.dmin = 0.0f;
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 192)));
    w.m = _mm256_slli_epi16(s16, 5);  // level - 32: bias 32
    const __m512i nib = _mm512_set1_epi8(0x0f), top = _mm512_set1_epi8(0x30);
    const __m512i sl = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(2), 1);
    for (int h = 0; h < 2; ++h) {
      const __m512i l = load64(b + 64 * h);
      const __m512i qh = bcast256(b + 128 + 32 * h);
      w.q[2 * h] = _mm512_or_si512(_mm512_and_si512(l, nib), _mm512_and_si512(_mm512_sllv_epi16(qh, sl), top));
      w.q[2 * h + 1] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l, 4), nib),
                                       _mm512_and_si512(srl_halves(qh, 0, 2), top));
    }
    for (int c = 0; c < 4; ++c) w.s[c] = scales16_for_chunk(s16, c);
  }
};

struct IQ4_XS {  // 136 B: f16 d | u16 high scale bits | 4 B low scale nibbles | 128 B nibble codes
  static constexpr size_t kBytes = 136;
  static constexpr bool kSigned = true, kMinScale = false, kHasM = false;
  HEARTH_T static void load(const uint8_t* b, WK& w) {
    w.d = f16(b), w.dmin = 0.0f;
    const unsigned sh = load_le<uint16_t>(b + 2);
    const uint32_t sl = load_le<uint32_t>(b + 4);
    alignas(16) int16_t s[8];
    for (int g = 0; g < 8; ++g)
      s[g] = static_cast<int16_t>((((sl >> (4 * g)) & 15) | (((sh >> (2 * g)) & 3) << 4)) - 32);
    const __m128i s8 = _mm_load_si128(reinterpret_cast<const __m128i*>(s));
    const __m512i lut = iq4_lut_signed();
    for (int c = 0; c < 4; ++c) {
      const __m512i q = _mm512_shuffle_epi8(lut, nibbles64<false>(b + 8 + 32 * c, b + 8 + 32 * c + 16));
      w.q[c] = _mm512_abs_epi8(q);
      w.neg[c] = _mm512_movepi8_mask(q);
      w.s[c] = scales8_for_chunk(s8, c);
    }
  }
};

// One weight row at a time over the whole row (acc: NT registers), each
// super-block decoded once and run against the NT activation rows.
template <class Q, int NT>
HEARTH_T void rowsK(int64_t k, const uint8_t* w, size_t w_stride, int nr, const uint8_t* a, size_t a_stride,
                    float* out, size_t out_stride) {
  const int64_t nb = k / 256;
  for (int r = 0; r < nr; ++r) {
    const uint8_t* wr = w + r * w_stride;
    __m512 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      WK wk;
      Q::load(wr + b * Q::kBytes, wk);
      for (int t = 0; t < NT; ++t) {
        const uint8_t* at = a + t * a_stride;
        const uint8_t* aq = at + 256 * b;
        const float da = load_le<float>(at + k + 4 * b);
        __m512i isum = _mm512_setzero_si512();
        for (int c = 0; c < 4; ++c) {
          __m512i av = load64(aq + 64 * c);
          if constexpr (Q::kSigned) av = _mm512_mask_sub_epi8(av, wk.neg[c], _mm512_setzero_si512(), av);
          isum = dp_s16(isum, _mm512_maddubs_epi16(wk.q[c], av), wk.s[c]);
        }
        if constexpr (Q::kHasM) {
          const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + k + 4 * nb + 32 * b));
          const __m512i msum = _mm512_zextsi256_si512(_mm256_madd_epi16(bs, wk.m));
          if constexpr (Q::kMinScale) {
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(msum), _mm512_set1_ps(-wk.dmin * da), acc[t]);
          } else {
            isum = _mm512_sub_epi32(isum, msum);
          }
        }
        acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(isum), _mm512_set1_ps(wk.d * da), acc[t]);
      }
    }
    for (int t = 0; t < NT; ++t) out[t * out_stride + r] = hsum(acc[t]);
  }
}

#if HEARTH_VNNI
// --- prompt kernels on wide activation rows (VNNI) -----------------------------
//
// A weight row is decoded, per group of 512 elements, into the wide layout
// (quant_dot.h): eight vectors of u8 levels whose lane i holds elements
// 4j..4j+3 of the row's i-th 32 elements, and per lane float factors. Then per
// token and group: eight vpdpbusd (each lane's sum stays in that lane), one
// or two conversions and multiply-adds with (lane scale x activation scale),
// and the offset / min terms against the activation's lane sums:
//   acc += cvt(sum_j dp(W_j, A_j)) * dsc * d_a  +  cw * dsum     (one scale per lane)
//   acc += cvt(lo) * dsc_lo * d_a + cvt(hi) * dsc_hi * d_a + cw_lo * dsum_lo + cw_hi * dsum_hi
// Per group and token: 512 MACs (1024 FLOPs); the decode (about 40 vector
// operations for 16 blocks) is shared by up to 8 tokens.
struct WideW {
  __m512i q[8];
  __m512 dsc, dsc_hi;  // lane scale (of the first 16 elements when kSplit)
  __m512 cw, cw_hi;    // factor of dsum (of dsum_lo when kSplit); the _hi fields unused otherwise
};

// 4 x 4 transpose of the dwords in each 128-bit lane of z[0..3].
HEARTH_T inline void transpose4(__m512i z[4]) {
  const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
  const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
  z[0] = _mm512_unpacklo_epi64(t0, t2), z[1] = _mm512_unpackhi_epi64(t0, t2);
  z[2] = _mm512_unpacklo_epi64(t1, t3), z[3] = _mm512_unpackhi_epi64(t1, t3);
}

// Dword j of the 16 bytes of block i (i = 0..15) into d[j] lane i. Block i
// is at p + stride * i, or for the second 8 at p8 + stride * (i - 8) (two
// super-blocks).
template <size_t kStride>
HEARTH_T inline void gather16x4(const uint8_t* p, __m512i d[4], const uint8_t* p8 = nullptr) {
  if (!p8) p8 = p + 8 * kStride;
  auto at = [&](int i) { return reinterpret_cast<const __m128i*>(i < 8 ? p + kStride * i : p8 + kStride * (i - 8)); };
  for (int q = 0; q < 4; ++q) {
    __m512i z = _mm512_castsi128_si512(_mm_loadu_si128(at(q)));
    z = _mm512_inserti32x4(z, _mm_loadu_si128(at(4 + q)), 1);
    z = _mm512_inserti32x4(z, _mm_loadu_si128(at(8 + q)), 2);
    z = _mm512_inserti32x4(z, _mm_loadu_si128(at(12 + q)), 3);
    d[q] = z;  // lane 4L + q of the result comes from 128-bit lane L of z[q]
  }
  transpose4(d);
}

// The u32 at p + stride * i (i = 0..15) in lane i.
template <size_t kStride>
HEARTH_T inline __m512i u32x16(const uint8_t* p) {
  const __m512i off = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                         _mm512_set1_epi32(static_cast<int>(kStride)));
  return _mm512_i32gather_epi32(off, p, 1);
}

// Adds 16 to the bytes of w[0..7] whose element has its bit set in bits
// (lane i: the 32 fifth bits of lane i's elements, bit e for element e).
HEARTH_T inline void add_fifth_bits(__m512i w[8], __m512i bits) {
  for (int j = 0; j < 8; ++j) {
    // Each byte of lane i gets byte j / 2 of bits, then tests its element's
    // bit (4 (j % 2) + e for byte e).
    const char b = static_cast<char>(j / 2);
    const __m512i spread = _mm512_shuffle_epi8(
        bits, _mm512_set_epi8(12 + b, 12 + b, 12 + b, 12 + b, 8 + b, 8 + b, 8 + b, 8 + b, 4 + b, 4 + b, 4 + b, 4 + b, b, b,
                              b, b, 12 + b, 12 + b, 12 + b, 12 + b, 8 + b, 8 + b, 8 + b, 8 + b, 4 + b, 4 + b, 4 + b, 4 + b,
                              b, b, b, b, 12 + b, 12 + b, 12 + b, 12 + b, 8 + b, 8 + b, 8 + b, 8 + b, 4 + b, 4 + b, 4 + b,
                              4 + b, b, b, b, b, 12 + b, 12 + b, 12 + b, 12 + b, 8 + b, 8 + b, 8 + b, 8 + b, 4 + b, 4 + b,
                              4 + b, 4 + b, b, b, b, b));
    const int sh = 4 * (j % 2);
    const __m512i sel = _mm512_set1_epi32(static_cast<int>(0x08040201u << sh));
    w[j] = _mm512_mask_add_epi8(w[j], _mm512_test_epi8_mask(spread, sel), w[j], _mm512_set1_epi8(0x10));
  }
}

template <int kStride, int kOff>
HEARTH_T inline __m512 f16x16(const uint8_t* p) {
  return _mm512_insertf32x8(_mm512_castps256_ps512(f16x8<kStride, kOff>(p)), f16x8<kStride, kOff>(p + 8 * kStride), 1);
}

// [v0 x8 | v1 x8]
HEARTH_T inline __m512 halves(float v0, float v1) {
  return _mm512_insertf32x8(_mm512_set1_ps(v0), _mm256_set1_ps(v1), 1);
}

struct WideQ4_0 {  // 16 blocks of 18 B: levels 0..15, offset 8
  static constexpr size_t kGroupBytes = 16 * 18;
  static constexpr bool kSplit = false, kHasCw = true;
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    __m512i d[4];
    gather16x4<18>(p + 2, d);
    const __m512i nib = _mm512_set1_epi8(0x0f);
    for (int j = 0; j < 4; ++j) {
      w.q[j] = _mm512_and_si512(d[j], nib);
      w.q[4 + j] = _mm512_and_si512(_mm512_srli_epi16(d[j], 4), nib);
    }
    w.dsc = f16x16<18, 0>(p);
    w.cw = _mm512_mul_ps(w.dsc, _mm512_set1_ps(-8.0f));
  }
};

struct WideIQ4_NL {  // 16 blocks of 18 B: levels + 128 by table, offset 128
  static constexpr size_t kGroupBytes = 16 * 18;
  static constexpr bool kSplit = false, kHasCw = true;
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    __m512i d[4];
    gather16x4<18>(p + 2, d);
    const __m512i nib = _mm512_set1_epi8(0x0f);
    const __m512i lut = _mm512_xor_si512(iq4_lut_signed(), _mm512_set1_epi8(-128));
    for (int j = 0; j < 4; ++j) {
      w.q[j] = _mm512_shuffle_epi8(lut, _mm512_and_si512(d[j], nib));
      w.q[4 + j] = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(d[j], 4), nib));
    }
    w.dsc = f16x16<18, 0>(p);
    w.cw = _mm512_mul_ps(w.dsc, _mm512_set1_ps(-128.0f));
  }
};

struct WideQ8_0 {  // 16 blocks of 34 B: levels + 128, offset 128
  static constexpr size_t kGroupBytes = 16 * 34;
  static constexpr bool kSplit = false, kHasCw = true;
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    gather16x4<34>(p + 2, w.q);
    gather16x4<34>(p + 18, w.q + 4);
    for (int j = 0; j < 8; ++j) w.q[j] = _mm512_xor_si512(w.q[j], _mm512_set1_epi8(-128));
    w.dsc = f16x16<34, 0>(p);
    w.cw = _mm512_mul_ps(w.dsc, _mm512_set1_ps(-128.0f));
  }
};

// Blocks with levels 0..15 (or 0..31) at kQsOff, fifth bits at kQhOff (< 0:
// none), the f16 scale at 0 and either an offset (kBias) or an f16 min at
// kMOff.
template <size_t kBytes, int kQsOff, int kQhOff, int kBias, int kMOff>
struct WideUnsigned {
  static constexpr size_t kGroupBytes = 16 * kBytes;
  static constexpr bool kSplit = false, kHasCw = true;
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    __m512i d[4];
    gather16x4<kBytes>(p + kQsOff, d);
    const __m512i nib = _mm512_set1_epi8(0x0f);
    for (int j = 0; j < 4; ++j) {
      w.q[j] = _mm512_and_si512(d[j], nib);
      w.q[4 + j] = _mm512_and_si512(_mm512_srli_epi16(d[j], 4), nib);
    }
    if constexpr (kQhOff >= 0) add_fifth_bits(w.q, u32x16<kBytes>(p + kQhOff));
    w.dsc = f16x16<kBytes, 0>(p);
    if constexpr (kMOff >= 0) w.cw = f16x16<kBytes, kMOff>(p);
    else w.cw = _mm512_mul_ps(w.dsc, _mm512_set1_ps(-static_cast<float>(kBias)));
  }
};
using WideQ4_1 = WideUnsigned<20, 4, -1, 0, 2>;
using WideQ5_0 = WideUnsigned<22, 6, 2, 16, -1>;
using WideQ5_1 = WideUnsigned<24, 8, 4, 0, 2>;

struct WideIQ4_XS {  // 2 super-blocks of 136 B: lane = group of 32, levels + 128 by table
  static constexpr size_t kGroupBytes = 2 * 136;
  static constexpr bool kSplit = false, kHasCw = true;
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    __m512i d[4];
    gather16x4<16>(p + 8, d, p + 136 + 8);
    const __m512i nib = _mm512_set1_epi8(0x0f);
    const __m512i lut = _mm512_xor_si512(iq4_lut_signed(), _mm512_set1_epi8(-128));
    for (int j = 0; j < 4; ++j) {
      w.q[j] = _mm512_shuffle_epi8(lut, _mm512_and_si512(d[j], nib));
      w.q[4 + j] = _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(d[j], 4), nib));
    }
    alignas(64) int32_t ls[16];
    for (int s = 0; s < 2; ++s) {
      const uint8_t* b = p + 136 * s;
      const unsigned sh = load_le<uint16_t>(b + 2);
      const uint32_t sl = load_le<uint32_t>(b + 4);
      for (int g = 0; g < 8; ++g) ls[8 * s + g] = static_cast<int32_t>((((sl >> (4 * g)) & 15) | (((sh >> (2 * g)) & 3) << 4)) - 32);
    }
    w.dsc = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_load_si512(ls)), halves(f16(p), f16(p + 136)));
    w.cw = _mm512_mul_ps(w.dsc, _mm512_set1_ps(-128.0f));
  }
};

// Lanes 2m and 2m + 1 (m = 0..7) = dword j of 32-byte chunk m, the chunks
// being y[0] | y[1] (chunks 0..3) and y[2] | y[3] (chunks 4..7).
HEARTH_T inline __m512i chunk_dword_pairs(const __m512i y[4], int j) {
  const __m512i idx = _mm512_add_epi32(_mm512_set1_epi32(j),
                                       _mm512_setr_epi32(0, 0, 8, 8, 16, 16, 24, 24, 0, 0, 8, 8, 16, 16, 24, 24));
  const __m512i lo = _mm512_permutex2var_epi32(y[0], idx, y[1]);
  const __m512i hi = _mm512_permutex2var_epi32(y[2], idx, y[3]);
  return _mm512_mask_mov_epi32(lo, 0xff00, hi);
}

struct WideQ4_K {  // 2 super-blocks of 144 B: lane = group of 32 (low nibbles, then high, per chunk)
  static constexpr size_t kGroupBytes = 2 * 144;
  static constexpr bool kSplit = false, kHasCw = true;
  HEARTH_T static void scales(const uint8_t* p, size_t sb_bytes, WideW& w) {
    uint64_t sc0, mn0, sc1, mn1;
    scales_mins_k4(p + 4, sc0, mn0);
    scales_mins_k4(p + sb_bytes + 4, sc1, mn1);
    const __m512 sc = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_set_epi64x(static_cast<int64_t>(sc1), static_cast<int64_t>(sc0))));
    const __m512 mn = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_set_epi64x(static_cast<int64_t>(mn1), static_cast<int64_t>(mn0))));
    w.dsc = _mm512_mul_ps(sc, halves(f16(p), f16(p + sb_bytes)));
    w.cw = _mm512_mul_ps(mn, halves(-f16(p + 2), -f16(p + sb_bytes + 2)));
  }
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    const __m512i y[4] = {load64(p + 16), load64(p + 80), load64(p + 144 + 16), load64(p + 144 + 80)};
    const __m512i shift = _mm512_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4);
    for (int j = 0; j < 8; ++j)
      w.q[j] = _mm512_and_si512(_mm512_srlv_epi32(chunk_dword_pairs(y, j), shift), _mm512_set1_epi8(0x0f));
    scales(p, 144, w);
  }
};

struct WideQ5_K {  // 2 super-blocks of 176 B: as q4_K, plus the fifth bits
  static constexpr size_t kGroupBytes = 2 * 176;
  static constexpr bool kSplit = false, kHasCw = true;
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    const __m512i y[4] = {load64(p + 48), load64(p + 112), load64(p + 176 + 48), load64(p + 176 + 112)};
    const __m512i shift = _mm512_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4);
    // Lane l = 8 s + g: its element 4 j + e has its fifth bit at bit g of
    // byte 4 j + e of super-block s's 32 bytes qh.
    const __m512i qh = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 16))),
                                          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 176 + 16)), 1);
    const __m512i bit = _mm512_setr_epi32(0x01010101, 0x02020202, 0x04040404, 0x08080808, 0x10101010, 0x20202020,
                                          0x40404040, static_cast<int>(0x80808080), 0x01010101, 0x02020202, 0x04040404,
                                          0x08080808, 0x10101010, 0x20202020, 0x40404040, static_cast<int>(0x80808080));
    for (int j = 0; j < 8; ++j) {
      const __m512i q = _mm512_and_si512(_mm512_srlv_epi32(chunk_dword_pairs(y, j), shift), _mm512_set1_epi8(0x0f));
      const __m512i h = _mm512_permutexvar_epi32(
          _mm512_add_epi32(_mm512_set1_epi32(j), _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8)), qh);
      w.q[j] = _mm512_mask_add_epi8(q, _mm512_test_epi8_mask(h, bit), q, _mm512_set1_epi8(0x10));
    }
    WideQ4_K::scales(p, 176, w);
  }
};

struct WideQ6_K {  // 2 super-blocks of 210 B: lane = 32 elements, two scales each
  static constexpr size_t kGroupBytes = 2 * 210;
  static constexpr bool kSplit = true, kHasCw = true;
  HEARTH_T static void load(const uint8_t* p, WideW& w) {
    // Lane l = 8 s + 4 h + q: super-block s, half h, quarter q: low nibbles
    // from ql[64 h + 32 (q % 2) ..] (nibble q / 2), high bits from
    // qh[32 h ..] >> 2 q.
    const __m512i ql[4] = {load64(p), load64(p + 64), load64(p + 210), load64(p + 210 + 64)};
    const __m512i qh0 = load64(p + 128), qh1 = load64(p + 210 + 128);
    const __m512i lo_idx = _mm512_setr_epi32(0, 8, 0, 8, 16, 24, 16, 24, 0, 8, 0, 8, 16, 24, 16, 24);
    const __m512i lo_shift = _mm512_setr_epi32(0, 0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4);
    const __m512i hi_idx = _mm512_setr_epi32(0, 0, 0, 0, 8, 8, 8, 8, 16, 16, 16, 16, 24, 24, 24, 24);
    const __m512i hi_shift = _mm512_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6, 0, 2, 4, 6, 0, 2, 4, 6);
    for (int j = 0; j < 8; ++j) {
      const __m512i jv = _mm512_set1_epi32(j);
      const __m512i a = _mm512_permutex2var_epi32(ql[0], _mm512_add_epi32(lo_idx, jv), ql[1]);
      const __m512i b = _mm512_permutex2var_epi32(ql[2], _mm512_add_epi32(lo_idx, jv), ql[3]);
      const __m512i low = _mm512_and_si512(_mm512_srlv_epi32(_mm512_mask_mov_epi32(a, 0xff00, b), lo_shift),
                                           _mm512_set1_epi8(0x0f));
      const __m512i h = _mm512_permutex2var_epi32(qh0, _mm512_add_epi32(hi_idx, jv), qh1);
      const __m512i high = _mm512_and_si512(_mm512_slli_epi32(_mm512_srlv_epi32(h, hi_shift), 4), _mm512_set1_epi8(0x30));
      w.q[j] = _mm512_or_si512(low, high);
    }
    // Lane l's scales: bytes 2 l (first 16 elements) and 2 l + 1 of [scales(0) | scales(1)].
    const __m256i sc = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 192))),
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 210 + 192)), 1);
    const __m512i words = _mm512_cvtepu16_epi32(sc);
    const __m512 d = halves(f16(p + 208), f16(p + 210 + 208));
    w.dsc = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(words, 24), 24)), d);
    w.dsc_hi = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srai_epi32(_mm512_slli_epi32(words, 16), 24)), d);
    w.cw = _mm512_mul_ps(w.dsc, _mm512_set1_ps(-32.0f));
    w.cw_hi = _mm512_mul_ps(w.dsc_hi, _mm512_set1_ps(-32.0f));
  }
};

// Loads the group's weights of one row (a partial last group copied into
// zeros first, so nothing past the row is read and missing lanes scale 0).
template <class Q>
HEARTH_T inline void wide_load(const uint8_t* wr, int64_t g, int64_t lanes, WideW& wv) {
  if (16 * (g + 1) <= lanes) return Q::load(wr + g * Q::kGroupBytes, wv);
  alignas(64) uint8_t tmp[Q::kGroupBytes + 64] = {};
  std::memcpy(tmp, wr + g * Q::kGroupBytes, static_cast<size_t>(lanes - 16 * g) * Q::kGroupBytes / 16);
  Q::load(tmp, wv);
}

// One token's group against kRows decoded weight rows: acc[r] += the group's
// terms (see above). The activation vectors are loaded once for the rows.
template <class Q, int kRows>
HEARTH_T inline void wide_dot(const WideW* wv, const uint8_t* ag, __m512* acc[kRows]) {
  __m512i s0[kRows], s1[kRows];
  for (int r = 0; r < kRows; ++r) s0[r] = s1[r] = _mm512_setzero_si512();
  for (int j = 0; j < 4; ++j) {
    const __m512i a0 = load64(ag + 64 * j), a1 = load64(ag + 64 * (4 + j));
    for (int r = 0; r < kRows; ++r) {
      s0[r] = _mm512_dpbusd_epi32(s0[r], wv[r].q[j], a0);
      s1[r] = _mm512_dpbusd_epi32(s1[r], wv[r].q[4 + j], a1);
    }
  }
  const __m512 da = _mm512_loadu_ps(reinterpret_cast<const float*>(ag + 512));
  for (int r = 0; r < kRows; ++r) {
    __m512 v = *acc[r];
    if constexpr (Q::kSplit) {
      v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s0[r]), _mm512_mul_ps(wv[r].dsc, da), v);
      v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s1[r]), _mm512_mul_ps(wv[r].dsc_hi, da), v);
      v = _mm512_fmadd_ps(wv[r].cw, _mm512_loadu_ps(reinterpret_cast<const float*>(ag + 512 + 128)), v);
      v = _mm512_fmadd_ps(wv[r].cw_hi, _mm512_loadu_ps(reinterpret_cast<const float*>(ag + 512 + 192)), v);
    } else {
      v = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(s0[r], s1[r])), _mm512_mul_ps(wv[r].dsc, da), v);
      if constexpr (Q::kHasCw) v = _mm512_fmadd_ps(wv[r].cw, _mm512_loadu_ps(reinterpret_cast<const float*>(ag + 512 + 64)), v);
    }
    *acc[r] = v;
  }
}

// nr weight rows x NT tokens. Per group: the rows are decoded two at a time
// (16 registers) and each token's activation group, loaded once, meets both;
// the accumulators live in L1 (one load and store per row, token and group
// against eight integer dots), and so does the group's activations of all NT
// tokens (NT x 768 bytes), shared by all rows.
template <class Q, int NT>
HEARTH_T void wide_rows(int64_t k, const uint8_t* w, size_t w_stride, int nr, const uint8_t* a, size_t a_stride,
                        float* out, size_t out_stride) {
  const int64_t lanes = k / 32, groups = (lanes + 15) / 16;
  __m512 acc[kTileRows][NT];
  for (int r = 0; r < nr; ++r)
    for (int t = 0; t < NT; ++t) acc[r][t] = _mm512_setzero_ps();
  for (int64_t g = 0; g < groups; ++g) {
    const uint8_t* ag = a + g * kWideGroupBytes;
    int r = 0;
    for (; r + 2 <= nr; r += 2) {
      WideW wv[2];
      wide_load<Q>(w + r * w_stride, g, lanes, wv[0]);
      wide_load<Q>(w + (r + 1) * w_stride, g, lanes, wv[1]);
      for (int t = 0; t < NT; ++t) {
        __m512* acc_rt[2] = {&acc[r][t], &acc[r + 1][t]};
        wide_dot<Q, 2>(wv, ag + t * a_stride, acc_rt);
      }
    }
    if (r < nr) {
      WideW wv[1];
      wide_load<Q>(w + r * w_stride, g, lanes, wv[0]);
      for (int t = 0; t < NT; ++t) {
        __m512* acc_rt[1] = {&acc[r][t]};
        wide_dot<Q, 1>(wv, ag + t * a_stride, acc_rt);
      }
    }
  }
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < nr; ++r) out[t * out_stride + r] = hsum(acc[r][t]);
}

template <class Q>
HEARTH_T void gemm_wide(int64_t k, const uint8_t* w, size_t ws, int nr, const uint8_t* a, size_t as, int nt,
                        float* out, size_t os) {
  // Token counts 1..4, 8 and 16 have their own code; the others run as a
  // sum of those.
  if (nt > 16 || (nt > 8 && nt < 16) || (nt > 4 && nt < 8)) {
    const int first = nt > 16 ? 16 : nt > 8 ? 8 : 4;
    gemm_wide<Q>(k, w, ws, nr, a, as, first, out, os);
    return gemm_wide<Q>(k, w, ws, nr, a + first * as, as, nt - first, out + first * os, os);
  }
  switch (nt) {
    case 1: return wide_rows<Q, 1>(k, w, ws, nr, a, as, out, os);
    case 2: return wide_rows<Q, 2>(k, w, ws, nr, a, as, out, os);
    case 3: return wide_rows<Q, 3>(k, w, ws, nr, a, as, out, os);
    case 4: return wide_rows<Q, 4>(k, w, ws, nr, a, as, out, os);
    case 8: return wide_rows<Q, 8>(k, w, ws, nr, a, as, out, os);
    default: return wide_rows<Q, 16>(k, w, ws, nr, a, as, out, os);
  }
}
#endif  // HEARTH_VNNI

// --- dispatch -----------------------------------------------------------------

template <class Q, int NT>
HEARTH_T void rows32(int64_t k, const uint8_t* w, size_t ws, int nr, const uint8_t* a, size_t as, float* out,
                     size_t os) {
  // One row at a time with one or two tokens (decode: one weight stream
  // reads from DRAM faster than several), 2 rows with 3 or 4 tokens, 1 with 8
  // (registers).
  constexpr int kRows = NT <= 2 || NT > 4 ? 1 : 2;
  int r = 0;
  for (; r + kRows <= nr; r += kRows) tile32<Q, kRows, NT>(k, w + r * ws, ws, a, as, out + r, os);
  for (; r < nr; ++r) tile32<Q, 1, NT>(k, w + r * ws, ws, a, as, out + r, os);
}

template <class Q, bool kSuper>
HEARTH_T void gemm(int64_t k, const uint8_t* w, size_t ws, int nr, const uint8_t* a, size_t as, int nt, float* out,
                   size_t os) {
  // Token counts 1..4 and 8 have their own code; the others run as a sum of those.
  if (nt > 4 && nt != 8) {
    const int first = nt > 8 ? 8 : 4;
    gemm<Q, kSuper>(k, w, ws, nr, a, as, first, out, os);
    return gemm<Q, kSuper>(k, w, ws, nr, a + first * as, as, nt - first, out + first * os, os);
  }
  if constexpr (kSuper) {
    switch (nt) {
      case 1: return rowsK<Q, 1>(k, w, ws, nr, a, as, out, os);
      case 2: return rowsK<Q, 2>(k, w, ws, nr, a, as, out, os);
      case 3: return rowsK<Q, 3>(k, w, ws, nr, a, as, out, os);
      case 4: return rowsK<Q, 4>(k, w, ws, nr, a, as, out, os);
      default: return rowsK<Q, 8>(k, w, ws, nr, a, as, out, os);
    }
  } else {
    switch (nt) {
      case 1: return rows32<Q, 1>(k, w, ws, nr, a, as, out, os);
      case 2: return rows32<Q, 2>(k, w, ws, nr, a, as, out, os);
      case 3: return rows32<Q, 3>(k, w, ws, nr, a, as, out, os);
      case 4: return rows32<Q, 4>(k, w, ws, nr, a, as, out, os);
      default: return rows32<Q, 8>(k, w, ws, nr, a, as, out, os);
    }
  }
}

QuantKernels make_avx512(Level level) {
  QuantKernels q{};
  q.level = level;
  q.quantize[0] = quantize_q8_0_avx2;
  q.quantize[1] = quantize_q8_K_avx2;
  auto set = [&](DType t, QGemmFn f) { q.gemm[static_cast<uint32_t>(t)] = f; };
  set(DType::Q4_0, gemm<Q4_0, false>);
  set(DType::Q4_1, gemm<Q4_1, false>);
  set(DType::Q5_0, gemm<Q5_0, false>);
  set(DType::Q5_1, gemm<Q5_1, false>);
  set(DType::Q8_0, gemm<Q8_0, false>);
  set(DType::IQ4_NL, gemm<IQ4_NL, false>);
  set(DType::Q2_K, gemm<Q2_K, true>);
  set(DType::Q3_K, gemm<Q3_K, true>);
  set(DType::Q4_K, gemm<Q4_K, true>);
  set(DType::Q5_K, gemm<Q5_K, true>);
  set(DType::Q6_K, gemm<Q6_K, true>);
  set(DType::IQ4_XS, gemm<IQ4_XS, true>);
#if HEARTH_VNNI
  auto wide = [&](DType t, QGemmFn f) { q.gemm_wide[static_cast<uint32_t>(t)] = f; };
  wide(DType::Q4_0, gemm_wide<WideQ4_0>);
  wide(DType::Q8_0, gemm_wide<WideQ8_0>);
  wide(DType::IQ4_NL, gemm_wide<WideIQ4_NL>);
  wide(DType::Q4_1, gemm_wide<WideQ4_1>);
  wide(DType::Q5_0, gemm_wide<WideQ5_0>);
  wide(DType::Q5_1, gemm_wide<WideQ5_1>);
  wide(DType::IQ4_XS, gemm_wide<WideIQ4_XS>);
  wide(DType::Q4_K, gemm_wide<WideQ4_K>);
  wide(DType::Q5_K, gemm_wide<WideQ5_K>);
  wide(DType::Q6_K, gemm_wide<WideQ6_K>);
#endif
  return q;
}

}  // namespace
}  // namespace hearth::backend::cpu
