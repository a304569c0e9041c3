// AVX2 integer dot products (see quant_dot.h): maddubs (u8 x s8 -> s16 pairs)
// then madd (s16 pairs -> s32), one 256-bit vector per 32 elements. Compiled
// with function-level target attributes and only called where CPUID reports
// AVX2 + FMA + F16C.
//
// Loop order: the kernels take one weight row at a time, decode each of its
// blocks once and run it against the tile's activation rows (at most
// kTileTokens, which stay in L1), so a weight byte is read once per tile.
//
// Unsigned levels go straight into maddubs; a constant offset of a type (q4_0
// stores level + 8) is taken back with the activation block sum the
// quantizer keeps (sum(q * a) - 8 * sum(a)). Signed levels (q8_0, iq4) use
// maddubs(|w|, sign(a, w)). No sum can saturate: |w| <= 128 and |a| <= 127
// give pairs of at most 32512.
#include <immintrin.h>

#include <cstring>

#include "backend/cpu/quant_dot.h"
#include "core/bytes.h"

#define HEARTH_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace hearth::backend::cpu {

namespace {

using tensor::DType;

// --- helpers -----------------------------------------------------------------

HEARTH_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

HEARTH_AVX2 inline int32_t hsum_i32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

HEARTH_AVX2 inline float f16(const uint8_t* p) { return _cvtsh_ss(load_le<uint16_t>(p)); }

// 16 bytes of nibbles -> 32 bytes: the low nibbles, then the high ones.
HEARTH_AVX2 inline __m256i nibbles32(const uint8_t* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(v, 4), v), _mm256_set1_epi8(0x0f));
}

// Byte j = 0x10 where bit j of bits is set, else 0.
HEARTH_AVX2 inline __m256i fifth_bits(uint32_t bits) {
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int32_t>(bits)),
      _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303));
  const __m256i bit = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
  return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(spread, bit), bit), _mm256_set1_epi8(0x10));
}

const int8_t kIq4Levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

HEARTH_AVX2 inline __m256i iq4_lut() {
  return _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(kIq4Levels)));
}

// --- weight types with blocks of 32 (Q8_0 partner) ---------------------------
//
// Each type: kBytes per block, levels() -> the 32 levels in element order,
// scale(), and optionally min() (kMin), a level offset kBias (x = d * (level -
// kBias)), kSigned for signed levels.

struct Q4_0 {  // 18 B: f16 d | 16 B nibbles. Reads 18 B, 64 FLOPs (32 MACs) per block and token.
  static constexpr size_t kBytes = 18;
  static constexpr int kBias = 8;
  static constexpr bool kMin = false, kSigned = false;
  HEARTH_AVX2 static __m256i levels(const uint8_t* b) { return nibbles32(b + 2); }
  HEARTH_AVX2 static float scale(const uint8_t* b) { return f16(b); }
  static float min(const uint8_t*) { return 0.0f; }
};

struct Q4_1 {  // 20 B: f16 d | f16 m | 16 B nibbles. Reads 20 B, 64 FLOPs per block and token.
  static constexpr size_t kBytes = 20;
  static constexpr int kBias = 0;
  static constexpr bool kMin = true, kSigned = false;
  HEARTH_AVX2 static __m256i levels(const uint8_t* b) { return nibbles32(b + 4); }
  HEARTH_AVX2 static float scale(const uint8_t* b) { return f16(b); }
  HEARTH_AVX2 static float min(const uint8_t* b) { return f16(b + 2); }
};

struct Q5_0 {  // 22 B: f16 d | u32 fifth bits | 16 B nibbles. Reads 22 B, 64 FLOPs per block and token.
  static constexpr size_t kBytes = 22;
  static constexpr int kBias = 16;
  static constexpr bool kMin = false, kSigned = false;
  HEARTH_AVX2 static __m256i levels(const uint8_t* b) { return _mm256_or_si256(nibbles32(b + 6), fifth_bits(load_le<uint32_t>(b + 2))); }
  HEARTH_AVX2 static float scale(const uint8_t* b) { return f16(b); }
  static float min(const uint8_t*) { return 0.0f; }
};

struct Q5_1 {  // 24 B: f16 d | f16 m | u32 fifth bits | 16 B nibbles. Reads 24 B, 64 FLOPs per block and token.
  static constexpr size_t kBytes = 24;
  static constexpr int kBias = 0;
  static constexpr bool kMin = true, kSigned = false;
  HEARTH_AVX2 static __m256i levels(const uint8_t* b) { return _mm256_or_si256(nibbles32(b + 8), fifth_bits(load_le<uint32_t>(b + 4))); }
  HEARTH_AVX2 static float scale(const uint8_t* b) { return f16(b); }
  HEARTH_AVX2 static float min(const uint8_t* b) { return f16(b + 2); }
};

struct Q8_0 {  // 34 B: f16 d | 32 x i8. Reads 34 B, 64 FLOPs per block and token.
  static constexpr size_t kBytes = 34;
  static constexpr int kBias = 0;
  static constexpr bool kMin = false, kSigned = true;
  HEARTH_AVX2 static __m256i levels(const uint8_t* b) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 2)); }
  HEARTH_AVX2 static float scale(const uint8_t* b) { return f16(b); }
  static float min(const uint8_t*) { return 0.0f; }
};

struct IQ4_NL {  // 18 B: f16 d | 16 B nibble codes into 16 levels. Reads 18 B, 64 FLOPs per block and token.
  static constexpr size_t kBytes = 18;
  static constexpr int kBias = 0;
  static constexpr bool kMin = false, kSigned = true;
  HEARTH_AVX2 static __m256i levels(const uint8_t* b) { return _mm256_shuffle_epi8(iq4_lut(), nibbles32(b + 2)); }
  HEARTH_AVX2 static float scale(const uint8_t* b) { return f16(b); }
  static float min(const uint8_t*) { return 0.0f; }
};

template <class Q, int NT>
HEARTH_AVX2 void rows32(int64_t k, const uint8_t* w, size_t w_stride, int nr, const uint8_t* a, size_t a_stride,
                        float* out, size_t out_stride) {
  const int64_t nb = k / 32;
  const __m256i ones = _mm256_set1_epi16(1);
  for (int r = 0; r < nr; ++r) {
    const uint8_t* wr = w + r * w_stride;
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk = wr + b * Q::kBytes;
      const __m256i q = Q::levels(blk);
      const __m256i qa = Q::kSigned ? _mm256_abs_epi8(q) : q;
      const __m256 dw = _mm256_set1_ps(Q::scale(blk));
      const float mw = Q::min(blk);
      for (int t = 0; t < NT; ++t) {
        const uint8_t* at = a + t * a_stride;
        const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(at + 32 * b));
        const float da = load_le<float>(at + k + 4 * b);
        const __m256i p = _mm256_maddubs_epi16(qa, Q::kSigned ? _mm256_sign_epi8(av, q) : av);
        __m256i i = _mm256_madd_epi16(p, ones);
        if constexpr (Q::kBias != 0 || Q::kMin) {
          const int32_t sum = static_cast<int32_t>(load_le<uint32_t>(at + k + 4 * nb + 4 * b));
          if constexpr (Q::kBias != 0) i = _mm256_add_epi32(i, _mm256_zextsi128_si256(_mm_cvtsi32_si128(-Q::kBias * sum)));
          if constexpr (Q::kMin)
            acc[t] = _mm256_add_ps(acc[t], _mm256_zextps128_ps256(_mm_set_ss(mw * (da * static_cast<float>(sum)))));
        }
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(i), _mm256_mul_ps(dw, _mm256_set1_ps(da)), acc[t]);
      }
    }
    for (int t = 0; t < NT; ++t) out[t * out_stride + r] = hsum(acc[t]);
  }
}

// --- weight types with super-blocks of 256 (Q8_K partner) --------------------
//
// A super-block is first unpacked into the form every such type shares, in L1:
//   x[i] = d * S[g] * (q[i] - bias) - dmin * M[g],  g = i / 16,
// with q unsigned (or signed levels, kSigned), and then dotted with each
// activation row: sum_g S[g] * sum(q * a) (maddubs, then madd with the scales)
// minus sum_g m[g] * bsum[g], where m[g] is bias * S[g] (kMinScale false: the
// same float factor) or M[g] (kMinScale: its own factor dmin).
struct alignas(32) Unpacked {
  uint8_t q[256];     // levels (|level| for signed types)
  int8_t sgn[256];    // the signed levels (signed types only)
  int16_t sv[8][16];  // per 32 elements: S of its first group of 16 (8 lanes), then of its second
  int16_t m[16];      // per group of 16: the factor of its activation sum
  float d, dmin;
};

// The word g (0..7) of each 128-bit lane into all 8 words of the lane.
HEARTH_AVX2 inline __m256i word_pattern(int lo_word, int hi_word) {
  const int8_t l0 = static_cast<int8_t>(2 * lo_word), l1 = static_cast<int8_t>(2 * lo_word + 1);
  const int8_t h0 = static_cast<int8_t>(2 * hi_word), h1 = static_cast<int8_t>(2 * hi_word + 1);
  return _mm256_setr_epi8(l0, l1, l0, l1, l0, l1, l0, l1, l0, l1, l0, l1, l0, l1, l0, l1,  //
                          h0, h1, h0, h1, h0, h1, h0, h1, h0, h1, h0, h1, h0, h1, h0, h1);
}

// From 16 scales (i16, groups of 16 in order) fills sv.
HEARTH_AVX2 inline void spread_scales16(__m256i s16, Unpacked& u) {
  const __m256i lo = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(s16));
  const __m256i hi = _mm256_broadcastsi128_si256(_mm256_extracti128_si256(s16, 1));
  for (int g = 0; g < 8; ++g) {
    const int w0 = (2 * g) % 8;
    const __m256i v = _mm256_shuffle_epi8(g < 4 ? lo : hi, word_pattern(w0, w0 + 1));
    _mm256_store_si256(reinterpret_cast<__m256i*>(u.sv[g]), v);
  }
}

// From 8 scales (i16, groups of 32) fills sv.
HEARTH_AVX2 inline void spread_scales8(__m128i s8, Unpacked& u) {
  const __m256i v = _mm256_broadcastsi128_si256(s8);
  for (int g = 0; g < 8; ++g)
    _mm256_store_si256(reinterpret_cast<__m256i*>(u.sv[g]), _mm256_shuffle_epi8(v, word_pattern(g, g)));
}

// The 6-bit scales and mins of q4_K/q5_K's 12 bytes: 8 + 8 bytes.
inline void scales_mins_k4(const uint8_t* s, uint64_t& sc, uint64_t& mn) {
  const uint32_t u0 = load_le<uint32_t>(s), u1 = load_le<uint32_t>(s + 4), u2 = load_le<uint32_t>(s + 8);
  const uint32_t sc_lo = u0 & 0x3f3f3f3f, mn_lo = u1 & 0x3f3f3f3f;
  const uint32_t sc_hi = (u2 & 0x0f0f0f0f) | ((u0 >> 2) & 0x30303030);
  const uint32_t mn_hi = ((u2 >> 4) & 0x0f0f0f0f) | ((u1 >> 2) & 0x30303030);
  sc = sc_lo | static_cast<uint64_t>(sc_hi) << 32;
  mn = mn_lo | static_cast<uint64_t>(mn_hi) << 32;
}

// The 16 signed 6-bit scales of q3_K's 12 bytes.
inline void scales_q3(const uint8_t* s, int8_t out[16]) {
  const uint32_t a0 = load_le<uint32_t>(s), a1 = load_le<uint32_t>(s + 4), a2 = load_le<uint32_t>(s + 8);
  const uint32_t v[4] = {
      (a0 & 0x0f0f0f0f) | ((a2 & 0x03030303) << 4),
      (a1 & 0x0f0f0f0f) | (((a2 >> 2) & 0x03030303) << 4),
      ((a0 >> 4) & 0x0f0f0f0f) | (((a2 >> 4) & 0x03030303) << 4),
      ((a1 >> 4) & 0x0f0f0f0f) | (((a2 >> 6) & 0x03030303) << 4),
  };
  uint8_t bytes[16];
  std::memcpy(bytes, v, 16);
  for (int g = 0; g < 16; ++g) out[g] = static_cast<int8_t>(bytes[g] - 32);
}

HEARTH_AVX2 inline void store32(void* p, __m256i v) { _mm256_store_si256(static_cast<__m256i*>(p), v); }
HEARTH_AVX2 inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Each K type: kBytes, flags, and unpack() (per weight row and super-block,
// its cost shared by the tile's tokens). Per super-block and token every one
// does 256 MACs (512 FLOPs).

struct Q2_K {  // 84 B: 16 scale/min nibbles | 64 B of 2-bit levels | f16 d, dmin
  static constexpr size_t kBytes = 84;
  static constexpr bool kSigned = false, kMinScale = true, kHasM = true;
  HEARTH_AVX2 static void unpack(const uint8_t* b, Unpacked& u) {
    u.d = f16(b + 80), u.dmin = f16(b + 82);
    const __m128i sm = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i nib = _mm_set1_epi8(0x0f);
    spread_scales16(_mm256_cvtepu8_epi16(_mm_and_si128(sm, nib)), u);
    store32(u.m, _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sm, 4), nib)));
    const __m256i three = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; ++h) {
      const __m256i q = load32(b + 16 + 32 * h);
      for (int kk = 0; kk < 4; ++kk)
        store32(u.q + 128 * h + 32 * kk, _mm256_and_si256(_mm256_srli_epi16(q, 2 * kk), three));
    }
  }
};

struct Q3_K {  // 110 B: 32 B high bits | 64 B of 2-bit low bits | 12 B scales | f16 d
  static constexpr size_t kBytes = 110;
  static constexpr bool kSigned = false, kMinScale = false, kHasM = true;
  HEARTH_AVX2 static void unpack(const uint8_t* b, Unpacked& u) {
    u.d = f16(b + 108), u.dmin = 0.0f;
    alignas(16) int8_t s[16];
    scales_q3(b + 96, s);
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_load_si128(reinterpret_cast<const __m128i*>(s)));
    spread_scales16(s16, u);
    store32(u.m, _mm256_slli_epi16(s16, 2));  // level - 4: bias 4
    const __m256i three = _mm256_set1_epi8(3), one = _mm256_set1_epi8(1);
    const __m256i hm = load32(b);
    for (int h = 0; h < 2; ++h) {
      const __m256i q = load32(b + 32 + 32 * h);
      for (int kk = 0; kk < 4; ++kk) {
        const __m256i lo = _mm256_and_si256(_mm256_srli_epi16(q, 2 * kk), three);
        const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(hm, 4 * h + kk), one);
        store32(u.q + 128 * h + 32 * kk, _mm256_or_si256(lo, _mm256_slli_epi16(hi, 2)));
      }
    }
  }
};

struct Q4_K {  // 144 B: f16 d, dmin | 12 B scales/mins | 128 B nibbles
  static constexpr size_t kBytes = 144;
  static constexpr bool kSigned = false, kMinScale = true, kHasM = true;
  HEARTH_AVX2 static void unpack_scales(const uint8_t* b, Unpacked& u) {
    u.d = f16(b), u.dmin = f16(b + 2);
    uint64_t sc, mn;
    scales_mins_k4(b + 4, sc, mn);
    spread_scales8(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(sc))), u);
    const __m256i m8 = _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(_mm_cvtsi64_si128(static_cast<int64_t>(mn))));
    store32(u.m, _mm256_shuffle_epi8(m8, _mm256_setr_epi8(0, 1, 0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9, 8, 9, 10,
                                                          11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15)));
  }
  HEARTH_AVX2 static void unpack(const uint8_t* b, Unpacked& u) {
    unpack_scales(b, u);
    const __m256i nib = _mm256_set1_epi8(0x0f);
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(b + 16 + 32 * c);
      store32(u.q + 64 * c, _mm256_and_si256(q, nib));
      store32(u.q + 64 * c + 32, _mm256_and_si256(_mm256_srli_epi16(q, 4), nib));
    }
  }
};

struct Q5_K {  // 176 B: f16 d, dmin | 12 B scales/mins | 32 B fifth bits | 128 B nibbles
  static constexpr size_t kBytes = 176;
  static constexpr bool kSigned = false, kMinScale = true, kHasM = true;
  HEARTH_AVX2 static void unpack(const uint8_t* b, Unpacked& u) {
    Q4_K::unpack_scales(b, u);
    const __m256i nib = _mm256_set1_epi8(0x0f), one = _mm256_set1_epi8(1);
    const __m256i qh = load32(b + 16);
    for (int c = 0; c < 4; ++c) {
      const __m256i q = load32(b + 48 + 32 * c);
      const __m256i h0 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c), one), 4);
      const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2 * c + 1), one), 4);
      store32(u.q + 64 * c, _mm256_or_si256(_mm256_and_si256(q, nib), h0));
      store32(u.q + 64 * c + 32, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), nib), h1));
    }
  }
};

struct Q6_K {  // 210 B: 128 B low nibbles | 64 B high 2-bit pairs | 16 x i8 scales | f16 d
  static constexpr size_t kBytes = 210;
  static constexpr bool kSigned = false, kMinScale = false, kHasM = true;
  HEARTH_AVX2 static void unpack(const uint8_t* b, Unpacked& u) {
    u.d = f16(b + 208), u.dmin = 0.0f;
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + 192)));
    spread_scales16(s16, u);
    store32(u.m, _mm256_slli_epi16(s16, 5));  // level - 32: bias 32
    const __m256i nib = _mm256_set1_epi8(0x0f), top = _mm256_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
      const __m256i l0 = load32(b + 64 * h), l1 = load32(b + 64 * h + 32), qh = load32(b + 128 + 32 * h);
      uint8_t* q = u.q + 128 * h;
      store32(q, _mm256_or_si256(_mm256_and_si256(l0, nib), _mm256_and_si256(_mm256_slli_epi16(qh, 4), top)));
      store32(q + 32, _mm256_or_si256(_mm256_and_si256(l1, nib), _mm256_and_si256(_mm256_slli_epi16(qh, 2), top)));
      store32(q + 64, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), nib), _mm256_and_si256(qh, top)));
      store32(q + 96, _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), nib),
                                      _mm256_and_si256(_mm256_srli_epi16(qh, 2), top)));
    }
  }
};

struct IQ4_XS {  // 136 B: f16 d | u16 high scale bits | 4 B low scale nibbles | 128 B nibble codes
  static constexpr size_t kBytes = 136;
  static constexpr bool kSigned = true, kMinScale = false, kHasM = false;
  HEARTH_AVX2 static void unpack(const uint8_t* b, Unpacked& u) {
    u.d = f16(b), u.dmin = 0.0f;
    const unsigned sh = load_le<uint16_t>(b + 2);
    alignas(16) int16_t s[8];
    for (int g = 0; g < 8; ++g) s[g] = static_cast<int16_t>((((b[4 + g / 2] >> (4 * (g % 2))) & 15) | (((sh >> (2 * g)) & 3) << 4)) - 32);
    spread_scales8(_mm_load_si128(reinterpret_cast<const __m128i*>(s)), u);
    const __m256i lut = iq4_lut();
    for (int g = 0; g < 8; ++g) {
      const __m256i v = _mm256_shuffle_epi8(lut, nibbles32(b + 8 + 16 * g));
      store32(u.sgn + 32 * g, v);
      store32(u.q + 32 * g, _mm256_abs_epi8(v));
    }
  }
};

template <class Q, int NT>
HEARTH_AVX2 void rowsK(int64_t k, const uint8_t* w, size_t w_stride, int nr, const uint8_t* a, size_t a_stride,
                       float* out, size_t out_stride) {
  const int64_t nb = k / 256;
  Unpacked u;
  for (int r = 0; r < nr; ++r) {
    const uint8_t* wr = w + r * w_stride;
    __m256 acc[NT];
    for (int t = 0; t < NT; ++t) acc[t] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      Q::unpack(wr + b * Q::kBytes, u);
      for (int t = 0; t < NT; ++t) {
        const uint8_t* at = a + t * a_stride;
        const uint8_t* aq = at + 256 * b;
        const float da = load_le<float>(at + k + 4 * b);
        __m256i isum = _mm256_setzero_si256();
        for (int g = 0; g < 8; ++g) {
          const __m256i av = load32(aq + 32 * g);
          const __m256i qa = _mm256_load_si256(reinterpret_cast<const __m256i*>(u.q + 32 * g));
          const __m256i p = _mm256_maddubs_epi16(
              qa, Q::kSigned ? _mm256_sign_epi8(av, _mm256_load_si256(reinterpret_cast<const __m256i*>(u.sgn + 32 * g)))
                             : av);
          isum = _mm256_add_epi32(isum, _mm256_madd_epi16(p, _mm256_load_si256(reinterpret_cast<const __m256i*>(u.sv[g]))));
        }
        if constexpr (Q::kHasM) {
          const __m256i bs = load32(at + k + 4 * nb + 32 * b);
          const __m256i msum = _mm256_madd_epi16(bs, _mm256_load_si256(reinterpret_cast<const __m256i*>(u.m)));
          if constexpr (Q::kMinScale) {
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(msum), _mm256_set1_ps(-u.dmin * da), acc[t]);
          } else {
            isum = _mm256_sub_epi32(isum, msum);
          }
        }
        acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum), _mm256_set1_ps(u.d * da), acc[t]);
      }
    }
    for (int t = 0; t < NT; ++t) out[t * out_stride + r] = hsum(acc[t]);
  }
}

// --- dispatch ----------------------------------------------------------------

template <class Q, template <class, int> class Rows>
HEARTH_AVX2 void gemm(int64_t k, const uint8_t* w, size_t w_stride, int nr, const uint8_t* a, size_t a_stride, int nt,
                      float* out, size_t out_stride) {
  // Token counts 1..4 and 8 have their own code; the others run as a sum of those.
  if (nt > 4 && nt != 8) {
    const int first = nt > 8 ? 8 : 4;
    gemm<Q, Rows>(k, w, w_stride, nr, a, a_stride, first, out, out_stride);
    return gemm<Q, Rows>(k, w, w_stride, nr, a + first * a_stride, a_stride, nt - first, out + first * out_stride,
                         out_stride);
  }
  switch (nt) {
    case 1: return Rows<Q, 1>::run(k, w, w_stride, nr, a, a_stride, out, out_stride);
    case 2: return Rows<Q, 2>::run(k, w, w_stride, nr, a, a_stride, out, out_stride);
    case 3: return Rows<Q, 3>::run(k, w, w_stride, nr, a, a_stride, out, out_stride);
    case 4: return Rows<Q, 4>::run(k, w, w_stride, nr, a, a_stride, out, out_stride);
    default: return Rows<Q, 8>::run(k, w, w_stride, nr, a, a_stride, out, out_stride);
  }
}

template <class Q, int NT>
struct Rows32 {
  HEARTH_AVX2 static void run(int64_t k, const uint8_t* w, size_t ws, int nr, const uint8_t* a, size_t as, float* out,
                              size_t os) {
    rows32<Q, NT>(k, w, ws, nr, a, as, out, os);
  }
};
template <class Q, int NT>
struct RowsK {
  HEARTH_AVX2 static void run(int64_t k, const uint8_t* w, size_t ws, int nr, const uint8_t* a, size_t as, float* out,
                              size_t os) {
    rowsK<Q, NT>(k, w, ws, nr, a, as, out, os);
  }
};

QuantKernels make_avx2() {
  QuantKernels q{};
  q.level = Level::Avx2;
  q.quantize[0] = quantize_q8_0_avx2;
  q.quantize[1] = quantize_q8_K_avx2;
  auto set = [&](DType t, QGemmFn f) { q.gemm[static_cast<uint32_t>(t)] = f; };
  set(DType::Q4_0, gemm<Q4_0, Rows32>);
  set(DType::Q4_1, gemm<Q4_1, Rows32>);
  set(DType::Q5_0, gemm<Q5_0, Rows32>);
  set(DType::Q5_1, gemm<Q5_1, Rows32>);
  set(DType::Q8_0, gemm<Q8_0, Rows32>);
  set(DType::IQ4_NL, gemm<IQ4_NL, Rows32>);
  set(DType::Q2_K, gemm<Q2_K, RowsK>);
  set(DType::Q3_K, gemm<Q3_K, RowsK>);
  set(DType::Q4_K, gemm<Q4_K, RowsK>);
  set(DType::Q5_K, gemm<Q5_K, RowsK>);
  set(DType::Q6_K, gemm<Q6_K, RowsK>);
  set(DType::IQ4_XS, gemm<IQ4_XS, RowsK>);
  return q;
}

}  // namespace

// --- activation quantizers -------------------------------------------------
//
// Bit-exact with tensor::quantize_row for finite inputs: the same f32
// operations (max |x|, the scale and its reciprocal by IEEE division, x * id),
// the same rounding (q8_0: half away from zero, as roundf; q8_K: to nearest
// even) and the same f16 rounding of q8_0's scale (F16C, nearest even).

// Rounds v half away from zero (roundf), exactly: v - trunc(v) is exact.
HEARTH_AVX2 static inline __m256i round_away(__m256 v) {
  const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m256 frac = _mm256_sub_ps(v, t);
  const __m256 sign = _mm256_and_ps(v, _mm256_set1_ps(-0.0f));
  const __m256 absf = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), frac);
  const __m256 step = _mm256_and_ps(_mm256_cmp_ps(absf, _mm256_set1_ps(0.5f), _CMP_GE_OQ), _mm256_or_ps(sign, _mm256_set1_ps(1.0f)));
  return _mm256_cvttps_epi32(_mm256_add_ps(t, step));
}

// Four vectors of 8 int32 (each in -128..127) -> 32 bytes in order.
HEARTH_AVX2 static inline __m256i pack_bytes(__m256i i0, __m256i i1, __m256i i2, __m256i i3) {
  const __m256i b = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
  return _mm256_permutevar8x32_epi32(b, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

HEARTH_AVX2 static inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

HEARTH_AVX2 static void quantize_q8_0_impl(const float* x, int64_t k, uint8_t* row) {
  const int64_t nb = k / 32;
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  for (int64_t b = 0; b < nb; ++b) {
    const float* xb = x + 32 * b;
    __m256 v[4];
    __m256 amax = _mm256_setzero_ps();
    for (int j = 0; j < 4; ++j) {
      v[j] = _mm256_loadu_ps(xb + 8 * j);
      amax = _mm256_max_ps(amax, _mm256_and_ps(v[j], abs_mask));
    }
    const float d = hmax(amax) / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    const float d16 = _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtps_ph(_mm_set_ss(d), _MM_FROUND_TO_NEAREST_INT)));
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int j = 0; j < 4; ++j) q[j] = round_away(_mm256_mul_ps(v[j], vid));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(row + 32 * b), pack_bytes(q[0], q[1], q[2], q[3]));
    const int32_t sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3])));
    std::memcpy(row + k + 4 * b, &d16, 4);
    std::memcpy(row + k + 4 * nb + 4 * b, &sum, 4);
  }
}

HEARTH_AVX2 static void quantize_q8_K_impl(const float* x, int64_t k, uint8_t* row) {
  const int64_t nb = k / 256;
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  for (int64_t b = 0; b < nb; ++b) {
    const float* xb = x + 256 * b;
    uint8_t* qs = row + 256 * b;
    __m256 amax_v = _mm256_setzero_ps();
    for (int j = 0; j < 32; ++j) amax_v = _mm256_max_ps(amax_v, _mm256_and_ps(_mm256_loadu_ps(xb + 8 * j), abs_mask));
    const float amax = hmax(amax_v);
    uint8_t* bs = row + k + 4 * nb + 32 * b;
    if (amax == 0.0f) {
      std::memset(qs, 0, 256);
      std::memset(row + k + 4 * b, 0, 4);
      std::memset(bs, 0, 32);
      continue;
    }
    // The signed value of the first element of largest magnitude.
    float max = 0.0f;
    const __m256 vamax = _mm256_set1_ps(amax);
    for (int j = 0; j < 32; ++j) {
      const int m = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(xb + 8 * j), abs_mask), vamax, _CMP_EQ_OQ));
      if (m) {
        max = xb[8 * j + __builtin_ctz(static_cast<unsigned>(m))];
        break;
      }
    }
    const float iscale = -127.0f / max;
    const __m256 vis = _mm256_set1_ps(iscale);
    const __m256i top = _mm256_set1_epi32(127);
    alignas(32) int16_t sums[16];
    for (int g = 0; g < 8; ++g) {  // 32 elements: two groups of 16
      __m256i q[4];
      for (int j = 0; j < 4; ++j)
        q[j] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xb + 32 * g + 8 * j), vis)), top);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs + 32 * g), pack_bytes(q[0], q[1], q[2], q[3]));
      sums[2 * g] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[0], q[1])));
      sums[2 * g + 1] = static_cast<int16_t>(hsum_i32(_mm256_add_epi32(q[2], q[3])));
    }
    const float d = 1 / iscale;
    std::memcpy(row + k + 4 * b, &d, 4);
    std::memcpy(bs, sums, 32);
  }
}

void quantize_q8_0_avx2(const float* x, int64_t k, uint8_t* row) { quantize_q8_0_impl(x, k, row); }
void quantize_q8_K_avx2(const float* x, int64_t k, uint8_t* row) { quantize_q8_K_impl(x, k, row); }

const QuantKernels* quant_kernels_avx2() {
  if (detected_level() < Level::Avx2) return nullptr;
  static const QuantKernels q = make_avx2();
  return &q;
}

}  // namespace hearth::backend::cpu
