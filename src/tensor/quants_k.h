#pragma once
// Internal: scalar reference (de)quantizers of ggml's k-quants (q2_K, q3_K,
// q4_K, q5_K, q6_K) and of q8_K, the activation type their dot products use.
// Reached through dequantize_row / quantize_row (tensor/dequantize.h); nb is
// the number of 256-element super-blocks.
#include <cstdint>

namespace hearth::tensor::kquants {

void dequantize_q2_K(const uint8_t* src, float* dst, int64_t nb);
void dequantize_q3_K(const uint8_t* src, float* dst, int64_t nb);
void dequantize_q4_K(const uint8_t* src, float* dst, int64_t nb);
void dequantize_q5_K(const uint8_t* src, float* dst, int64_t nb);
void dequantize_q6_K(const uint8_t* src, float* dst, int64_t nb);
void dequantize_q8_K(const uint8_t* src, float* dst, int64_t nb);

void quantize_q2_K(const float* src, uint8_t* dst, int64_t nb);
void quantize_q3_K(const float* src, uint8_t* dst, int64_t nb);
void quantize_q4_K(const float* src, uint8_t* dst, int64_t nb);
void quantize_q5_K(const float* src, uint8_t* dst, int64_t nb);
void quantize_q6_K(const float* src, uint8_t* dst, int64_t nb);
void quantize_q8_K(const float* src, uint8_t* dst, int64_t nb);

}  // namespace hearth::tensor::kquants
