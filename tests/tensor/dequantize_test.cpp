// dequantize_row / quantize_row against ggml's block formats.
//
// Blocks are built byte by byte here and the expected floats written out by
// hand from the format definitions; the quantizer is checked against bytes
// worked out by hand from ggml's reference quantizer formulas, and by round
// trips with error bounds derived below.
#include "tensor/dequantize.h"

#include <gtest/gtest.h>

#include "quant_test_helpers.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"

namespace hearth::tensor {
namespace {


void put_u16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v & 0xff));
  b.push_back(static_cast<uint8_t>(v >> 8));
}

// f16 bit patterns of the scales used below.
constexpr uint16_t kH_0_125 = 0x3000, kH_0_25 = 0x3400, kH_0_5 = 0x3800, kH_1 = 0x3c00,
                   kH_m0_5 = 0xb800, kH_m1 = 0xbc00, kH_m2 = 0xc000;

// ---------------------------------------------------------------- plain types

TEST(Dequantize, F32IsACopy) {
  const float src[3] = {1.5f, -0.0f, 3e38f};
  Bytes b(12);
  std::memcpy(b.data(), src, 12);
  auto out = dequant(DType::F32, b, 3);
  EXPECT_EQ(out[0], 1.5f);
  EXPECT_TRUE(std::signbit(out[1]));
  EXPECT_EQ(out[2], 3e38f);
}

TEST(Dequantize, F16KnownValues) {
  Bytes b;
  for (uint16_t h : {0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000, 0x3555, 0x0400}) put_u16(b, h);
  auto out = dequant(DType::F16, b, 8);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -2.0f);
  EXPECT_EQ(out[2], 65504.0f);
  EXPECT_EQ(out[3], std::ldexp(1.0f, -24));
  EXPECT_EQ(out[4], INFINITY);
  EXPECT_EQ(out[5], 0.0f);
  EXPECT_TRUE(std::signbit(out[5]));
  EXPECT_EQ(out[6], 0.333251953125f);  // 2^-2 * (1 + 341/1024)
  EXPECT_EQ(out[7], std::ldexp(1.0f, -14));
}

TEST(Dequantize, BF16KnownValues) {
  Bytes b;
  for (uint16_t h : {0x3f80, 0xc040, 0x7f80, 0x0001, 0x4049}) put_u16(b, h);
  auto out = dequant(DType::BF16, b, 5);
  EXPECT_EQ(out[0], 1.0f);
  EXPECT_EQ(out[1], -3.0f);
  EXPECT_EQ(out[2], INFINITY);
  EXPECT_EQ(out[3], std::ldexp(1.0f, -133));
  EXPECT_EQ(out[4], 3.140625f);
}

TEST(Quantize, F16AndBF16RoundToNearestEven) {
  const std::vector<float> x = {1.0f,
                                65520.0f,                        // halfway to 2^16: ties up to inf
                                1.0f + std::ldexp(1.0f, -11),    // tie -> even (1.0)
                                1.0f + 3 * std::ldexp(1.0f, -11),  // tie -> even (1 + 2^-9)
                                -0.0f};
  Bytes h = quant(DType::F16, x);
  expect_bytes(h, {0x00, 0x3c, 0x00, 0x7c, 0x00, 0x3c, 0x02, 0x3c, 0x00, 0x80});
  const std::vector<float> y = {1.0f, 1.0f + std::ldexp(1.0f, -8), 1.0f + 3 * std::ldexp(1.0f, -8),
                                -3.0f};
  Bytes b = quant(DType::BF16, y);
  expect_bytes(b, {0x80, 0x3f, 0x80, 0x3f, 0x82, 0x3f, 0x40, 0xc0});
}

// ----------------------------------------------------- hand-built blocks

TEST(Dequantize, Q4_0HandBuilt) {
  Bytes b;
  // Block 0: d = 0.5, qs[j] = j | (15 - j) << 4.
  put_u16(b, kH_0_5);
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | (15 - j) << 4));
  // Block 1: d = -2, every qs = 0x1f: low nibble 15 -> 7 * -2, high 1 -> -7 * -2.
  put_u16(b, kH_m2);
  for (int j = 0; j < 16; ++j) b.push_back(0x1f);
  std::vector<float> want = {-4, -3.5, -3, -2.5, -2, -1.5, -1, -0.5, 0,  0.5,  1,  1.5, 2,  2.5,  3,  3.5,
                             3.5, 3,   2.5, 2,   1.5, 1,  0.5, 0,   -0.5, -1, -1.5, -2, -2.5, -3, -3.5, -4};
  for (int j = 0; j < 16; ++j) want.push_back(-14);
  for (int j = 0; j < 16; ++j) want.push_back(14);
  expect_floats(dequant(DType::Q4_0, b, 64), want);
}

TEST(Dequantize, Q4_1HandBuilt) {
  Bytes b;
  put_u16(b, kH_0_25);  // d
  put_u16(b, kH_m1);    // m
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | (15 - j) << 4));
  const std::vector<float> want = {
      -1,   -0.75, -0.5, -0.25, 0,    0.25, 0.5,  0.75, 1,     1.25, 1.5,   1.75, 2,     2.25, 2.5,   2.75,
      2.75, 2.5,   2.25, 2,     1.75, 1.5,  1.25, 1,    0.75,  0.5,  0.25,  0,    -0.25, -0.5, -0.75, -1};
  expect_floats(dequant(DType::Q4_1, b, 32), want);
}

// qh = 0xfff0000f, stored little-endian: bits 0-3 and 20-31 set. With
// qs[j] = j | j << 4 the 5-bit values are
//   element j      (j < 16): j | 16 for j < 4, else j
//   element j + 16 (j < 16): j      for j < 4, else j | 16
const uint8_t kQh[4] = {0x0f, 0x00, 0xf0, 0xff};

TEST(Dequantize, Q5_0HandBuilt) {
  Bytes b;
  put_u16(b, kH_0_5);
  b.insert(b.end(), kQh, kQh + 4);
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | j << 4));
  // (q - 16) * 0.5
  const std::vector<float> want = {0,  0.5,  1,  1.5,  -6, -5.5, -5, -4.5, -4, -3.5, -3, -2.5, -2, -1.5, -1, -0.5,
                                   -8, -7.5, -7, -6.5, 2,  2.5,  3,  3.5,  4,  4.5,  5,  5.5,  6,  6.5,  7,  7.5};
  expect_floats(dequant(DType::Q5_0, b, 32), want);
}

TEST(Dequantize, Q5_1HandBuilt) {
  Bytes b;
  put_u16(b, kH_0_25);  // d
  put_u16(b, kH_1);     // m
  b.insert(b.end(), kQh, kQh + 4);
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | j << 4));
  // q * 0.25 + 1
  const std::vector<float> want = {5, 5.25, 5.5, 5.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4, 4.25, 4.5, 4.75,
                                   1, 1.25, 1.5, 1.75, 6, 6.25, 6.5, 6.75, 7, 7.25, 7.5, 7.75, 8, 8.25, 8.5, 8.75};
  expect_floats(dequant(DType::Q5_1, b, 32), want);
}

TEST(Dequantize, Q8_0HandBuilt) {
  Bytes b;
  put_u16(b, kH_0_125);
  for (int j = 0; j < 31; ++j) b.push_back(static_cast<uint8_t>(static_cast<int8_t>(j * 8 - 128)));
  b.push_back(127);
  // Block 1: a subnormal f16 scale, d = 2^-24.
  put_u16(b, 0x0001);
  b.push_back(0x80);  // -128
  for (int j = 1; j < 32; ++j) b.push_back(static_cast<uint8_t>(j));
  std::vector<float> want;
  for (int j = 0; j < 31; ++j) want.push_back(static_cast<float>(j - 16));
  want.push_back(15.875f);
  want.push_back(-std::ldexp(1.0f, -17));
  for (int j = 1; j < 32; ++j) want.push_back(std::ldexp(static_cast<float>(j), -24));
  expect_floats(dequant(DType::Q8_0, b, 64), want);
}

// ------------------------------------------------- quantizer: known bytes

Bytes repeat(std::initializer_list<uint8_t> head, uint8_t fill, size_t total) {
  Bytes b(head);
  b.resize(total, fill);
  return b;
}

TEST(Quantize, AllZeros) {
  const std::vector<float> z(32, 0.0f);
  // q4_0: d = 0 / -8 = -0.0 (f16 0x8000), id = 0, q = (int)(0 + 8.5) = 8.
  expect_bytes(quant(DType::Q4_0, z), repeat({0x00, 0x80}, 0x88, 18));
  // q4_1: min = max = 0, d = 0, m = 0, q = (int)(0 + 0.5) = 0.
  expect_bytes(quant(DType::Q4_1, z), Bytes(20, 0x00));
  // q5_0: d = -0.0, q = 16: every fifth bit set, every nibble 0.
  expect_bytes(quant(DType::Q5_0, z), repeat({0x00, 0x80, 0xff, 0xff, 0xff, 0xff}, 0x00, 22));
  expect_bytes(quant(DType::Q5_1, z), Bytes(24, 0x00));
  // q8_0: d = 0 / 127 = +0.
  expect_bytes(quant(DType::Q8_0, z), Bytes(34, 0x00));
  // And they decode to zeros.
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0}) {
    auto back = dequant(t, quant(t, z), 32);
    for (float v : back) EXPECT_EQ(v, 0.0f);
  }
}

TEST(Quantize, SingleLargeValue) {
  {
    // q4_0: max = 8 -> d = -1, id = -1; x5 -> (int)(-8 + 8.5) = 0, zeros -> 8.
    std::vector<float> x(32, 0.0f);
    x[5] = 8.0f;
    Bytes want = repeat({0x00, 0xbc}, 0x88, 18);
    want[2 + 5] = 0x80;
    expect_bytes(quant(DType::Q4_0, x), want);
    expect_floats(dequant(DType::Q4_0, want, 32), x);
  }
  {
    // q4_1: min 0, max 15 -> d = 1, m = 0; x5 -> 15.
    std::vector<float> x(32, 0.0f);
    x[5] = 15.0f;
    Bytes want = repeat({0x00, 0x3c, 0x00, 0x00}, 0x00, 20);
    want[4 + 5] = 0x0f;
    expect_bytes(quant(DType::Q4_1, x), want);
    expect_floats(dequant(DType::Q4_1, want, 32), x);
  }
  {
    // q5_0: element 20 = 16 -> d = -1; it gets q = 0 (nibble 0 in qs[4]'s high
    // half, bit 20 clear), the zeros q = 16 (nibble 0, fifth bit set).
    std::vector<float> x(32, 0.0f);
    x[20] = 16.0f;
    Bytes want = repeat({0x00, 0xbc, 0xff, 0xff, 0xef, 0xff}, 0x00, 22);
    expect_bytes(quant(DType::Q5_0, x), want);
    expect_floats(dequant(DType::Q5_0, want, 32), x);
  }
  {
    // q5_1: element 20 = 31 -> d = 1, m = 0, q = 31: qs[4] = 0xf0, qh bit 20.
    std::vector<float> x(32, 0.0f);
    x[20] = 31.0f;
    Bytes want = repeat({0x00, 0x3c, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00}, 0x00, 24);
    want[8 + 4] = 0xf0;
    expect_bytes(quant(DType::Q5_1, x), want);
    expect_floats(dequant(DType::Q5_1, want, 32), x);
  }
  {
    // q8_0: amax 254 -> d = 2, q3 = round(-127) = -127 = 0x81.
    std::vector<float> x(32, 0.0f);
    x[3] = -254.0f;
    Bytes want = repeat({0x00, 0x40}, 0x00, 34);
    want[2 + 3] = 0x81;
    expect_bytes(quant(DType::Q8_0, x), want);
    expect_floats(dequant(DType::Q8_0, want, 32), x);
  }
}

TEST(Quantize, NegativeMaxAndClamping) {
  {
    // q4_0, max-magnitude value negative: d = -8 / -8 = 1, id = 1.
    // x0 -> (int)(0.5) = 0, x1 = 4 -> (int)(12.5) = 12, zeros -> 8.
    std::vector<float> x(32, 0.0f);
    x[0] = -8.0f;
    x[1] = 4.0f;
    Bytes want = repeat({0x00, 0x3c, 0x80, 0x8c}, 0x88, 18);
    expect_bytes(quant(DType::Q4_0, x), want);
    expect_floats(dequant(DType::Q4_0, want, 32), x);
  }
  {
    // q4_0, positive max with its negation present: d = -1, the negated value
    // gives (int)(8 + 8.5) = 16, clamped to 15, which decodes to -7 (ggml's
    // known asymmetry).
    std::vector<float> x(32, 0.0f);
    x[0] = 8.0f;
    x[1] = -8.0f;
    Bytes want = repeat({0x00, 0xbc, 0x80, 0x8f}, 0x88, 18);
    expect_bytes(quant(DType::Q4_0, x), want);
    auto back = dequant(DType::Q4_0, want, 32);
    EXPECT_EQ(back[0], 8.0f);
    EXPECT_EQ(back[1], -7.0f);
  }
  {
    // Equal magnitudes: the first one sets the sign of d.
    std::vector<float> x(32, 0.0f);
    x[0] = -4.0f;
    x[1] = 4.0f;
    expect_bytes(quant(DType::Q4_0, x), repeat({0x00, kH_0_5 >> 8, 0x80, 0x8f}, 0x88, 18));
    x[0] = 4.0f;
    x[1] = -4.0f;
    expect_bytes(quant(DType::Q4_0, x), repeat({0x00, kH_m0_5 >> 8, 0x80, 0x8f}, 0x88, 18));
  }
  {
    // q5_0 negative max: d = 1; x0 = -16 -> 0, x1 = 8 -> 24 = 0b11000
    // (nibble 8, fifth bit set), zeros -> 16.
    std::vector<float> x(32, 0.0f);
    x[0] = -16.0f;
    x[1] = 8.0f;
    Bytes want = repeat({0x00, 0x3c, 0xfe, 0xff, 0xff, 0xff, 0x00, 0x08}, 0x00, 22);
    expect_bytes(quant(DType::Q5_0, x), want);
    expect_floats(dequant(DType::Q5_0, want, 32), x);
  }
  {
    // q5_0 clamp: d = -1, -16 -> (int)(16 + 16.5) = 32 -> 31 (nibble 15, bit 1).
    std::vector<float> x(32, 0.0f);
    x[0] = 16.0f;
    x[1] = -16.0f;
    Bytes want = repeat({0x00, 0xbc, 0xfe, 0xff, 0xff, 0xff, 0x00, 0x0f}, 0x00, 22);
    expect_bytes(quant(DType::Q5_0, x), want);
    EXPECT_EQ(dequant(DType::Q5_0, want, 32)[1], -15.0f);
  }
  {
    // q4_1 with an all-negative-to-zero range: min = -3, max = 0,
    // d = 3/15 = 0.2f (f16 0x3266, i.e. 0.199951...), m = -3 (0xc200),
    // id = 1/0.2f rounds to exactly 5.0f: 0 -> (int)(15.5) = 15,
    // -1.5 -> (int)(8.0) = 8, -3 -> 0.
    std::vector<float> x(32, -1.5f);
    x[0] = -3.0f;
    x[1] = 0.0f;
    Bytes want = repeat({0x66, 0x32, 0x00, 0xc2, 0x80, 0x8f}, 0x88, 20);
    expect_bytes(quant(DType::Q4_1, x), want);
  }
  {
    // q8_0 uses roundf: halves go away from zero.
    std::vector<float> x(32, 0.0f);
    x[0] = -127.0f;  // d = 1
    x[1] = 63.5f;    // 64
    x[2] = -0.5f;    // -1
    x[3] = 2.5f;     // 3 (not the even 2)
    x[4] = 0.49f;    // 0
    Bytes want = repeat({0x00, 0x3c, 0x81, 0x40, 0xff, 0x03}, 0x00, 34);
    expect_bytes(quant(DType::Q8_0, x), want);
  }
}

// ggml takes id = 1/d from the f32 scale, before d is rounded to f16 for
// storage. amax = 127 * (1 + 2^-12) gives d = 1 + 2^-12 exactly in f32, which
// is stored as f16 1.0 (below the halfway point 1 + 2^-11). With id from the
// f32 d, 100.51 * 4096/4097 = 100.485... -> 100; an id taken from the stored
// 1.0 would give 101.
TEST(Quantize, ReciprocalOfTheUnroundedScale) {
  std::vector<float> x(32, 0.0f);
  x[0] = 127.0f * (1.0f + std::ldexp(1.0f, -12));
  x[1] = 100.51f;
  expect_bytes(quant(DType::Q8_0, x), repeat({0x00, 0x3c, 0x7f, 100}, 0x00, 34));
  // The same for q4_0: max = -8 * (1 + 2^-12), d = 1 + 2^-12 stored as 1.0;
  // 4.5005 * 4096/4097 + 8.5 = 12.9994 -> 12, where 1/1.0 would give 13.
  std::vector<float> y(32, 0.0f);
  y[0] = -8.0f * (1.0f + std::ldexp(1.0f, -12));
  y[1] = 4.5005f;
  expect_bytes(quant(DType::Q4_0, y), repeat({0x00, 0x3c, 0x80, 0x8c}, 0x88, 18));
}

// Values already on a type's grid (with an f16-exact scale) survive a round
// trip exactly.
TEST(Quantize, GridValuesRoundTripExactly) {
  std::mt19937 rng(7);
  {
    // q4_0: d = 0.25 needs max = -2 first in magnitude.
    std::vector<float> x(64);
    for (int b = 0; b < 2; ++b) {
      x[32 * b] = -2.0f;
      for (int j = 1; j < 32; ++j) x[32 * b + j] = (static_cast<int>(rng() % 15) - 7) * 0.25f;
    }
    expect_floats(dequant(DType::Q4_0, quant(DType::Q4_0, x), 64), x);
  }
  {
    // q5_0: d = 0.5 needs max = -8.
    std::vector<float> x(32);
    x[7] = -8.0f;
    for (int j = 0; j < 32; ++j)
      if (j != 7) x[j] = (static_cast<int>(rng() % 31) - 15) * 0.5f;
    expect_floats(dequant(DType::Q5_0, quant(DType::Q5_0, x), 32), x);
  }
  {
    // q4_1: min = -1, max = 2.75 -> d = 0.25.
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[j] = -1.0f + static_cast<float>(rng() % 16) * 0.25f;
    x[3] = -1.0f;
    x[9] = 2.75f;
    expect_floats(dequant(DType::Q4_1, quant(DType::Q4_1, x), 32), x);
  }
  {
    // q5_1: min = 2, max = 2 + 31 * 0.125 -> d = 0.125.
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[j] = 2.0f + static_cast<float>(rng() % 32) * 0.125f;
    x[0] = 2.0f;
    x[31] = 2.0f + 31 * 0.125f;
    expect_floats(dequant(DType::Q5_1, quant(DType::Q5_1, x), 32), x);
  }
  {
    // q8_0: amax = 63.5 = 127 * 0.5 -> d = 0.5.
    std::vector<float> x(32);
    for (int j = 0; j < 32; ++j) x[j] = (static_cast<int>(rng() % 255) - 127) * 0.5f;
    x[12] = -63.5f;
    expect_floats(dequant(DType::Q8_0, quant(DType::Q8_0, x), 32), x);
  }
}

// ------------------------------------------------- round-trip error bounds
//
// For the symmetric types (q4_0: N = 8, q5_0: N = 16) the quantizer computes
// t = x / d (with d = max / -N in f32) and q = trunc(t + N + 0.5), i.e. t
// rounded to the nearest integer, so |t - (q - N)| <= 1/2. The decoder uses
// d16 = f16(d), |d - d16| <= |d| * 2^-11 (d is kept in the normal f16 range
// here). Then
//   |x - (q - N) d16| <= |t - (q - N)| |d| + |q - N| |d - d16|
//                     <= |d| / 2 + N |d| 2^-11.
// The exception is the clamp: a value near -max maps to t ~ N and q = 2N is
// clamped to 2N - 1, an error of up to |d| (plus the same f16 term).
// For the affine types (q4_1: M = 15, q5_1: M = 31), t = (x - min) / d is in
// [0, M] and q = round(t), and the decoder adds m16 = f16(min):
//   |x - (q d16 + m16)| <= |d| / 2 + M |d| 2^-11 + |min| 2^-11.
// q8_0: q = roundf(x / d), |q| <= 127, so the error is <= |d|/2 + 127 |d| 2^-11.
// A slack of 1e-5 |d| + 2 ulp(|x|) covers the f32 arithmetic.

float block_absmax_signed(const float* x) {
  float amax = 0, max = 0;
  for (int j = 0; j < 32; ++j)
    if (amax < std::fabs(x[j])) amax = std::fabs(x[j]), max = x[j];
  return max;
}

void check_round_trip(DType t, float scale, uint32_t seed) {
  SCOPED_TRACE(std::string(dtype_info(t).name) + " scale " + std::to_string(scale));
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  const int64_t n = 32 * 64;
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) v = dist(rng);
  // Some blocks shifted away from zero, where the affine types' min matters.
  for (int64_t i = 32 * 40; i < 32 * 48; ++i) x[static_cast<size_t>(i)] += 10 * scale;
  const auto y = dequant(t, quant(t, x), n);
  const float f16_eps = std::ldexp(1.0f, -11);
  for (int64_t b = 0; b < n / 32; ++b) {
    const float* xb = x.data() + 32 * b;
    const float* yb = y.data() + 32 * b;
    float mn = xb[0], mx = xb[0];
    for (int j = 1; j < 32; ++j) mn = std::min(mn, xb[j]), mx = std::max(mx, xb[j]);
    for (int j = 0; j < 32; ++j) {
      float bound = 0;
      const float ax = std::fabs(xb[j]);
      const float slack_x = 2 * (std::nextafter(ax, INFINITY) - ax);
      if (t == DType::Q4_0 || t == DType::Q5_0) {
        const float nq = t == DType::Q4_0 ? 8.0f : 16.0f;
        const float d = block_absmax_signed(xb) / -nq;
        const float tq = xb[j] / d;
        const bool clamp = tq + nq + 0.5f >= 2 * nq;
        bound = std::fabs(d) * ((clamp ? 1.0f : 0.5f) + nq * f16_eps + 1e-5f);
      } else if (t == DType::Q4_1 || t == DType::Q5_1) {
        const float m = t == DType::Q4_1 ? 15.0f : 31.0f;
        const float d = (mx - mn) / m;
        bound = std::fabs(d) * (0.5f + m * f16_eps + 1e-5f) + std::fabs(mn) * f16_eps;
      } else {
        float amax = 0;
        for (int k = 0; k < 32; ++k) amax = std::max(amax, std::fabs(xb[k]));
        const float d = amax / 127.0f;
        bound = d * (0.5f + 127 * f16_eps + 1e-5f);
      }
      bound += slack_x;
      ASSERT_LE(std::fabs(xb[j] - yb[j]), bound)
          << "block " << b << " element " << j << ": " << xb[j] << " -> " << yb[j];
    }
  }
}

TEST(Quantize, RoundTripErrorBounds) {
  uint32_t seed = 1;
  for (DType t : {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0})
    for (float scale : {0.01f, 1.0f, 300.0f}) check_round_trip(t, scale, seed++);
}

TEST(Quantize, RoundTripErrorIsNotTrivial) {
  // Guards the bound test against a quantizer that stores floats verbatim:
  // q4_0 on Gaussian data must lose something, and its mean error must be
  // well under the worst-case bound (about d/4 for uniform rounding error).
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(32 * 256);
  for (float& v : x) v = dist(rng);
  const auto y = dequant(DType::Q4_0, quant(DType::Q4_0, x), static_cast<int64_t>(x.size()));
  double err = 0, dsum = 0;
  for (size_t b = 0; b < x.size() / 32; ++b) {
    const float d = std::fabs(block_absmax_signed(x.data() + 32 * b) / 8.0f);
    for (size_t j = 0; j < 32; ++j) err += std::fabs(x[32 * b + j] - y[32 * b + j]);
    dsum += 32 * d;
  }
  const double rel = err / dsum;  // mean |error| in units of d
  EXPECT_GT(rel, 0.15);
  EXPECT_LT(rel, 0.35);
}

TEST(Quantize, F16AndBF16RoundTrip) {
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 100.0f);
  std::vector<float> x(1000);
  for (float& v : x) v = dist(rng);
  const auto h = dequant(DType::F16, quant(DType::F16, x), 1000);
  const auto b = dequant(DType::BF16, quant(DType::BF16, x), 1000);
  for (size_t i = 0; i < x.size(); ++i) {
    // Round to nearest: relative error <= 2^-11 (f16, normal range) and
    // 2^-8 (bf16); f16 values below 2^-14 have an absolute error <= 2^-25.
    EXPECT_LE(std::fabs(x[i] - h[i]), std::max(std::fabs(x[i]) * std::ldexp(1.0f, -11), std::ldexp(1.0f, -25)));
    EXPECT_LE(std::fabs(x[i] - b[i]), std::fabs(x[i]) * std::ldexp(1.0f, -8));
  }
  const auto f = dequant(DType::F32, quant(DType::F32, x), 1000);
  EXPECT_EQ(f, x);
}

// ------------------------------------------------------------------ errors

TEST(Dequantize, SupportedSet) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                  DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,
                  DType::Q6_K, DType::Q8_K, DType::IQ4_NL, DType::IQ4_XS}) {
    EXPECT_TRUE(can_dequantize(t));
    EXPECT_TRUE(can_quantize(t));
  }
  for (DType t : {DType::Q8_1, DType::IQ2_XXS, DType::IQ3_S, DType::IQ1_M, DType::I32, DType::F64,
                  DType::MXFP4, DType::TQ2_0}) {
    EXPECT_FALSE(can_dequantize(t));
    EXPECT_FALSE(can_quantize(t));
  }
}

void expect_error_naming(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    FAIL() << "no error; expected one naming " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Dequantize, UnsupportedTypesThrowNamingTheType) {
  std::vector<uint8_t> buf(4096);
  std::vector<float> out(256);
  expect_error_naming([&] { dequantize_row(DType::IQ1_S, buf.data(), out.data(), 256); }, "iq1_s");
  expect_error_naming([&] { dequantize_row(DType::IQ2_XXS, buf.data(), out.data(), 256); }, "iq2_xxs");
  expect_error_naming([&] { dequantize_row(DType::I32, buf.data(), out.data(), 4); }, "i32");
  expect_error_naming([&] { quantize_row(DType::TQ1_0, out.data(), buf.data(), 256); }, "tq1_0");
  expect_error_naming([&] { quantize_row(DType::MXFP4, out.data(), buf.data(), 32); }, "mxfp4");
  // A retired id is named by its number.
  expect_error_naming([&] { dequantize_row(static_cast<DType>(4), buf.data(), out.data(), 32); }, "4");
}

TEST(Dequantize, PartialBlocksThrow) {
  std::vector<uint8_t> buf(4096);
  std::vector<float> out(256);
  expect_error_naming([&] { dequantize_row(DType::Q4_0, buf.data(), out.data(), 33); }, "q4_0");
  expect_error_naming([&] { dequantize_row(DType::Q8_0, buf.data(), out.data(), 16); }, "32");
  expect_error_naming([&] { quantize_row(DType::Q5_1, out.data(), buf.data(), 31); }, "q5_1");
  EXPECT_THROW(quantize_row(DType::Q4_0, out.data(), buf.data(), -32), Error);
  // Zero elements is a valid (empty) row.
  EXPECT_NO_THROW(dequantize_row(DType::Q4_0, buf.data(), out.data(), 0));
  EXPECT_NO_THROW(quantize_row(DType::F16, out.data(), buf.data(), 0));
}

}  // namespace
}  // namespace hearth::tensor
