#pragma once
// The inputs of the ggml bit-exactness test (quant_ggml_test.cpp) and of the
// throwaway program that produced tests/data/quant/ from ggml: a fixed set of
// rows made by a generator whose every output bit is fixed by the code here.
//
// Nothing here uses <random> distributions or libm's transcendental functions
// (whose results may differ between standard libraries): the generator is
// splitmix64, uniforms take its top 53 bits, and the normal deviates come
// from Box-Muller with log and cos evaluated by the series below using only
// IEEE double +, -, *, / and sqrt, which are correctly rounded everywhere.
// (Files including this must not let the compiler fuse multiply-adds; the
// tests' CMakeLists passes -ffp-contract=off.) The values are then rounded
// once to float.
//
// Self-contained on purpose (no gtest, no hearth headers), so the ggml side can
// include the very same file.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace hearth_quant_inputs {

constexpr int kRowLen = 256;  // one k-quant super-block, eight iq4_nl blocks
constexpr int kRows = 16;
constexpr uint64_t kSeed = 0x6865617274680001ull;  // "hearth" 0001

struct Rng {
  uint64_t state;
  uint64_t next() {  // splitmix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1), multiples of 2^-53.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }
  // Uniform integer in [0, n) (n small; the bias of the modulo is irrelevant).
  int below(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
  double normal();
};

// ln(u) for u in (0, 1]: u = m * 2^e with m in [sqrt(1/2), sqrt(2)), then
// ln m = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its series.
inline double series_log(double u) {
  int e = 0;
  double m = std::frexp(u, &e);  // exact: m in [0.5, 1)
  if (m < 0.70710678118654752) {
    m *= 2;
    e -= 1;
  }
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double sum = 0;
  for (int k = 15; k >= 0; --k) sum = sum * s2 + 1.0 / (2 * k + 1);
  return 2 * s * sum + e * 0.69314718055994531;
}

// cos(2 pi t) for t in [0, 1): with a = 2 pi (t - 1/2) in [-pi, pi),
// cos(2 pi t) = -cos(a), and cos(a) by its Taylor series to a^34.
inline double series_cos_2pi(double t) {
  const double a = 6.283185307179586 * (t - 0.5);
  const double a2 = a * a;
  double term = 1, sum = 1;
  for (int k = 1; k <= 17; ++k) {
    term = -term * a2 / ((2 * k - 1) * (2 * k));
    sum += term;
  }
  return -sum;
}

// A standard normal deviate (Box-Muller, one of the pair).
inline double Rng::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * series_log(u1)) * series_cos_2pi(u2);
}

inline float to_f(double v) { return static_cast<float>(v); }

// What each row holds (all 256 values; "N(s)" is normal with deviation s):
//   0-2  N(1)
//   3    N(0.02), the size of typical LLM weights
//   4    N(1) with every 29th value (from 7 on) times 25: outliers
//   5    N(300)
//   6    all zeros
//   7    N(1e-5): scales near and below the f16 normal range
//   8    N(1e-18): groups under the all-zero threshold 1e-15
//   9    one kind per 32: zeros, N(1), constant 0.5, constant -2, N(1) then
//        16 zeros, N(1e-3), a single 3 among zeros, N(3 mean, 0.5)
//   10   uniform in [0.5, 1.5): all positive
//   11   -|N(1)| - 0.25: all negative
//   12   integers in [-8, 8]: exact ties for the rounding rules
//   13   multiples of 0.25 in [-4, 4]
//   14   N(1) cubed: heavy tails
//   15   sparse: each value 0 with probability 7/8, else N(1)
inline std::vector<float> make_rows() {
  std::vector<float> out(static_cast<size_t>(kRows) * kRowLen);
  Rng rng{kSeed};
  for (int r = 0; r < kRows; ++r) {
    float* x = out.data() + static_cast<size_t>(r) * kRowLen;
    for (int i = 0; i < kRowLen; ++i) {
      double v = 0;
      switch (r) {
        case 0: case 1: case 2: v = rng.normal(); break;
        case 3: v = 0.02 * rng.normal(); break;
        case 4: v = rng.normal() * (i % 29 == 7 ? 25.0 : 1.0); break;
        case 5: v = 300.0 * rng.normal(); break;
        case 6: v = 0; break;
        case 7: v = 1e-5 * rng.normal(); break;
        case 8: v = 1e-18 * rng.normal(); break;
        case 9: {
          const int k = i / 32, j = i % 32;
          switch (k) {
            case 0: v = 0; break;
            case 1: v = rng.normal(); break;
            case 2: v = 0.5; break;
            case 3: v = -2.0; break;
            case 4: v = j < 16 ? rng.normal() : 0.0; break;
            case 5: v = 1e-3 * rng.normal(); break;
            case 6: v = j == 11 ? 3.0 : 0.0; break;
            default: v = 3.0 + 0.5 * rng.normal(); break;
          }
          break;
        }
        case 10: v = 0.5 + rng.uniform(); break;
        case 11: v = -std::fabs(rng.normal()) - 0.25; break;
        case 12: v = rng.below(17) - 8; break;
        case 13: v = 0.25 * (rng.below(33) - 16); break;
        case 14: { const double g = rng.normal(); v = g * g * g; break; }
        default: { const bool zero = rng.below(8) != 0; v = zero ? 0.0 : rng.normal(); break; }
      }
      x[i] = to_f(v);
    }
  }
  return out;
}

// Bytes to decode (not produced by a quantizer) for the dequantizers: random
// bytes, so that every field takes values a quantizer never writes (negative
// and extreme scales, all codes), with the f16 (or q8_K's f32) scale fields
// set to finite values so that no NaN or inf comes out. For n elements of a
// type with block_bytes bytes per block; scale_offsets lists the byte offsets
// of the f16 fields in a block (or, with f32_scale, the one f32 field).
inline std::vector<uint8_t> make_random_blocks(uint64_t seed, size_t nblocks, size_t block_bytes,
                                               const std::vector<int>& scale_offsets,
                                               bool f32_scale) {
  Rng rng{seed};
  std::vector<uint8_t> out(nblocks * block_bytes);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng.next() >> 56);
  for (size_t b = 0; b < nblocks; ++b) {
    uint8_t* blk = out.data() + b * block_bytes;
    for (int off : scale_offsets) {
      if (f32_scale) {
        // sign, exponent 2^-10 .. 2^5, random mantissa
        const uint64_t r = rng.next();
        const uint32_t bits = static_cast<uint32_t>((r >> 63) << 31) |
                              ((117u + static_cast<uint32_t>((r >> 40) % 16)) << 23) |
                              static_cast<uint32_t>(r & 0x7fffff);
        for (int k = 0; k < 4; ++k) blk[off + k] = static_cast<uint8_t>(bits >> (8 * k));
      } else {
        // sign, exponent 2^-14 (smallest normal) .. 2^1, random mantissa; and
        // now and then a subnormal or a zero
        const uint64_t r = rng.next();
        uint16_t h;
        const int kind = static_cast<int>((r >> 32) % 8);
        if (kind == 0)
          h = static_cast<uint16_t>(r & 0x83ff);  // subnormal or zero, either sign
        else
          h = static_cast<uint16_t>(((r >> 63) << 15) | ((1 + (r >> 40) % 16) << 10) | (r & 0x3ff));
        blk[off] = static_cast<uint8_t>(h & 0xff);
        blk[off + 1] = static_cast<uint8_t>(h >> 8);
      }
    }
  }
  return out;
}

// FNV-1a over the bit patterns of the floats: pins the generator's output.
inline uint64_t fnv1a(const std::vector<float>& v) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (float f : v) {
    uint32_t u;
    static_assert(sizeof u == sizeof f);
    std::memcpy(&u, &f, 4);
    for (int k = 0; k < 4; ++k) {
      h ^= (u >> (8 * k)) & 0xff;
      h *= 0x100000001b3ull;
    }
  }
  return h;
}

}  // namespace hearth_quant_inputs
