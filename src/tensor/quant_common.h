#pragma once
// Internal helpers shared by the scalar reference quantizers (dequantize.cpp,
// quants_k.cpp, quants_iq4.cpp). Not part of the tensor layer's interface.
//
// Every block field is little-endian and read or written through memcpy, so
// the code needs no alignment and no packed structs.
#include <cmath>
#include <cstdint>

#include "core/bytes.h"
#include "core/half.h"

namespace hearth::tensor::quant {

constexpr int kQK_K = 256;  // elements per super-block of the k-quants and iq4_xs

// A group whose largest magnitude is below this counts as all zero (ggml's
// GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

inline uint16_t load_u16(const uint8_t* p) { return load_le<uint16_t>(p); }
inline uint32_t load_u32(const uint8_t* p) { return load_le<uint32_t>(p); }
inline void store_u16(uint8_t* p, uint16_t v) { store_le(p, v); }
inline void store_u32(uint8_t* p, uint32_t v) { store_le(p, v); }

inline float load_f16(const uint8_t* p) { return f16_to_f32(load_u16(p)); }
inline void store_f16(uint8_t* p, float v) { store_u16(p, f32_to_f16(v)); }

inline float load_f32(const uint8_t* p) { return load_le<float>(p); }
inline void store_f32(uint8_t* p, float v) { store_le(p, v); }

// Rounds to the nearest integer, ties to even, the way ggml's k-quant code
// does it: adding 1.5 * 2^23 moves v into [2^23, 2^24), where the float
// spacing is exactly 1, so the addition itself rounds (in the current, i.e.
// nearest-even, mode) and the low 23 mantissa bits hold 2^22 + round(v). Valid
// for |v| < 2^22; beyond that (and for inf/NaN) the result is the same
// well-defined bit pattern ggml produces, so the bytes still agree.
inline int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  return static_cast<int>(f32_to_bits(shifted) & 0x007fffffu) - 0x00400000;
}

// The element of largest magnitude, keeping its sign; the first one wins a
// tie, and NaNs are never chosen (0 when nothing is larger than 0).
inline float signed_absmax(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace hearth::tensor::quant
