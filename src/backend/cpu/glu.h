#pragma once
// The gated feed-forward activations: out = act(gate) * up, element-wise, with
// act = SiLU (swiglu) or GELU in its tanh form (geglu). Both are
// g / (1 + e^-z): z = g for SiLU, z = 2 sqrt(2/pi) (g + 0.044715 g^3) for GELU
// (0.5 (1 + tanh a) = 1 / (1 + e^-2a)). Levels scalar (std::exp, the
// reference), avx2, avx512, chosen like the other kernels.
#include <cstdint>

#include "backend/cpu/cpu_features.h"

namespace hearth::backend::cpu {

// out[i] = act(gate[i]) * up[i] for i < n; out may alias gate or up.
using GluFn = void (*)(const float* gate, const float* up, float* out, int64_t n);

struct GluKernels {
  Level level;
  GluFn silu_mul;
  GluFn gelu_mul;
};

const GluKernels& glu_kernels_scalar();
// nullptr where the CPU lacks the level's instructions.
const GluKernels* glu_kernels_avx2();
const GluKernels* glu_kernels_avx512();
// The highest level at or below `level`.
const GluKernels& glu_kernels_for(Level level);

}  // namespace hearth::backend::cpu
