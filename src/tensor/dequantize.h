#pragma once
// Scalar reference conversions between ggml's storage types and f32. These are
// the ground truth the fast kernels are tested against: simple loops that
// follow ggml's block layouts exactly.
#include <cstdint>

#include "tensor/dtype.h"

namespace hearth::tensor {

// True when dequantize_row supports type.
bool can_dequantize(DType type);

// Writes n floats (n a multiple of the block size) decoded from src.
// Supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K,
// Q5_K, Q6_K, Q8_K, IQ4_NL, IQ4_XS. Throws hearth::Error naming the type
// otherwise.
void dequantize_row(DType type, const void* src, float* dst, int64_t n);

// True when quantize_row supports type.
bool can_quantize(DType type);

// Encodes n floats into dst (row_bytes(type, n) bytes), writing the bytes
// ggml writes for the same input without an importance matrix (its reference
// quantizers, i.e. what ggml_quantize_chunk and so llama-quantize do).
// Supported: the types dequantize_row supports.
void quantize_row(DType type, const float* src, void* dst, int64_t n);

}  // namespace hearth::tensor
