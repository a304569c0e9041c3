// iq4_nl and iq4_xs against blocks built byte by byte from the format
// definitions, with expected floats written out by hand, and quantizer
// outputs that can be worked out by hand.
//
//   iq4_nl  (32 elements, 18 B): f16 d @0 | qs[16] @2
//   iq4_xs (256 elements, 136 B): f16 d @0 | u16 scales_h @2 | scales_l[4] @4 | qs[128] @8
// Codes index the 16 levels of ggml's kvalues_iq4nl table:
//   -127 -104 -83 -65 -49 -35 -22 -10 1 13 25 38 53 69 89 113
#include <gtest/gtest.h>

#include <vector>

#include "tensor/dequantize.h"
#include "quant_test_helpers.h"

namespace hearth::tensor {
namespace {


constexpr int kLevel[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

TEST(IQ4, NLHandBuilt) {
  // d = 0.5; byte j = code j (element j) | code 15 - j << 4 (element j + 16).
  Bytes b = {0x00, 0x38};
  for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | ((15 - j) << 4)));
  const std::vector<float> want = {
      -63.5f, -52,  -41.5f, -32.5f, -24.5f, -17.5f, -11,    -5,     0.5f,   6.5f,  12.5f,
      19,     26.5f, 34.5f, 44.5f,  56.5f,  56.5f,  44.5f,  34.5f,  26.5f,  19,    12.5f,
      6.5f,   0.5f, -5,     -11,    -17.5f, -24.5f, -32.5f, -41.5f, -52,    -63.5f};
  expect_floats(dequant(DType::IQ4_NL, b, 32), want);
}

TEST(IQ4, XSHandBuilt) {
  // 6-bit group scales ls = {0, 1, 31, 32, 33, 47, 62, 63}, i.e. ls - 32 =
  // {-32, -31, -1, 0, 1, 15, 30, 31}.
  // Low nibbles 0 1 15 0 1 15 14 15 -> scales_l = 10 0f f1 fe (even group
  // low, odd group high); high two bits 0 0 1 2 2 2 3 3 at bits 2g ->
  // scales_h = 0x10 | 0x80 | 0x200 | 0x800 | 0x3000 | 0xc000 = 0xfa90.
  const int ls_minus_32[8] = {-32, -31, -1, 0, 1, 15, 30, 31};
  Bytes b = {0x00, 0x34, 0x90, 0xfa, 0x10, 0x0f, 0xf1, 0xfe};  // d = 0.25
  for (int g = 0; g < 8; ++g)
    for (int j = 0; j < 16; ++j) b.push_back(static_cast<uint8_t>(j | ((15 - j) << 4)));
  std::vector<float> want(256);
  for (int g = 0; g < 8; ++g) {
    for (int j = 0; j < 16; ++j) {
      const float dl = 0.25f * static_cast<float>(ls_minus_32[g]);
      want[32 * g + j] = dl * static_cast<float>(kLevel[j]);
      want[32 * g + 16 + j] = dl * static_cast<float>(kLevel[15 - j]);
    }
  }
  // By hand: element 0 = 0.25 * -32 * -127; element 255 = 0.25 * 31 * -127;
  // element 100 (group 3, scale 0) = 0; element 47 (group 1, low nibble of
  // byte 15: code 15) = 0.25 * -31 * 113; element 63 (group 1, high nibble of
  // byte 15: code 0) = 0.25 * -31 * -127.
  EXPECT_EQ(want[0], 1016.0f);
  EXPECT_EQ(want[255], -984.25f);
  EXPECT_EQ(want[100], 0.0f);
  EXPECT_EQ(want[47], -875.75f);
  EXPECT_EQ(want[63], 984.25f);
  expect_floats(dequant(DType::IQ4_XS, b, 256), want);
}

// All-zero input: iq4_nl gets d = 0 and, choosing codes at inverse scale 0,
// code 8 (level 1, the nearest to 0) everywhere. iq4_xs's super-block scale
// is -0 / 32 = -0.0 (f16 0x8000), every group scale 0 + 32 (low nibble 0,
// high bits 2: scales_h 0xaaaa) and code 8 everywhere.
TEST(IQ4, ZeroBlocks) {
  Bytes nl(36, 0x88);  // two blocks
  nl[0] = nl[1] = nl[18] = nl[19] = 0x00;
  expect_bytes(quant(DType::IQ4_NL, std::vector<float>(64, 0.0f)), nl);
  Bytes xs(136, 0x88);
  const uint8_t head[8] = {0x00, 0x80, 0xaa, 0xaa, 0x00, 0x00, 0x00, 0x00};
  for (int i = 0; i < 8; ++i) xs[i] = head[i];
  expect_bytes(quant(DType::IQ4_XS, std::vector<float>(256, 0.0f)), xs);
  for (float v : dequant(DType::IQ4_XS, xs, 256)) ASSERT_EQ(v, 0.0f);
}

// Values that are d times a level, with the extreme level -127 present, come
// back exactly through iq4_nl when d is a power of two: the trial inverse
// scale -127 / max (t = 0) is exactly 1/d, every code is then exact, and the
// least-squares scale of exact codes is d exactly (sum qx is sum q^2 times d,
// term by term, when d is a power of two), which no other trial beats.
TEST(IQ4, NLGridValuesRoundTrip) {
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = 0.125f * static_cast<float>(kLevel[(j * 7 + 3) % 16]);
  x[5] = 0.125f * -127;
  const Bytes q = quant(DType::IQ4_NL, x);
  EXPECT_EQ(q[0], 0x00);  // d = 0.125 = f16 0x3000
  EXPECT_EQ(q[1], 0x30);
  expect_floats(dequant(DType::IQ4_NL, q, 32), x);
}

}  // namespace
}  // namespace hearth::tensor
