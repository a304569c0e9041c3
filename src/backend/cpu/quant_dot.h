#pragma once
// Integer dot products of quantized weight rows with quantized activation
// rows: the inner loops of CpuBackend::matmul for quantized weights.
//
// Each matmul quantizes its f32 activation rows once into the partner type of
// the weights, in a layout of our own (structure of arrays, so that the SIMD
// kernels load whole vectors), one row per token:
//
//   Q8_0 partner (weights in blocks of 32: q4_0 q4_1 q5_0 q5_1 q8_0 iq4_nl)
//     i8 qs[K] | f32 d[K/32] | i32 sum[K/32]
//   Q8_K partner (weights in super-blocks of 256: q2_K..q6_K, iq4_xs)
//     i8 qs[K] | f32 d[K/256] | i16 bsum[K/16]
//
// The values are exactly those of tensor::quantize_row(Q8_0 / Q8_K): qs and
// the scale (for Q8_0 the f16 scale, widened to f32), plus the sum of the qs
// of each block of 32 (Q8_0) or group of 16 (Q8_K, its bsums).
//
// A level (scalar, avx2, avx512bw, avx512vnni) provides the quantizers and,
// for each weight type it accelerates, a tile kernel computing up to
// kTileRows weight rows x kTileTokens activation rows (and, at the VNNI level,
// prompt kernels on "wide" activation rows, below). The scalar level is the
// reference: vec_dot_scalar is one weight row . one activation row, integer
// sums per block, then scaled and summed in double. Files: quant_dot_scalar.cpp,
// quant_dot_avx2.cpp, quant_dot_avx512.h (compiled by quant_dot_avx512bw.cpp
// and quant_dot_avx512vnni.cpp); the matmul around them is quant_matmul.h.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/cpu/cpu_features.h"
#include "tensor/dtype.h"

namespace hearth::backend::cpu {

enum class ActType { Q8_0, Q8_K };

constexpr int kTileRows = 8;
constexpr int kTileTokens = 16;

// The activation type the integer kernels of weight type w take. Only
// meaningful where vec_dot_scalar supports w.
ActType act_type_for(tensor::DType w);
// Bytes of one quantized activation row of k elements, rounded up to 64 so
// that rows laid back to back stay 64-byte aligned.
size_t act_row_bytes(ActType act, int64_t k);

// Quantizes x[0..k) into one activation row (k a multiple of 32 or 256).
using QuantizeActFn = void (*)(const float* x, int64_t k, uint8_t* row);

// out[t * out_stride + r] = weight row r . activation row t, for r < nr and
// t < nt (1 <= nr <= kTileRows, 1 <= nt <= kTileTokens). Weight row r starts
// at w + r * w_stride, activation row t at a + t * a_stride; k is the row
// length in elements (a multiple of the weight type's block).
using QGemmFn = void (*)(int64_t k, const uint8_t* w, size_t w_stride, int nr, const uint8_t* a, size_t a_stride,
                         int nt, float* out, size_t out_stride);

constexpr int kDTypeSlots = 40;  // DType ids 0..39

struct QuantKernels {
  Level level;
  QuantizeActFn quantize[2];   // by ActType
  QGemmFn gemm[kDTypeSlots];   // by DType id; nullptr where this level has none
  // Prompt kernels on wide activation rows (below), where the level has them;
  // the same contract as gemm otherwise.
  QGemmFn gemm_wide[kDTypeSlots];

  QGemmFn find(tensor::DType w) const {
    const auto id = static_cast<uint32_t>(w);
    return id < kDTypeSlots ? gemm[id] : nullptr;
  }
  QGemmFn find_wide(tensor::DType w) const {
    const auto id = static_cast<uint32_t>(w);
    return id < kDTypeSlots ? gemm_wide[id] : nullptr;
  }
};

// Wide activation rows, for the prompt kernels (many tokens per weight row):
// the row in lanes of 32 consecutive elements (a q8_0 block, or a 32-element
// slice of a q8_K super-block), 16 lanes per group of 512 elements, the last
// group padded with zero lanes. Per group (kWideGroupBytes):
//   i8  q[8][16][4]   q[j][i][e] = element 32 i + 4 j + e of the group
//   f32 d[16]         the lane's scale
//   f32 dsum[16]      d x the sum of the lane's 32 q
//   f32 dsum_lo[16]   d x the sum of its first 16 q
//   f32 dsum_hi[16]   d x the sum of its last 16 q
// so that one 512-bit integer dot with lane i holding one weight block (or
// group) accumulates that block's whole sum in lane i: eight of them per
// group, then one conversion and one multiply-add with 16 scales.
constexpr size_t kWideGroupBytes = 512 + 4 * 64;
size_t wide_row_bytes(int64_t k);
// Rearranges one activation row (of act_type, k elements) into a wide row.
void widen_act_row(ActType act, const uint8_t* row, int64_t k, uint8_t* wide);

// --- the scalar reference --------------------------------------------------

// True when vec_dot_scalar supports weight type w.
bool has_vec_dot(tensor::DType w);
// One weight row (k elements of type w) . one activation row of act_type_for(w).
float vec_dot_scalar(tensor::DType w, int64_t k, const void* w_row, const uint8_t* act_row);
// The scale of the rounding error a fast kernel's float arithmetic may add to
// that dot product: the sum over blocks of |float factor| x the sum of
// |partial products| its integer part is made of (levels counted with the
// largest offset a kernel may add to them). Tests bound the difference
// between a level and the reference by (blocks + 10) * 2^-23 * this.
double vec_dot_magnitude(tensor::DType w, int64_t k, const void* w_row, const uint8_t* act_row);
// The reference quantizers: tensor::quantize_row, then rearranged.
void quantize_act_scalar(ActType act, const float* x, int64_t k, uint8_t* row);

// --- levels ----------------------------------------------------------------

const QuantKernels& quant_kernels_scalar();
// nullptr where the CPU lacks the level's instructions.
const QuantKernels* quant_kernels_avx2();
const QuantKernels* quant_kernels_avx512bw();
const QuantKernels* quant_kernels_avx512vnni();
// Every level this CPU runs, lowest first (scalar included).
std::vector<const QuantKernels*> supported_quant_kernels();
// The level chosen_level() names.
const QuantKernels& best_quant_kernels();

// The AVX2 activation quantizers (the AVX-512 levels use them too: they are
// O(K) per token against the matmul's O(K x rows)).
void quantize_q8_0_avx2(const float* x, int64_t k, uint8_t* row);
void quantize_q8_K_avx2(const float* x, int64_t k, uint8_t* row);

}  // namespace hearth::backend::cpu
