// AVX-512 VNNI matmul kernels on panels (layouts in quant_panel.h).
//
// A tile is one panel (16 weight rows, one per dword lane) x NT tokens, with
// NT float accumulators of 16 rows each in registers. Per block of 32 (or
// sub-block of a super-block) the panel's levels are decoded once into
// eight vectors (step s: elements 4s..4s+3 of all 16 rows) and run against
// each token: its integer sum starts from the token's offset term, takes
// eight vpdpbusd with 4 activation bytes broadcast from memory, and is then
// converted and multiplied into the accumulator with (row scales x token
// scale). Per block and token that is 8 dot instructions and 3 others; the
// decode is shared by the NT tokens. On Zen 4 the float multiply and FMA
// issue to the same pipes as vpdpbusd (the conversion, shifts and masks do
// not), so this runs at up to 8/10 of the dot peak; prompts reach about 2/3.
// Decode (NT = 1) streams each panel front to back at DRAM speed.
#define HEARTH_T __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
// GCC 12's AVX-512 headers trip -Wuninitialized where inlined (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <utility>

#include "backend/cpu/cpu_features.h"
#include "backend/cpu/quant_panel.h"
#include "backend/cpu/quant_panel_decode_avx512.h"
#include "backend/cpu/quant_panel_layout.h"
#include "core/bytes.h"

namespace hearth::backend::cpu {
namespace {

using tensor::DType;
using namespace panel_layout;

// Decoding one token does little arithmetic per weight byte, so a core's
// stream from DRAM is bound by how many lines are in flight: asking for the
// bytes Distance ahead of the kernel keeps more of them in flight than the
// hardware prefetcher alone does. The distances are measured
// (bench_quant_matmul, 2 MiB pages): blocks of 32 ask a pair of blocks at a
// time and read fastest 1.5 KiB ahead (q4_0 +7 %, q8_0 +5 % over 1 KiB);
// super-blocks ask 2.3-3.4 KiB at a time and read fastest 1 KiB ahead.
constexpr size_t kPrefetchBlocks32 = 1536, kPrefetchSuperBlocks = 1024;
template <size_t Distance>
HEARTH_T inline void prefetch_ahead(const uint8_t* p, size_t bytes) {
  for (size_t i = 0; i < bytes; i += 64) _mm_prefetch(reinterpret_cast<const char*>(p + Distance + i), _MM_HINT_T0);
}

using namespace panel_decode;

// The activation row's fields for blocks of 32 (quant_dot.h, quant_panel.h).
struct Act32 {
  int64_t k;
  size_t terms;  // offset of the i32 terms
  explicit Act32(int64_t k_) : k(k_), terms(act_row_bytes(ActType::Q8_0, k_)) {}
};

template <class P, int NT>
HEARTH_T void tile32(int64_t k, const uint8_t* panel, __mmask16 rows, const uint8_t* a, size_t as, float* out,
                     size_t os) {
  const int64_t nb = k / 32;
  const Act32 f(k);
  __m512 acc[NT];
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    if (NT == 1 && b % 2 == 0) prefetch_ahead<kPrefetchBlocks32>(panel + P::scales(b), P::kPairBytes);
    __m512i w[8];
    P::decode(panel + P::levels(b), w);
    const __m512 dw = f16x16(panel + P::scales(b));
    const __m512 mw = P::kMin ? f16x16(panel + P::mins(b)) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) {
      const uint8_t* at = a + t * as;
      // The bias term starts the integer sum; a min's term is a float.
      __m512i s = P::kMin ? _mm512_setzero_si512() : bcast32(at + f.terms + 4 * b);
#pragma GCC unroll 8
      for (int j = 0; j < 8; ++j) s = _mm512_dpbusd_epi32(s, w[j], bcast32(at + 32 * b + 4 * j));
      const __m512 da = _mm512_set1_ps(load_le<float>(at + k + 4 * b));
      acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, da), acc[t]);
      if constexpr (P::kMin) acc[t] = _mm512_fmadd_ps(mw, _mm512_set1_ps(load_le<float>(at + f.terms + 4 * b)), acc[t]);
    }
  }
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) _mm512_mask_storeu_ps(out + t * os, rows, acc[t]);
}

// The activation row's fields for super-blocks (quant_dot.h, quant_panel.h).
struct Act256 {
  int64_t k;
  size_t terms;
  explicit Act256(int64_t k_) : k(k_), terms(act_row_bytes(ActType::Q8_K, k_)) {}
};

// --- q4_K and q5_K --------------------------------------------------------------

// Sub-block J (32 elements) of a q4_K / q5_K super-block against NT tokens.
template <bool kFive, int J, int NT>
HEARTH_T inline void k4_sub(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, int64_t k,
                            __m512 acc[NT]) {
  constexpr int c = J / 2;
  __m512i w[8];
  const __m512i m = nibble_mask();
  for (int s = 0; s < 8; ++s) {
    const __m512i z = load64(p + (kFive ? q5K_low_at(c, s) : q4K_low_at(c, s)));
    w[s] = _mm512_and_si512(J % 2 ? _mm512_srli_epi16(z, 4) : z, m);
    if constexpr (kFive) w[s] = or_masked(w[s], move_bit<J, 4>(load64(p + q5K_high_at(s))), _mm512_set1_epi8(0x10));
  }
  const __m512 dsc = k4_row_scales(p, J);
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) {
    const uint8_t* at = a + t * as;
    __m512i s = _mm512_setzero_si512();
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) s = _mm512_dpbusd_epi32(s, w[j], bcast32(at + 256 * sb + 32 * J + 4 * j));
    const __m512 da = _mm512_set1_ps(load_le<float>(at + k + 4 * sb));
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dsc, da), acc[t]);
  }
}

template <bool kFive, int NT, int... J>
HEARTH_T inline void k4_subs(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, int64_t k,
                             __m512 acc[NT], std::integer_sequence<int, J...>) {
  (k4_sub<kFive, J, NT>(p, a, as, sb, k, acc), ...);
}

template <bool kFive>
struct SuperK4 {
  static constexpr size_t kBytes = kFive ? kQ5KBytes : kQ4KBytes;
  template <int NT>
  HEARTH_T static void add(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, const Act256& f, __m512 acc[NT]) {
    k4_mins<NT>(p, a, as, sb, f.k, f.terms, acc);
    k4_subs<kFive, NT>(p, a, as, sb, f.k, acc, std::make_integer_sequence<int, 8>());
  }
};

// --- q6_K ---------------------------------------------------------------------

// The i8 scales of group q (16 elements) of the panel's 16 rows, as i32.
HEARTH_T inline __m512i q6K_scales(const uint8_t* p, int q) {
  return _mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kQ6KScale + 16 * q)));
}

// Sub-block J (32 elements: scale groups 2J and 2J + 1) of a q6_K super-block.
template <int J, int NT>
HEARTH_T inline void q6K_sub(const uint8_t* p, __m512 d, const uint8_t* a, size_t as, int64_t sb, int64_t k,
                             size_t terms, __m512 acc[NT]) {
  constexpr int c = J / 2, g = J / 4, kk = J % 4;
  __m512i w[8];
  const __m512i m = nibble_mask(), top = _mm512_set1_epi8(0x30);
  for (int s = 0; s < 8; ++s) {
    const __m512i z = load64(p + q6K_low_at(c, s));
    const __m512i low = _mm512_and_si512(J % 2 ? _mm512_srli_epi16(z, 4) : z, m);
    w[s] = or_masked(low, move_bit<2 * kk, 4>(load64(p + q6K_high_at(g, s))), top);
  }
  const __m512i sc_lo = q6K_scales(p, 2 * J), sc_hi = q6K_scales(p, 2 * J + 1);
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) {
    const uint8_t* at = a + t * as;
    const uint8_t* aq = at + 256 * sb + 32 * J;
    __m512i lo = bcast32(at + terms + 4 * (16 * sb + 2 * J));
    __m512i hi = bcast32(at + terms + 4 * (16 * sb + 2 * J + 1));
    for (int j = 0; j < 4; ++j) lo = _mm512_dpbusd_epi32(lo, w[j], bcast32(aq + 4 * j));
    for (int j = 4; j < 8; ++j) hi = _mm512_dpbusd_epi32(hi, w[j], bcast32(aq + 4 * j));
    const __m512i s = _mm512_add_epi32(_mm512_mullo_epi32(lo, sc_lo), _mm512_mullo_epi32(hi, sc_hi));
    const __m512 da = _mm512_set1_ps(load_le<float>(at + k + 4 * sb));
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, da), acc[t]);
  }
}

template <int NT, int... J>
HEARTH_T inline void q6K_subs(const uint8_t* p, __m512 d, const uint8_t* a, size_t as, int64_t sb, int64_t k,
                              size_t terms, __m512 acc[NT], std::integer_sequence<int, J...>) {
  (q6K_sub<J, NT>(p, d, a, as, sb, k, terms, acc), ...);
}

struct SuperQ6K {
  static constexpr size_t kBytes = kQ6KBytes;
  template <int NT>
  HEARTH_T static void add(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, const Act256& f, __m512 acc[NT]) {
    q6K_subs<NT>(p, f16x16(p + kQ6KD), a, as, sb, f.k, f.terms, acc, std::make_integer_sequence<int, 8>());
  }
};

// --- q2_K ---------------------------------------------------------------------

// Sub-block J (32 elements: groups 2J and 2J + 1 of 16) of a q2_K super-block.
template <int J, int NT>
HEARTH_T inline void q2K_sub(const uint8_t* p, __m512 d, const uint8_t* a, size_t as, int64_t sb, __m512 da_of[NT],
                             __m512 acc[NT]) {
  constexpr int h = J / 4, pair = J % 4;
  __m512i w[8];
  const __m512i three = _mm512_set1_epi8(3);
  for (int s = 0; s < 8; ++s) {
    const __m512i z = load64(p + q2K_levels_at(h, s));
    w[s] = _mm512_and_si512(pair ? _mm512_srli_epi16(z, 2 * pair) : z, three);
  }
  const __m512i sc_lo = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kQ2KScale + 32 * J)));
  const __m512i sc_hi =
      _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + kQ2KScale + 32 * J + 16)));
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) {
    const uint8_t* aq = a + t * as + 256 * sb + 32 * J;
    __m512i lo = _mm512_setzero_si512(), hi = _mm512_setzero_si512();
    for (int j = 0; j < 4; ++j) lo = _mm512_dpbusd_epi32(lo, w[j], bcast32(aq + 4 * j));
    for (int j = 4; j < 8; ++j) hi = _mm512_dpbusd_epi32(hi, w[j], bcast32(aq + 4 * j));
    const __m512i s = _mm512_add_epi32(_mm512_mullo_epi32(lo, sc_lo), _mm512_mullo_epi32(hi, sc_hi));
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(d, da_of[t]), acc[t]);
  }
}

template <int NT, int... J>
HEARTH_T inline void q2K_subs(const uint8_t* p, __m512 d, const uint8_t* a, size_t as, int64_t sb, __m512 da_of[NT],
                              __m512 acc[NT], std::integer_sequence<int, J...>) {
  (q2K_sub<J, NT>(p, d, a, as, sb, da_of, acc), ...);
}

// The mins meet the q8_K row's own i16 sums of 16 (no terms).
struct SuperQ2K {
  static constexpr size_t kBytes = kQ2KBytes;
  template <int NT>
  HEARTH_T static void add(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, const Act256& f, __m512 acc[NT]) {
    const size_t da_at = static_cast<size_t>(f.k + 4 * sb);
    const size_t bsums = static_cast<size_t>(f.k + 4 * (f.k / 256));
    super_mins<8, NT>(p + kQ2KDmin, p + kQ2KMin, a, as, bsums + 32 * static_cast<size_t>(sb), da_at, acc);
    __m512 da_of[NT];
#pragma GCC unroll 16
    for (int t = 0; t < NT; ++t) da_of[t] = _mm512_set1_ps(load_le<float>(a + t * as + da_at));
    q2K_subs<NT>(p, f16x16(p + kQ2KD), a, as, sb, da_of, acc, std::make_integer_sequence<int, 8>());
  }
};

// --- iq4_xs -------------------------------------------------------------------

// Sub-block J (32 elements) of the iq4_xs super-block sb at p: iq4_nl's
// decode, the integer sum scaled by d * (ls - 32) (the AMX kernels' row
// scale; p's sub-block J is the panel's block J counted from p).
template <int J, int NT>
HEARTH_T inline void iq4XS_sub(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, int64_t k, size_t terms,
                               __m512 acc[NT]) {
  const int64_t b = 8 * sb + J;  // in the activation row
  __m512i w[8];
  PanelIQ4_XS::decode(p + PanelIQ4_XS::levels(J), w);
  const __m512 dw = PanelIQ4_XS::row_scales(p, J);
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) {
    const uint8_t* at = a + t * as;
    __m512i s = bcast32(at + terms + 4 * b);
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) s = _mm512_dpbusd_epi32(s, w[j], bcast32(at + 32 * b + 4 * j));
    const __m512 da = _mm512_set1_ps(load_le<float>(at + k + 4 * sb));
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), _mm512_mul_ps(dw, da), acc[t]);
  }
}

template <int NT, int... J>
HEARTH_T inline void iq4XS_subs(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, int64_t k, size_t terms,
                                __m512 acc[NT], std::integer_sequence<int, J...>) {
  (iq4XS_sub<J, NT>(p, a, as, sb, k, terms, acc), ...);
}

struct SuperIQ4XS {
  static constexpr size_t kBytes = kIQ4XSBytes;
  template <int NT>
  HEARTH_T static void add(const uint8_t* p, const uint8_t* a, size_t as, int64_t sb, const Act256& f, __m512 acc[NT]) {
    iq4XS_subs<NT>(p, a, as, sb, f.k, f.terms, acc, std::make_integer_sequence<int, 8>());
  }
};

// --- super-blocks of 256 ----------------------------------------------------------

// NT tokens against a panel of super-blocks of S::kBytes, S::add adding each.
template <class S, int NT>
HEARTH_T void tile256(int64_t k, const uint8_t* panel, __mmask16 rows, const uint8_t* a, size_t as, float* out,
                      size_t os) {
  const Act256 f(k);
  __m512 acc[NT];
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_ps();
  for (int64_t sb = 0; sb < k / 256; ++sb) {
    const uint8_t* p = panel + sb * S::kBytes;
    if (NT == 1) prefetch_ahead<kPrefetchSuperBlocks>(p, S::kBytes);
    S::template add<NT>(p, a, as, sb, f, acc);
  }
#pragma GCC unroll 16
  for (int t = 0; t < NT; ++t) _mm512_mask_storeu_ps(out + t * os, rows, acc[t]);
}

// --- dispatch -------------------------------------------------------------------

using TileFn = void (*)(int64_t, const uint8_t*, __mmask16, const uint8_t*, size_t, float*, size_t);

// Tokens in tiles of kBig, the rest in tiles of 8, 4, 2, 1.
template <int kBig, TileFn Big, TileFn T8, TileFn T4, TileFn T2, TileFn T1>
HEARTH_T void run_tiles(int64_t k, const uint8_t* panel, int nr, const uint8_t* a, size_t as, int nt, float* out,
                        size_t os) {
  const __mmask16 rows = static_cast<__mmask16>((1u << nr) - 1);
  auto step = [&](TileFn fn, int n) {
    fn(k, panel, rows, a, as, out, os);
    a += n * as, out += n * os, nt -= n;
  };
  while (nt >= kBig) step(Big, kBig);
  if (kBig > 8 && nt >= 8) step(T8, 8);
  if (nt >= 4) step(T4, 4);
  if (nt >= 2) step(T2, 2);
  if (nt >= 1) step(T1, 1);
}

template <class P>
constexpr PanelGemmFn gemm32 =
    run_tiles<16, tile32<P, 16>, tile32<P, 8>, tile32<P, 4>, tile32<P, 2>, tile32<P, 1>>;
template <class S>
constexpr PanelGemmFn gemm256 = run_tiles<16, tile256<S, 16>, tile256<S, 8>, tile256<S, 4>, tile256<S, 2>, tile256<S, 1>>;

struct Table {
  PanelGemmFn fn[kDTypeSlots] = {};
  Table() {
    fn[static_cast<uint32_t>(DType::Q4_0)] = gemm32<Panel4_0>;
    fn[static_cast<uint32_t>(DType::Q4_1)] = gemm32<Panel4_1>;
    fn[static_cast<uint32_t>(DType::Q5_0)] = gemm32<Panel5_0>;
    fn[static_cast<uint32_t>(DType::Q5_1)] = gemm32<Panel5_1>;
    fn[static_cast<uint32_t>(DType::Q8_0)] = gemm32<Panel8_0>;
    fn[static_cast<uint32_t>(DType::IQ4_NL)] = gemm32<PanelIQ4_NL>;
    fn[static_cast<uint32_t>(DType::Q4_K)] = gemm256<SuperK4<false>>;
    fn[static_cast<uint32_t>(DType::Q5_K)] = gemm256<SuperK4<true>>;
    fn[static_cast<uint32_t>(DType::Q6_K)] = gemm256<SuperQ6K>;
    fn[static_cast<uint32_t>(DType::IQ4_XS)] = gemm256<SuperIQ4XS>;
    fn[static_cast<uint32_t>(DType::Q2_K)] = gemm256<SuperQ2K>;
  }
};

}  // namespace

const PanelGemmFn* panel_kernels_avx512vnni() {
  if (detected_level() < Level::Avx512Vnni) return nullptr;
  static const Table table;
  return table.fn;
}

}  // namespace hearth::backend::cpu
