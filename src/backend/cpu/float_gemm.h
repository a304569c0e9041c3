#pragma once
// The kernels of the float matmul (float_matmul.h): F32, F16 and BF16 weight
// rows times f32 activation rows, out[t][r] = sum_k w[r][k] * x[t][k].
//
// The weights are repacked once, on first use (float_panels.h), into panels
// of mr rows "in lanes": step s of a panel holds element s of each of its rows side by side
// (rows past the matrix are zero), in the weight's own type, so that a panel
// is as large as its rows and reads front to back as one stream:
//
//   Pack::F32 levels    F32: float p[K][mr]; F16, BF16: uint16_t p[K][mr]
//   Pack::Bf16Pairs     BF16: uint16_t p[ceil(K/2)][mr][2] (a step is two
//                       consecutive k, a row's pair in one 32-bit lane, for
//                       vdpbf16ps; the last pair padded with zero)
//
// Per call the activations are packed into panels of nr tokens, k-major,
// for the whole K: float a[K][nr] (Pack::F32), or for Pack::Bf16Pairs
// uint16_t a[ceil(K/2)][nr][2], x rounded to bf16 (nearest even); tokens
// past the batch are zero. A tile kernel then multiplies one K block (at
// most kc elements) of a weight panel by the same block of an activation
// panel into an mr x nt block of out: one weight vector per k step serves
// nt tokens, one broadcast activation mr rows.
//
// Every output is summed the same way whatever the number of tokens: in
// order over the k of a block, each block's sum added to the output in
// order of blocks. So a token's result does not depend on the batch it came
// in (decoding one token and a prompt run the same kernels).
//
// Levels: scalar (the reference; plain C++), avx2 (AVX2 + FMA + F16C),
// avx512 (AVX-512 F/BW/VL), avx512bf16 (avx512 plus vdpbf16ps for BF16
// weights). Files: float_gemm_scalar.cpp, float_gemm_avx2.cpp,
// float_gemm_avx512.cpp.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "tensor/dtype.h"

namespace hearth::backend::cpu {

// The weight types of the float matmul, as indexes into the kernel tables.
enum class FloatType { F32 = 0, F16 = 1, BF16 = 2 };
constexpr int kFloatTypes = 3;
// FloatType of a weight type; false where it is none of them.
bool float_type_of(tensor::DType t, FloatType& out);

enum class Pack { F32, Bf16Pairs };

// The largest nr of any level (sizes the tile table).
constexpr int kMaxTileTokens = 16;

// Steps of k elements in a packing.
inline int64_t pack_steps(Pack p, int64_t k) { return p == Pack::Bf16Pairs ? (k + 1) / 2 : k; }

// Packs tokens [0, nt) (nt <= nr; token t at x + t * x_stride floats), all k
// in [0, K), into one activation panel of pack_steps(K) * nr 4-byte elements.
using PackActsFn = void (*)(const float* x, size_t x_stride, int nt, int64_t K, void* panel);
// c[t * c_stride + r] = (accumulate ? c[...] : 0) + sum over the steps, in
// order, of w[step][r] * a[step][t], for r < mr and t < nt (nt fixed per
// function). w: a weight panel advanced to the block's first step (64-byte
// aligned); a: an activation panel advanced the same way.
using TileFn = void (*)(int64_t steps, const void* w, const void* a, float* c, size_t c_stride, bool accumulate);

struct GemmKernels {
  int mr;            // weight rows per panel
  int nr;            // tokens per activation panel
  int64_t kc;        // K block, in elements (a multiple of 32)
  Pack pack;         // of the weights' steps and the activations
  int step_bytes;    // bytes of one row's step in a weight panel
  PackActsFn pack_acts;
  TileFn tile[kMaxTileTokens + 1];  // tile[nt] for 1 <= nt <= nr

  size_t panel_bytes(int64_t K) const {
    return (static_cast<size_t>(pack_steps(pack, K)) * mr * step_bytes + 63) / 64 * 64;
  }
};

struct FloatKernels {
  const char* name;  // "scalar", "avx2", "avx512", "avx512bf16"
  GemmKernels gemm[kFloatTypes];
};

const FloatKernels& float_kernels_scalar();
// nullptr where the CPU lacks the level's instructions.
const FloatKernels* float_kernels_avx2();
const FloatKernels* float_kernels_avx512();
const FloatKernels* float_kernels_avx512bf16();
// Every level this CPU runs, lowest first (scalar included).
std::vector<const FloatKernels*> supported_float_kernels();
// The level for this CPU, lowered by HEARTH_CPU (cpu_features.h): avx2 at
// avx2; avx512 at avx512bw; avx512bf16 from avx512vnni up where the CPU has
// AVX512_BF16.
const FloatKernels& best_float_kernels();

}  // namespace hearth::backend::cpu
