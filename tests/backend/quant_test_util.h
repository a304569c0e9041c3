#pragma once
// Shared by the integer-kernel tests: random quantized weights and activation
// rows, and the tolerance of a fast kernel against the scalar reference.
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "backend/cpu/quant_dot.h"
#include "core/half.h"
#include "tensor/dequantize.h"
#include "tensor/dtype.h"

namespace hearth::backend::testutil {

using tensor::DType;

// Every weight type with an integer kernel, in the order of the priorities.
inline const std::vector<DType>& integer_types() {
  static const std::vector<DType> v = {DType::Q8_0, DType::Q4_0, DType::Q4_K,   DType::Q6_K,  DType::Q5_K,   DType::Q5_0,
                                       DType::Q5_1, DType::Q4_1, DType::Q3_K,   DType::Q2_K,  DType::IQ4_NL, DType::IQ4_XS};
  return v;
}

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Offsets of the f16 fields of a block (scales, mins), which random bytes
// must not turn into inf or NaN.
inline std::vector<int> f16_fields(DType t) {
  switch (t) {
    case DType::Q4_1:
    case DType::Q5_1:
    case DType::Q4_K:
    case DType::Q5_K: return {0, 2};
    case DType::Q2_K: return {80, 82};
    case DType::Q3_K: return {108};
    case DType::Q6_K: return {208};
    default: return {0};
  }
}

// R rows of k weights. random_bytes: every byte random (all levels and scale
// codes, e.g. q8_0's -128 or q6_K's scale -128) but sane f16 scales;
// otherwise the quantizer's output for normal floats (rows of varied scale).
inline std::vector<uint8_t> random_weights(DType t, int64_t k, int64_t rows, uint32_t seed, bool random_bytes) {
  const size_t rb = tensor::row_bytes(t, k);
  std::vector<uint8_t> w(rb * rows);
  std::mt19937 rng(seed);
  if (random_bytes) {
    for (auto& b : w) b = static_cast<uint8_t>(rng());
    const auto& info = tensor::dtype_info(t);
    std::uniform_real_distribution<float> mag(0.001f, 0.05f);
    for (size_t blk = 0; blk < w.size() / info.block_bytes; ++blk)
      for (int off : f16_fields(t)) {
        const float v = (rng() & 1 ? -1.0f : 1.0f) * mag(rng);
        const uint16_t h = f32_to_f16(v);
        std::memcpy(w.data() + blk * info.block_bytes + off, &h, 2);
      }
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      auto f = random_floats(static_cast<size_t>(k), seed * 7919u + static_cast<uint32_t>(r), 0.02f * (1 + r % 3));
      tensor::quantize_row(t, f.data(), w.data() + r * rb, k);
    }
  }
  return w;
}

// Activation floats with some structure: an all-zero block, an outlier.
inline std::vector<float> random_activations(int64_t k, int64_t rows, uint32_t seed) {
  auto x = random_floats(static_cast<size_t>(k * rows), seed);
  if (rows > 1)
    for (int64_t i = 0; i < std::min<int64_t>(k, 32); ++i) x[k + i] = 0.0f;  // row 1, first block
  if (k >= 64) x[k - 7] = 25.0f;                                          // row 0, a large outlier
  return x;
}

// The bound on |fast - reference| for one dot product of k elements.
inline double kernel_tolerance(DType t, int64_t k, double magnitude) {
  const int64_t blocks = k / tensor::dtype_info(t).block_size;
  return static_cast<double>(blocks + 10) * std::ldexp(1.0, -23) * magnitude + 1e-30;
}

}  // namespace hearth::backend::testutil
