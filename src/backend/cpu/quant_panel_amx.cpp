// AMX-INT8 prompt kernels on panels (layouts in quant_panel.h) for the types
// in blocks of 32 (q4_0, q4_1, q5_0, q5_1, q8_0, iq4_nl) and for iq4_xs and
// q4_K, whose sub-blocks of 32 are blocks with a row scale each (and for
// q4_K mins once per super-block).
//
// A panel's block of 32 is already laid out as AMX wants its B operand: 8
// rows (steps of 4 elements) of 16 dword columns (weight rows). Decoded once
// per call to signed levels (level - bias) into a scratch copy of the whole
// panel, it meets 16 tokens at a time: A = the tokens' q8_0 levels of the
// block, read in place from the activation rows (32 bytes each, a_stride
// apart); one tdpbssd gives the 16 x 16 integer sums of the block, exactly
// the VNNI kernel's s (bias already taken out), and the accumulation after
// it is the VNNI kernel's too: acc[t] += float(s) * (row scales * token
// scale), in block order. So a token's result is bit for bit the same here
// and in quant_panel_avx512vnni.cpp, whatever its batch; tokens past the last
// whole 16 go to the VNNI kernels.
//
// Per block and 16 x 16 outputs: one tile multiply and, on the vector side,
// 16 x (convert, multiply, FMA), against 128 vpdpbusd and 48 others in the
// VNNI kernel: the vector side bounds it, at about 3x the VNNI rate.
#define HEARTH_T \
  __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c,amx-tile,amx-int8")))
// GCC 12's AVX-512 headers trip -Wuninitialized where inlined (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "backend/cpu/cpu_features.h"
#include "backend/cpu/quant_panel.h"
#include "backend/cpu/quant_panel_decode_avx512.h"
#include "backend/cpu/quant_panel_layout.h"
#include "core/bytes.h"
#include "core/aligned_bytes.h"
#include "core/error.h"

namespace hearth::backend::cpu {
namespace {

using tensor::DType;
using namespace panel_layout;
using namespace panel_decode;

constexpr int kGroup = 16;            // tokens per tile multiply
constexpr size_t kBlockTile = 512;    // bytes of one block's B tile (8 x 64)
constexpr size_t kSums = kGroup * 16;  // i32 sums of one block

// The tile shapes (palette 1): tmm0..3 the 16 x 16 i32 sums of four
// blocks; tmm4, tmm5 16 tokens x 32 levels; tmm6, tmm7 8 steps x 64 bytes of
// weights.
struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {64, 64, 64, 64, 32, 32, 64, 64};
  uint8_t rows[16] = {16, 16, 16, 16, 16, 16, 8, 8};
};
static_assert(sizeof(TileConfig) == 64);

// Per thread: the decoded panel, grown to the largest K seen.
thread_local AlignedBytes t_scratch;

// Block b's levels of the panel as signed bytes, into its B tile.
template <class P>
HEARTH_T void decode_signed(const uint8_t* panel, int64_t nb, uint8_t* tiles) {
  const __m512i bias = _mm512_set1_epi8(static_cast<char>(P::kBias));
  for (int64_t b = 0; b < nb; ++b) {
    __m512i w[8];
    decode_block<P>(panel, b, w);
    for (int s = 0; s < 8; ++s) _mm512_store_si512(tiles + kBlockTile * b + 64 * s, _mm512_sub_epi8(w[s], bias));
  }
}

// acc[t] += float(sums row t) * (row scales * token t's scale of block b),
// and for a type with mins + row mins * token t's term (its f32 at terms).
template <class P>
HEARTH_T inline void accumulate(const int32_t* sums, const uint8_t* panel, const uint8_t* a, size_t as, int64_t k,
                                size_t terms, int64_t b, __m512 acc[kGroup]) {
  if constexpr (P::kSuperMins)
    if (b % 8 == 0) k4_mins<kGroup>(panel + static_cast<size_t>(b / 8) * kQ4KBytes, a, as, b / 8, k, terms, acc);
  const __m512 dw = P::row_scales(panel, b);
  __m512 mw = _mm512_setzero_ps();
  if constexpr (P::kMin) mw = f16x16(panel + P::mins(b));
#pragma GCC unroll 16
  for (int t = 0; t < kGroup; ++t) {
    const __m512 da = _mm512_set1_ps(load_le<float>(a + t * as + k + 4 * P::act_scale(b)));
    acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_load_si512(sums + 16 * t)), _mm512_mul_ps(dw, da), acc[t]);
    if constexpr (P::kMin) acc[t] = _mm512_fmadd_ps(mw, _mm512_set1_ps(load_le<float>(a + t * as + terms + 4 * b)), acc[t]);
  }
}

// The tile sums of four blocks, b .. b + 3, into sums[0..3].
HEARTH_T inline void tile_quad(const uint8_t* a, size_t as, const uint8_t* tiles, int64_t b, int32_t (*sums)[kSums]) {
  _tile_zero(0);
  _tile_zero(1);
  _tile_zero(2);
  _tile_zero(3);
  _tile_loadd(4, a + 32 * b, as);
  _tile_loadd(6, tiles + kBlockTile * b, 64);
  _tile_loadd(5, a + 32 * (b + 1), as);
  _tile_loadd(7, tiles + kBlockTile * (b + 1), 64);
  _tile_dpbssd(0, 4, 6);
  _tile_dpbssd(1, 5, 7);
  _tile_loadd(4, a + 32 * (b + 2), as);
  _tile_loadd(6, tiles + kBlockTile * (b + 2), 64);
  _tile_loadd(5, a + 32 * (b + 3), as);
  _tile_loadd(7, tiles + kBlockTile * (b + 3), 64);
  _tile_dpbssd(2, 4, 6);
  _tile_dpbssd(3, 5, 7);
  _tile_stored(0, sums[0], 64);
  _tile_stored(1, sums[1], 64);
  _tile_stored(2, sums[2], 64);
  _tile_stored(3, sums[3], 64);
}

// acc += the sums of blocks 4q .. 4q + 3, scaled (accumulate).
template <class P>
HEARTH_T inline void add_quad(const uint8_t* panel, const int32_t (*sums)[kSums], const uint8_t* a, size_t as,
                              int64_t k, size_t terms, int64_t q, __m512 acc[kGroup]) {
  for (int j = 0; j < 4; ++j) accumulate<P>(sums[j], panel, a, as, k, terms, 4 * q + j, acc);
}

// Groups of 16 tokens (group g: activation rows a + 16 g as, a + (16 g + 1)
// as, ...) against the decoded panel, four blocks (a quad) at a time.
// Vector loads of what a tile store has just written wait until it reaches
// memory, so the sums of a quad are scaled and added only after the tile
// unit has been given the next quad (a ring of two sets of sums), the next
// group's first one at a group's end: measured best (bench_quant_matmul,
// K = 4864: 560 GFLOP/s a core against 460 with no lag and 500 with a lag
// of 2; crossing the groups' ends took K = 896 from 240 to 330).
template <class P>
HEARTH_T void groups16(int64_t k, const uint8_t* panel, const uint8_t* tiles, __mmask16 rows, const uint8_t* a,
                       size_t as, int64_t n_groups, float* out, size_t os) {
  const int64_t nb = k / 32, nq = nb / 4;
  const size_t terms = act_row_bytes(P::kAct, k);
  alignas(64) int32_t ring[2][4][kSums];
  alignas(64) int32_t tail[kSums];
  // Quad q of group g is the (g nq + q)-th given to the tile unit; its sums
  // go to ring[(g nq + q) % 2].
  auto slot = [&](int64_t g, int64_t q) { return ring[(g * nq + q) % 2]; };
  if (nq > 0) tile_quad(a, as, tiles, 0, slot(0, 0));
  for (int64_t g = 0; g < n_groups; ++g) {
    const uint8_t* ag = a + g * kGroup * as;
    __m512 acc[kGroup];
#pragma GCC unroll 16
    for (int t = 0; t < kGroup; ++t) acc[t] = _mm512_setzero_ps();
    for (int64_t q = 1; q < nq; ++q) {
      add_quad<P>(panel, slot(g, q - 1), ag, as, k, terms, q - 1, acc);
      tile_quad(ag, as, tiles, 4 * q, slot(g, q));
    }
    if (nq > 0) {
      if (g + 1 < n_groups) tile_quad(ag + kGroup * as, as, tiles, 0, slot(g + 1, 0));
      add_quad<P>(panel, slot(g, nq - 1), ag, as, k, terms, nq - 1, acc);
    }
    for (int64_t b = 4 * nq; b < nb; ++b) {
      _tile_zero(0);
      _tile_loadd(4, ag + 32 * b, as);
      _tile_loadd(6, tiles + kBlockTile * b, 64);
      _tile_dpbssd(0, 4, 6);
      _tile_stored(0, tail, 64);
      accumulate<P>(tail, panel, ag, as, k, terms, b, acc);
    }
#pragma GCC unroll 16
    for (int t = 0; t < kGroup; ++t) _mm512_mask_storeu_ps(out + (g * kGroup + t) * os, rows, acc[t]);
  }
}

template <class P, DType kType>
HEARTH_T void gemm32(int64_t k, const uint8_t* panel, int nr, const uint8_t* a, size_t as, int nt, float* out,
                     size_t os) {
  const int whole = nt / kGroup * kGroup;
  if (whole > 0) {
    const int64_t nb = k / 32;
    uint8_t* const tiles = t_scratch.reserve(kBlockTile * static_cast<size_t>(nb), "AMX scratch");
    decode_signed<P>(panel, nb, tiles);
    static const TileConfig config;
    _tile_loadconfig(&config);
    const __mmask16 rows = static_cast<__mmask16>((1u << nr) - 1);
    groups16<P>(k, panel, tiles, rows, a, as, whole / kGroup, out, os);
    _tile_release();
  }
  if (nt > whole) {
    static const PanelGemmFn vnni = find_panel_kernel(panel_kernels_avx512vnni(), kType);
    vnni(k, panel, nr, a + whole * as, as, nt - whole, out + whole * os, os);
  }
}

struct Table {
  PanelGemmFn fn[kDTypeSlots] = {};
  Table() {
    // The types without an AMX kernel keep their VNNI one.
    std::memcpy(fn, panel_kernels_avx512vnni(), sizeof fn);
    fn[static_cast<uint32_t>(DType::Q4_0)] = gemm32<Panel4_0, DType::Q4_0>;
    fn[static_cast<uint32_t>(DType::Q4_1)] = gemm32<Panel4_1, DType::Q4_1>;
    fn[static_cast<uint32_t>(DType::Q5_0)] = gemm32<Panel5_0, DType::Q5_0>;
    fn[static_cast<uint32_t>(DType::Q5_1)] = gemm32<Panel5_1, DType::Q5_1>;
    fn[static_cast<uint32_t>(DType::Q8_0)] = gemm32<Panel8_0, DType::Q8_0>;
    fn[static_cast<uint32_t>(DType::IQ4_NL)] = gemm32<PanelIQ4_NL, DType::IQ4_NL>;
    fn[static_cast<uint32_t>(DType::IQ4_XS)] = gemm32<PanelIQ4_XS, DType::IQ4_XS>;
    fn[static_cast<uint32_t>(DType::Q4_K)] = gemm32<PanelQ4_K, DType::Q4_K>;
  }
};

}  // namespace

const PanelGemmFn* panel_kernels_amx() {
  if (!amx_int8_usable()) return nullptr;
  static const Table table;
  return table.fn;
}

}  // namespace hearth::backend::cpu
