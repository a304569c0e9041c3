#pragma once
// Internal: scalar reference (de)quantizers of ggml's 4-bit non-linear types
// iq4_nl (blocks of 32) and iq4_xs (super-blocks of 256). Reached through
// dequantize_row / quantize_row (tensor/dequantize.h); nb counts blocks of
// the type (32 elements for iq4_nl, 256 for iq4_xs).
#include <cstdint>

namespace hearth::tensor::iq4 {

// The 16 levels both types index with a 4-bit code (ggml's kvalues_iq4nl).
extern const int8_t kLevels[16];

void dequantize_iq4_nl(const uint8_t* src, float* dst, int64_t nb);
void dequantize_iq4_xs(const uint8_t* src, float* dst, int64_t nb);

// What ggml_quantize_chunk (llama-quantize) writes without an importance
// matrix. For iq4_nl that is quantize_iq4_nl(..., NULL), whose scale search
// tries 15 trial scales; ggml's quantize_row_iq4_nl_ref, which its CPU
// backend uses to convert activations, skips that search and gives different
// bytes. For iq4_xs the two are the same.
void quantize_iq4_nl(const float* src, uint8_t* dst, int64_t nb);
void quantize_iq4_xs(const float* src, uint8_t* dst, int64_t nb);

}  // namespace hearth::tensor::iq4
