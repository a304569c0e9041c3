#pragma once
// Dot products of one weight row with one activation row: the inner loop of
// matmul and attention. Each has a scalar reference; the fast variants (AVX2 +
// FMA + F16C) are chosen once at start-up by what the CPU reports, and
// HEARTH_CPU=scalar forces the reference (cpu_features.h). The integer kernels
// for quantized weights are in quant_dot.h.
#include <cstdint>

namespace hearth::backend::cpu {

using DotF32 = float (*)(const float* a, const float* b, int64_t n);
using DotF16 = float (*)(const uint16_t* a, const float* b, int64_t n);
// y[i] += a * x[i] with x in f16 (the V rows of an f16 KV cache).
using AxpyF16 = void (*)(float a, const uint16_t* x, float* y, int64_t n);

struct DotKernels {
  const char* level;  // "scalar" or "avx2"
  DotF32 dot_f32;
  DotF16 dot_f16;
  AxpyF16 axpy_f16;
};

// Reference kernels.
float dot_f32_scalar(const float* a, const float* b, int64_t n);
float dot_f16_scalar(const uint16_t* a, const float* b, int64_t n);
void axpy_f16_scalar(float a, const uint16_t* x, float* y, int64_t n);

const DotKernels& scalar_kernels();
// nullptr when this CPU lacks AVX2/FMA/F16C.
const DotKernels* avx2_kernels();
// The kernels chosen for this CPU (honouring HEARTH_CPU).
const DotKernels& best_kernels();

}  // namespace hearth::backend::cpu
