// q2_K .. q6_K and q8_K against blocks built byte by byte here from the
// format definitions (ggml-common.h's block structs), with the expected floats
// written out by hand; and quantizer outputs that can be worked out by hand.
//
// Layouts (QK_K = 256 elements per super-block, f16 = IEEE half):
//   q2_K: scales[16] @0 | qs[64] @16 | f16 d @80 | f16 dmin @82
//   q3_K: hmask[32] @0 | qs[64] @32 | scales[12] @96 | f16 d @108
//   q4_K: f16 d @0 | f16 dmin @2 | scales[12] @4 | qs[128] @16
//   q5_K: f16 d @0 | f16 dmin @2 | scales[12] @4 | qh[32] @16 | qs[128] @48
//   q6_K: ql[128] @0 | qh[64] @128 | i8 scales[16] @192 | f16 d @208
//   q8_K: f32 d @0 | i8 qs[256] @4 | i16 bsums[16] @260
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "tensor/dequantize.h"
#include "quant_test_helpers.h"

namespace hearth::tensor {
namespace {


constexpr uint16_t kH_0_25 = 0x3400, kH_0_5 = 0x3800, kH_1 = 0x3c00;

void set_u16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v & 0xff);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}

// --------------------------------------------------------------- q2_K

TEST(KQuants, Q2_KHandBuilt) {
  Bytes b(84, 0);
  // scales[g]: low nibble = scale g, high nibble = min 0; group 5 gets
  // scale 2, min 3.
  for (int g = 0; g < 16; ++g) b[g] = static_cast<uint8_t>(g);
  b[5] = 0x32;
  // qs byte l of half h holds elements 128h + l + 32k at bits 2k.
  b[16 + 0] = 0xe4;   // elements 0, 32, 64, 96 <- 0, 1, 2, 3
  b[16 + 16] = 0x30;  // element 80 (l = 16, k = 2) <- 3; 16, 48, 112 <- 0
  b[16 + 33] = 0x1b;  // half 1, l = 1: elements 129, 161, 193, 225 <- 3, 2, 1, 0
  set_u16(b, 80, kH_1);    // d
  set_u16(b, 82, kH_0_5);  // dmin
  // x = d * scale * q - dmin * min: 0 everywhere but group 5 (-1.5 at q = 0)
  // and the elements set above.
  std::vector<float> want(256, 0.0f);
  for (int i = 80; i < 96; ++i) want[i] = -1.5f;
  want[32] = 2;     // group 2: 2 * 1
  want[64] = 8;     // group 4: 4 * 2
  want[96] = 18;    // group 6: 6 * 3
  want[80] = 4.5f;  // group 5: 2 * 3 - 1.5
  want[129] = 24;   // group 8: 8 * 3
  want[161] = 20;   // group 10: 10 * 2
  want[193] = 12;   // group 12: 12 * 1
  expect_floats(dequant(DType::Q2_K, b), want);
}

// --------------------------------------------------------------- q3_K

TEST(KQuants, Q3_KHandBuilt) {
  Bytes b(110, 0);
  // Group j's 6-bit scale is 24 + j, i.e. j - 8 after the -32: low nibbles
  // (24 + j) & 15 in scales[0..7] (j < 8 low, j + 8 high), high two bits
  // (1 for j < 8, 2 for j >= 8) in scales[8 + j % 4] at bit 2 (j / 4).
  const uint8_t scales[12] = {0x08, 0x19, 0x2a, 0x3b, 0x4c, 0x5d, 0x6e, 0x7f,
                              0xa5, 0xa5, 0xa5, 0xa5};
  std::memcpy(&b[96], scales, 12);
  set_u16(b, 108, kH_0_5);
  // hmask bit k of byte l is the high bit of element 32k + l; set means "no
  // -4". All set, except for elements 0, 200 (byte 8, bit 6), 255 (byte 31,
  // bit 7).
  for (int i = 0; i < 32; ++i) b[i] = 0xff;
  b[0] = 0xfe;
  b[8] = 0xbf;
  b[31] = 0x7f;
  b[32 + 0] = 0xe4;   // elements 0, 32, 64, 96 <- low bits 0, 1, 2, 3
  b[32 + 40] = 0x20;  // half 1, l = 8, k = 2: element 200 <- 2
  b[32 + 63] = 0xc0;  // half 1, l = 31, k = 3: element 255 <- 3
  // x = 0.5 * (j - 8) * (low - (hbit ? 0 : 4)): 0 (signed) elsewhere.
  std::vector<float> want(256, 0.0f);
  want[0] = 16;       // group 0: 0.5 * -8 * (0 - 4)
  want[32] = -3;      // group 2: 0.5 * -6 * 1
  want[64] = -4;      // group 4: 0.5 * -4 * 2
  want[96] = -3;      // group 6: 0.5 * -2 * 3
  want[200] = -4;     // group 12: 0.5 * 4 * (2 - 4)
  want[255] = -3.5f;  // group 15: 0.5 * 7 * (3 - 4)
  expect_floats(dequant(DType::Q3_K, b), want);
}

// ---------------------------------------------------------- q4_K and q5_K

// Eight 6-bit scales and mins, and their 12-byte packing worked out by hand:
// bytes 0-3 = scale j | (scale j+4 >> 4) << 6, bytes 4-7 = min j | (min j+4
// >> 4) << 6, bytes 8-11 = (scale j+4 & 15) | (min j+4 & 15) << 4.
constexpr int kSc[8] = {1, 2, 3, 4, 33, 50, 63, 17};
constexpr int kMin[8] = {0, 5, 10, 63, 20, 48, 1, 36};
constexpr uint8_t kPacked[12] = {0x81, 0xc2, 0xc3, 0x44, 0x40, 0xc5,
                                 0x0a, 0xbf, 0x41, 0x02, 0x1f, 0x41};

TEST(KQuants, Q4_KHandBuilt) {
  Bytes b(144, 0);
  set_u16(b, 0, kH_1);    // d
  set_u16(b, 2, kH_0_5);  // dmin
  std::memcpy(&b[4], kPacked, 12);
  // Each 64 elements use 32 bytes: byte l = element l (low nibble, group 2c)
  // and element l + 32 (high nibble, group 2c + 1). Byte i holds
  // (i % 16) | (15 - i % 16) << 4.
  for (int i = 0; i < 128; ++i) b[16 + i] = static_cast<uint8_t>((i % 16) | ((15 - i % 16) << 4));
  std::vector<float> want(256);
  for (int e = 0; e < 256; ++e) {
    const int g = e / 32, l = e % 32;
    const int q = g % 2 == 0 ? l % 16 : 15 - l % 16;
    want[e] = static_cast<float>(kSc[g] * q) - 0.5f * static_cast<float>(kMin[g]);
  }
  // Spot values, by hand: element 0 = 1*0 - 0; 63 = 2*0 - 2.5;
  // 200 (group 6, l = 8, low) = 63*8 - 0.5; 255 (group 7, high of l = 31) = 17*0 - 18.
  EXPECT_EQ(want[0], 0.0f);
  EXPECT_EQ(want[63], -2.5f);
  EXPECT_EQ(want[200], 503.5f);
  EXPECT_EQ(want[255], -18.0f);
  expect_floats(dequant(DType::Q4_K, b), want);
}

TEST(KQuants, Q5_KHandBuilt) {
  Bytes b(176, 0);
  set_u16(b, 0, kH_0_25);  // d
  set_u16(b, 2, kH_1);     // dmin
  std::memcpy(&b[4], kPacked, 12);
  // qh[l]: bit 2c is the fifth bit of element 64c + l, bit 2c + 1 that of
  // element 64c + l + 32. qh[l] = 1 << (l % 8).
  for (int l = 0; l < 32; ++l) b[16 + l] = static_cast<uint8_t>(1 << (l % 8));
  for (int i = 0; i < 128; ++i) b[48 + i] = static_cast<uint8_t>((i % 16) | ((15 - i % 16) << 4));
  std::vector<float> want(256);
  for (int e = 0; e < 256; ++e) {
    const int c = e / 64, hi = (e % 64) / 32, l = e % 32, g = e / 32;
    const int nib = hi == 0 ? l % 16 : 15 - l % 16;
    const int q = nib + (l % 8 == 2 * c + hi ? 16 : 0);
    want[e] = 0.25f * static_cast<float>(kSc[g] * q) - static_cast<float>(kMin[g]);
  }
  // By hand: element 0 has the fifth bit (l = 0, bit 0): 0.25 * 1 * 16 - 0 = 4;
  // element 33 (c 0, high half, l = 1, bit 1 set): 0.25 * 2 * (14 + 16) - 5 = 10;
  // element 255 (c 3, high, l = 31, bit 7 set): 0.25 * 17 * 16 - 36 = 32.
  EXPECT_EQ(want[0], 4.0f);
  EXPECT_EQ(want[33], 10.0f);
  EXPECT_EQ(want[255], 32.0f);
  expect_floats(dequant(DType::Q5_K, b), want);
}

// --------------------------------------------------------------- q6_K

TEST(KQuants, Q6_KHandBuilt) {
  Bytes b(210, 0);
  for (int g = 0; g < 16; ++g) b[192 + g] = static_cast<uint8_t>(static_cast<int8_t>(g - 8));
  b[192] = 0x80;       // group 0: -128
  b[192 + 15] = 0x7f;  // group 15: 127
  set_u16(b, 208, kH_0_25);
  // With ql = qh = 0 every q is 0, i.e. -32 after the offset:
  // x = 0.25 * scale * -32 = -8 * scale.
  std::vector<float> want(256);
  for (int e = 0; e < 256; ++e) want[e] = -8.0f * static_cast<float>(static_cast<int8_t>(b[192 + e / 16]));
  // ql[0]: low nibble element 0, high nibble element 64; qh[0] bits 0-1,
  // 2-3, 4-5, 6-7 are the top bits of elements 0, 32, 64, 96.
  b[0] = 0x5a;
  b[128] = 0xe4;
  want[0] = 704;  // q = 10 - 32, group 0: 0.25 * -128 * -22
  want[32] = 24;  // q = 16 - 32, group 2: 0.25 * -6 * -16
  want[64] = -5;  // q = (5 | 32) - 32, group 4: 0.25 * -4 * 5
  want[96] = -8;  // q = 48 - 32, group 6: 0.25 * -2 * 16
  // Second half (elements 128..255), l = 31: ql[64 + 31 + 32] = ql[127]
  // holds elements 191 (low) and 255 (high); qh[32 + 31] the top bits of
  // 159, 191, 223, 255.
  b[127] = 0xff;
  b[128 + 63] = 0xff;
  want[159] = 4;        // q = 48 - 32, group 9: 0.25 * 1 * 16
  want[191] = 23.25f;   // q = 63 - 32, group 11: 0.25 * 3 * 31
  want[223] = 20;       // q = 48 - 32, group 13: 0.25 * 5 * 16
  want[255] = 984.25f;  // q = 63 - 32, group 15: 0.25 * 127 * 31
  expect_floats(dequant(DType::Q6_K, b), want);
}

// --------------------------------------------------------------- q8_K

TEST(KQuants, Q8_KHandBuilt) {
  Bytes b(292, 0);
  const float d = 0.5f;
  std::memcpy(&b[0], &d, 4);
  for (int j = 0; j < 256; ++j) b[4 + j] = static_cast<uint8_t>(j ^ 0x80);  // int8 j - 128
  for (int k = 0; k < 32; ++k) b[260 + k] = 0x5a;  // bsums: not read when decoding
  std::vector<float> want(256);
  for (int j = 0; j < 256; ++j) want[j] = 0.5f * static_cast<float>(j - 128);
  expect_floats(dequant(DType::Q8_K, b), want);
}

TEST(KQuants, Q8_KQuantizeByHand) {
  // max = -127 -> iscale = -127 / -127 = 1, d = 1; q = round half to even.
  std::vector<float> x(256, 0.0f);
  x[0] = -127.0f;
  x[1] = 0.5f;    // 0
  x[2] = 1.5f;    // 2
  x[3] = 2.5f;    // 2
  x[4] = -2.5f;   // -2
  x[5] = 126.5f;  // 126
  x[6] = 100.4f;  // 100
  x[17] = -3.0f;  // group 1
  Bytes want(292, 0);
  const float one = 1.0f;
  std::memcpy(&want[0], &one, 4);
  const int q[7] = {-127, 0, 2, 2, -2, 126, 100};
  for (int j = 0; j < 7; ++j) want[4 + j] = static_cast<uint8_t>(static_cast<int8_t>(q[j]));
  want[4 + 17] = static_cast<uint8_t>(static_cast<int8_t>(-3));
  // bsums[0] = -127 + 0 + 2 + 2 - 2 + 126 + 100 = 101; bsums[1] = -3 (0xfffd)
  want[260] = 101;
  want[262] = 0xfd;
  want[263] = 0xff;
  expect_bytes(quant(DType::Q8_K, x), want);
}

// An all-zero super-block is all zero bytes in every k-quant and in q8_K
// (every scale 0; ggml's q8_K leaves bsums unwritten there, hearth writes 0).
TEST(KQuants, ZeroBlocksAreZeroBytes) {
  const std::vector<float> x(512, 0.0f);
  for (DType t : {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K}) {
    SCOPED_TRACE(dtype_info(t).name);
    const Bytes q = quant(t, x);
    expect_bytes(q, Bytes(q.size(), 0));
    const auto y = dequant(t, q);
    for (float v : y) ASSERT_EQ(v, 0.0f);
  }
}

// Elements are independent blocks: quantizing two super-blocks at once equals
// quantizing each alone.
TEST(KQuants, BlocksAreIndependent) {
  std::vector<float> x(512);
  for (int i = 0; i < 512; ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * (i < 256 ? 1.0f : 40.0f);
  for (DType t : {DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::Q8_K}) {
    SCOPED_TRACE(dtype_info(t).name);
    const Bytes both = quant(t, x);
    Bytes parts = quant(t, std::vector<float>(x.begin(), x.begin() + 256));
    const Bytes second = quant(t, std::vector<float>(x.begin() + 256, x.end()));
    parts.insert(parts.end(), second.begin(), second.end());
    expect_bytes(both, parts);
  }
}

TEST(KQuants, PartialSuperBlocksThrow) {
  std::vector<uint8_t> buf(4096);
  std::vector<float> out(512);
  auto expect_error_naming = [](auto f, const std::string& needle) {
    try {
      f();
      ADD_FAILURE() << "no error; expected one naming " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error_naming([&] { dequantize_row(DType::Q4_K, buf.data(), out.data(), 128); }, "256");
  expect_error_naming([&] { quantize_row(DType::Q6_K, out.data(), buf.data(), 300); }, "q6_K");
  expect_error_naming([&] { quantize_row(DType::IQ4_XS, out.data(), buf.data(), 32); }, "iq4_xs");
  expect_error_naming([&] { dequantize_row(DType::IQ4_NL, buf.data(), out.data(), 48); }, "iq4_nl");
  EXPECT_NO_THROW(quantize_row(DType::IQ4_NL, out.data(), buf.data(), 32));
  EXPECT_NO_THROW(quantize_row(DType::Q8_K, out.data(), buf.data(), 0));
}

}  // namespace
}  // namespace hearth::tensor
