#pragma once
// Quantized weights repacked into panels of 16 rows for the AVX-512 VNNI
// matmul kernels (quant_panel_avx512vnni.cpp), prompt and decode alike.
//
// A panel holds rows 16p .. 16p + 15 (rows past the matrix are zero) so that
// one 64-byte vector holds the same 4 consecutive elements of all 16 rows,
// dword lane r = row r. One vpdpbusd of that vector with 4 activation bytes
// broadcast to every lane then advances 16 dot products at once, and the
// per-row scales of a block load as one vector of 16. The levels keep their
// bit width (a panel is as large as its rows, give or take padding to 64
// bytes); only their order changes, and so that a panel reads front to back
// as one stream (two streams a few KB apart read from DRAM at half the speed),
// each block's scales just before its levels. Per type, for one panel
// ("step" s of a 32-element block or sub-block = its elements 4s .. 4s + 3;
// vectors are 64 bytes, byte 4r + e of a vector belongs to row r):
//
//   blocks of 32, in pairs: f16 d[16] of the first block, f16 d[16] of the
//   second (zero when the row has an odd number of blocks and this is the
//   last), for q4_1 and q5_1 then f16 m[16] of each, then each block's
//   levels:
//     q4_0  4 vectors: vector j byte 4r+e = row r's qs byte 4j+e (low nibble:
//           element 4j+e, high: 16+4j+e; levels 0..15)
//     iq4_nl  q4_0's 4 vectors (the nibbles index the 16 non-linear levels)
//     q4_1  q4_0's 4 vectors
//     q5_0  q4_0's 4 vectors, then 1 vector whose byte 4r+e has at bit s the
//           fifth bit of element 4s+e
//     q5_1  q5_0's 5 vectors
//     q8_0  8 vectors: vector s byte 4r+e = level of element 4s+e plus 128
//   q4_K  per super-block of 256 (2368 bytes): f16 d[16], f16 dmin[16],
//         u8 scale[8][16] (sub-block, row), u8 min[4][16][2] (mins 2i and
//         2i+1 of row r side by side), then 32 vectors: vector 8c+s byte
//         4r+e = row r's qs byte 32c+4s+e (low nibble: sub-block 2c, step s;
//         high: sub-block 2c+1)
//   q5_K  per super-block of 256 (2880 bytes): q4_K's scales and mins, then
//         8 vectors of fifth bits (vector s byte 4r+e has at bit j the fifth
//         bit of element 32j+4s+e) and q4_K's 32 nibble vectors, chunk 0's
//         and the fifth bits alternating
//   q2_K  per super-block of 256 (1600 bytes): f16 d[16], f16 dmin[16], u8
//         scale[16][16] (group of 16, row), u8 min[8][16][2] (mins 2i and
//         2i+1 of row r side by side), then per half h of 128 elements 8
//         vectors: vector s byte 4r+e = row r's qs byte 32h+4s+e (bit pair j:
//         element 128h+32j+4s+e)
//   iq4_xs  per super-block of 256 (2240 bytes): f16 d[16], 32 zero bytes,
//         i8 scale[8][16] (sub-block j's ls - 32, row), then each sub-block's
//         4 nibble vectors as q4_0's (the nibbles index iq4_nl's levels)
//   q6_K  per super-block of 256 (3392 bytes): i8 scale[16][16] (group of 16,
//         row), f16 d[16], 32 zero bytes, then for each half g of 128
//         elements 8 vectors of top bits (vector s byte 4r+e has at bits 2k,
//         2k+1 the top two bits of element 128g+32k+4s+e) and 16 vectors of
//         low nibbles (vector s of chunk c = 2g, 2g+1 of 64 elements as
//         q4_K's, of the levels 0..63), in the order the kernel first reads
//         them: nibbles of 2g step s, top bits step s (s = 0..7), then the
//         nibbles of chunk 2g+1
//
// The kernels take activation rows in the layout of quant_dot.h followed by
// per-type terms (at act_row_bytes(act, k)) that fold each type's level
// offset into the integer sums:
//   q4_0, q5_0, q8_0, iq4_nl  i32 -bias * sum(block of 32)   (bias 8, 16,
//                             128, 128: iq4_nl's levels are looked up + 128)
//   q4_1, q5_1        f32 scale * sum(block of 32), times the row's min
//   q4_K, q5_K        i16 sum of each 32 elements (pairs 2i, 2i+1 as one dword)
//   q6_K              i32 -32 * sum(group of 16)
//   iq4_xs            i32 -128 * sum(sub-block of 32)
//   q2_K              none (the mins meet the row's i16 sums of 16)
#include <cstddef>
#include <cstdint>

#include "backend/cpu/quant_dot.h"
#include "tensor/dtype.h"

namespace hearth::backend::cpu {

constexpr int kPanelRows = 16;

// True when weight type w has a panel layout.
bool has_panel_layout(tensor::DType w);
// Bytes of one panel of rows of k elements (a multiple of 64).
size_t panel_bytes(tensor::DType w, int64_t k);
// Packs nr (1..16) rows of k elements, row r at rows + r * row_stride, into
// one panel (panel_bytes(w, k) bytes; rows nr..15 become zero).
void pack_panel(tensor::DType w, int64_t k, const uint8_t* rows, size_t row_stride, int nr, uint8_t* panel);
// The inverse: row r (0..15) of a panel back in ggml's block layout.
void unpack_panel_row(tensor::DType w, int64_t k, const uint8_t* panel, int r, uint8_t* row);

// Bytes of one activation row for the panel kernels of w (a multiple of 64).
size_t panel_act_row_bytes(tensor::DType w, int64_t k);
// Appends w's terms to an activation row already quantized (quant_dot.h
// layout) at the start of row.
void add_panel_act_terms(tensor::DType w, int64_t k, uint8_t* row);

// out[t * out_stride + r] = panel row r . activation row t for r < nr and t <
// nt (any nt >= 1); activation row t at a + t * a_stride (panel act layout).
using PanelGemmFn = void (*)(int64_t k, const uint8_t* panel, int nr, const uint8_t* a, size_t a_stride, int nt,
                             float* out, size_t out_stride);

// The AVX-512 VNNI panel kernels, by DType id (nullptr where a type has
// none); nullptr where the CPU lacks AVX-512 VNNI.
const PanelGemmFn* panel_kernels_avx512vnni();
// The same table with AMX-INT8 prompt kernels where a type has one (the
// blocks of 32: tokens in whole groups of 16 by tile multiplies, the rest by
// the VNNI kernels, with bit-identical results); nullptr where AMX-INT8 is
// not usable (cpu_features.h).
const PanelGemmFn* panel_kernels_amx();
inline PanelGemmFn find_panel_kernel(const PanelGemmFn* kernels, tensor::DType w) {
  const auto id = static_cast<uint32_t>(w);
  return kernels && id < kDTypeSlots ? kernels[id] : nullptr;
}

}  // namespace hearth::backend::cpu
