#pragma once
// Loading panels (quant_panel.h) into AVX-512 registers: the levels of one
// block of 32 of all 16 rows as eight vectors, vector s = step s (elements
// 4s..4s+3 of every row, dword lane r = row r), levels as unsigned bytes
// (q4_0 0..15, q5_0 0..31, q8_0 level + 128). Shared by the VNNI kernels
// (quant_panel_avx512vnni.cpp) and the AMX ones (quant_panel_amx.cpp); the
// includer defines HEARTH_T, the target attribute of its kernels.
#ifndef HEARTH_T
#error "define HEARTH_T before including quant_panel_decode_avx512.h"
#endif
#include <immintrin.h>

#include <cstdint>
#include <utility>

#include "backend/cpu/quant_dot.h"
#include "backend/cpu/quant_panel_layout.h"
#include "core/bytes.h"
#include "tensor/quants_iq4.h"

// Internal linkage: each includer compiles these with its own target.
namespace hearth::backend::cpu::panel_decode {
namespace {

using namespace panel_layout;

HEARTH_T inline __m512i load64(const uint8_t* p) { return _mm512_loadu_si512(p); }
HEARTH_T inline __m512i bcast32(const uint8_t* p) { return _mm512_set1_epi32(load_le<int32_t>(p)); }
HEARTH_T inline __m512 f16x16(const uint8_t* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
HEARTH_T inline __m512i nibble_mask() { return _mm512_set1_epi8(0x0f); }

// a | (b & c), bitwise.
HEARTH_T inline __m512i or_masked(__m512i a, __m512i b, __m512i c) { return _mm512_ternarylogic_epi32(a, b, c, 0xf8); }

// Shifts each byte's bit From to bit To (other bits garbage), as 16-bit
// lanes: the bits that cross into the neighbouring byte never land on To.
template <int From, int To>
HEARTH_T inline __m512i move_bit(__m512i v) {
  if constexpr (To > From) return _mm512_slli_epi16(v, To - From);
  else if constexpr (To < From) return _mm512_srli_epi16(v, From - To);
  else return v;
}

// --- blocks of 32 -------------------------------------------------------------

// Where a block's fields lie in a panel. kBias: the offset of the unsigned
// levels (level - kBias is the signed one); kMin: the type has f16 mins (its
// value is scale * level + min). row_scales: block b's scales of the 16
// rows; act_scale: the index of the activation's f32 scale that block b
// meets (its block of 32 in a q8_0 row). The super-block types below give
// the same for their sub-blocks of 32, plus kSuperMins: q4_K's mins, added
// once per super-block before its first sub-block.
template <size_t LevelBytes, size_t ScaleBytes, int Bias>
struct Blocks32 {
  static constexpr size_t kLevelBytes = LevelBytes, kPairBytes = pair_bytes(LevelBytes, ScaleBytes);
  static constexpr int kBias = Bias;
  static constexpr bool kMin = ScaleBytes == kScalesAndMins, kSuperMins = false;
  static constexpr ActType kAct = ActType::Q8_0;
  static constexpr size_t scales(int64_t b) { return scales_at(LevelBytes, ScaleBytes, b); }
  static constexpr size_t mins(int64_t b) { return mins_at(LevelBytes, ScaleBytes, b); }
  static constexpr size_t levels(int64_t b) { return levels_at(LevelBytes, ScaleBytes, b); }
  HEARTH_T static __m512 row_scales(const uint8_t* panel, int64_t b) { return f16x16(panel + scales(b)); }
  static constexpr int64_t act_scale(int64_t b) { return b; }
};

struct Panel4_0 : Blocks32<kQ4_0Levels, kScales, 8> {
  HEARTH_T static void decode(const uint8_t* q, __m512i w[8]) {
    const __m512i m = nibble_mask();
    for (int j = 0; j < 4; ++j) {
      const __m512i z = load64(q + 64 * j);
      w[j] = _mm512_and_si512(z, m);
      w[4 + j] = _mm512_and_si512(_mm512_srli_epi16(z, 4), m);
    }
  }
};

struct Panel4_1 : Blocks32<kQ4_0Levels, kScalesAndMins, 0> {
  HEARTH_T static void decode(const uint8_t* q, __m512i w[8]) { Panel4_0::decode(q, w); }
};

struct Panel5_0 : Blocks32<kQ5_0Levels, kScales, 16> {
  template <int S>
  HEARTH_T static void add_fifth(__m512i w[8], __m512i bits) {
    w[S] = or_masked(w[S], move_bit<S, 4>(bits), _mm512_set1_epi8(0x10));
  }
  template <int... S>
  HEARTH_T static void add_fifths(__m512i w[8], __m512i bits, std::integer_sequence<int, S...>) {
    (add_fifth<S>(w, bits), ...);
  }
  HEARTH_T static void decode(const uint8_t* q, __m512i w[8]) {
    Panel4_0::decode(q, w);
    add_fifths(w, load64(q + kQ4_0Levels), std::make_integer_sequence<int, 8>());
  }
};

// iq4_nl: q4_0's nibbles, each the index of one of 16 signed levels, looked
// up (by vpshufb in each 16-byte lane) as level + 128.
struct Panel5_1 : Blocks32<kQ5_0Levels, kScalesAndMins, 0> {
  HEARTH_T static void decode(const uint8_t* q, __m512i w[8]) { Panel5_0::decode(q, w); }
};

struct PanelIQ4_NL : Blocks32<kQ4_0Levels, kScales, 128> {
  HEARTH_T static void decode(const uint8_t* q, __m512i w[8]) {
    const __m512i levels = _mm512_xor_si512(
        _mm512_broadcast_i32x4(_mm_loadu_si128(reinterpret_cast<const __m128i*>(tensor::iq4::kLevels))),
        _mm512_set1_epi8(static_cast<char>(0x80)));
    Panel4_0::decode(q, w);
    for (int s = 0; s < 8; ++s) w[s] = _mm512_shuffle_epi8(levels, w[s]);
  }
};

// iq4_xs, sub-block b (of 32) as a block: iq4_nl's levels, the super-block's
// d times the sub-block's signed scale as the row scale, against a q8_K row.
struct PanelIQ4_XS {
  static constexpr int kBias = 128;
  static constexpr bool kMin = false, kSuperMins = false;
  static constexpr ActType kAct = ActType::Q8_K;
  static constexpr size_t levels(int64_t b) {
    return static_cast<size_t>(b / 8) * kIQ4XSBytes + iq4XS_levels_at(static_cast<int>(b % 8));
  }
  // d * (ls - 32), the same float for the VNNI and the AMX kernels.
  HEARTH_T static __m512 row_scales(const uint8_t* panel, int64_t b) {
    const uint8_t* p = panel + static_cast<size_t>(b / 8) * kIQ4XSBytes;
    const __m128i sc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kIQ4XSScale + 16 * (b % 8)));
    return _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(sc)), f16x16(p + kIQ4XSD));
  }
  static constexpr int64_t act_scale(int64_t b) { return b / 8; }
  HEARTH_T static void decode(const uint8_t* q, __m512i w[8]) { PanelIQ4_NL::decode(q, w); }
};

struct Panel8_0 : Blocks32<kQ8_0Levels, kScales, 128> {
  HEARTH_T static void decode(const uint8_t* q, __m512i w[8]) {
    for (int s = 0; s < 8; ++s) w[s] = load64(q + 64 * s);
  }
};

// Block b of a panel as eight level vectors, for the types whose blocks lie
// whole at P::levels(b).
template <class P>
HEARTH_T inline void decode_block(const uint8_t* panel, int64_t b, __m512i w[8]) {
  if constexpr (requires { P::decode_at(panel, b, w); }) P::decode_at(panel, b, w);
  else P::decode(panel + P::levels(b), w);
}

// --- q4_K --------------------------------------------------------------------

// The mins of a super-block (q4_K, q5_K, q2_K): acc[t] -= dmin * da *
// sum_g m_g * (sum of token t's group g), the groups in pairs by one
// vpdpwssd each. dmin: the rows' f16 dmin; mins: u8 [Pairs][16][2] (mins 2i
// and 2i+1 of a row side by side); the token's i16 sums of the groups (pairs
// as dwords) at row offset sums_at, its f32 scale at da_at.
template <int Pairs, int NT>
HEARTH_T inline void super_mins(const uint8_t* dmin, const uint8_t* mins_u8, const uint8_t* a, size_t as,
                                size_t sums_at, size_t da_at, __m512 acc[NT]) {
  const __m512 neg_dmin = _mm512_sub_ps(_mm512_setzero_ps(), f16x16(dmin));
  __m512i mins[Pairs];
  for (int i = 0; i < Pairs; ++i)
    mins[i] = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mins_u8 + 32 * i)));
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) {
    const uint8_t* at = a + t * as;
    __m512i s = _mm512_setzero_si512();
    for (int i = 0; i < Pairs; ++i) s = _mm512_dpwssd_epi32(s, mins[i], bcast32(at + sums_at + 4 * i));
    const __m512 da = _mm512_set1_ps(load_le<float>(at + da_at));
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(neg_dmin, da), acc[t]);
  }
}

// q4_K's and q5_K's mins of super-block sb (at p), their sub-blocks' sums at
// terms: shared by the VNNI and the AMX kernels so that both add the same
// floats.
template <int NT>
HEARTH_T inline void k4_mins(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, int64_t k, size_t terms,
                             __m512 acc[NT]) {
  super_mins<4, NT>(p + kQ4KDmin, p + kQ4KMin, a, as, terms + 16 * static_cast<size_t>(sb),
                    static_cast<size_t>(k + 4 * sb), acc);
}

// q4_K's sub-block J of a super-block at p: the scale d * sc_J of each row.
HEARTH_T inline __m512 k4_row_scales(const uint8_t* p, int64_t j) {
  return _mm512_mul_ps(
      _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kQ4KScale + 16 * j)))),
      f16x16(p + kQ4KD));
}

// q4_K, sub-block b (of 32) as a block: nibbles 0..15 (the low or high ones
// of its chunk's vectors), row scale d * sc, the mins per super-block.
struct PanelQ4_K {
  static constexpr int kBias = 0;
  static constexpr bool kMin = false, kSuperMins = true;
  static constexpr ActType kAct = ActType::Q8_K;
  HEARTH_T static void decode_at(const uint8_t* panel, int64_t b, __m512i w[8]) {
    const uint8_t* p = panel + static_cast<size_t>(b / 8) * kQ4KBytes;
    const int j = static_cast<int>(b % 8);
    const __m512i m = nibble_mask();
    for (int s = 0; s < 8; ++s) {
      const __m512i z = load64(p + q4K_low_at(j / 2, s));
      w[s] = _mm512_and_si512(j % 2 ? _mm512_srli_epi16(z, 4) : z, m);
    }
  }
  HEARTH_T static __m512 row_scales(const uint8_t* panel, int64_t b) {
    return k4_row_scales(panel + static_cast<size_t>(b / 8) * kQ4KBytes, b % 8);
  }
  static constexpr int64_t act_scale(int64_t b) { return b / 8; }
};

}  // namespace
}  // namespace hearth::backend::cpu::panel_decode
