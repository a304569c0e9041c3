#pragma once
// The inner loops of the tiled attention (attention.h): scores of a block of
// K rows against a group of query rows, exp with the block's running max, and
// the probability-weighted sum of the V rows. Each level (scalar, avx2,
// avx512) provides all of them; the scalar level is the reference the others
// are tested against (its exp is std::exp). Files: attention_kernels_scalar.cpp,
// attention_kernels_avx2.cpp, attention_kernels_avx512.cpp.
//
// Strides count elements, not bytes. A "row" of K or V is one KV head's
// head_dim values of one cell; f16 and q8_0 rows are widened to f32 a block
// at a time first (widen_f16, dequantize_q8_0), so that the scores and the
// accumulation, which read each row once per few query rows, read f32.
#include <cstdint>

#include "backend/cpu/cpu_features.h"

namespace hearth::backend::cpu {

// s[i * s_stride + j] = k row j . q row i, for j < nc, i < nq; rows of d
// elements, k row j at k + j * k_stride, q row i at q + i * q_stride.
using ScoresFn = void (*)(const float* k, int64_t k_stride, int nc, const float* q, int64_t q_stride, int nq,
                          int64_t d, float* s, int64_t s_stride);
// The same scores with K in q8_0 blocks and q as Q8_0 activation rows
// (quant_dot.h: i8 qs[d] | f32 scale[d / 32] | ...), as llama.cpp computes
// them: per block of 32 the integer sum of products, times both scales. d is
// a multiple of 32; k row j at k + j * k_stride bytes, q row i at
// q + i * q_stride bytes.
using ScoresQ8_0Fn = void (*)(const uint8_t* k, size_t k_stride, int nc, const uint8_t* q, size_t q_stride, int nq,
                              int64_t d, float* s, int64_t s_stride);
// acc[i * acc_stride + e] += sum over j < nc of p[i * p_stride + j] * v[j * v_stride + e],
// for i < nq, e < d.
using AccumulateFn = void (*)(const float* v, int64_t v_stride, int nc, const float* p, int64_t p_stride, int nq,
                              int64_t d, float* acc, int64_t acc_stride);
// x[j] = exp(x[j] - max) for j < n; returns the sum of the new x[j].
using ExpSumFn = float (*)(float* x, int64_t n, float max);
// out[e] = f16 x[e] as f32, e < n.
using WidenF16Fn = void (*)(const uint16_t* x, int64_t n, float* out);
// Decodes nb consecutive q8_0 blocks (34 bytes each) into 32 * nb floats.
using DequantizeQ8_0Fn = void (*)(const uint8_t* blocks, int64_t nb, float* out);

struct AttentionKernels {
  Level level;  // Scalar, Avx2 or Avx512 (the AVX-512 kernels need no VNNI)
  ScoresFn scores;
  ScoresQ8_0Fn scores_q8_0;
  AccumulateFn accumulate;
  ExpSumFn exp_sum;
  WidenF16Fn widen_f16;
  DequantizeQ8_0Fn dequantize_q8_0;
};

const AttentionKernels& attention_kernels_scalar();
// nullptr where the CPU lacks the level's instructions.
const AttentionKernels* attention_kernels_avx2();
const AttentionKernels* attention_kernels_avx512();
// The AVX2 q8_0 scores, which the AVX-512 level uses too.
void scores_q8_0_avx2(const uint8_t* k, size_t k_stride, int nc, const uint8_t* q, size_t q_stride, int nq, int64_t d,
                      float* s, int64_t s_stride);
// The highest level at or below `level` (Avx512Vnni gives the avx512 set).
const AttentionKernels& attention_kernels_for(Level level);

}  // namespace hearth::backend::cpu
