// Bit-exactness with ggml for q2_K..q6_K, q8_K, iq4_nl and iq4_xs, against
// bytes and floats ggml produced (tests/data/quant/, see its README.md):
//
//  * the 16 input rows of quant_inputs.h, regenerated here, quantized by
//    hearth, must give ggml's bytes exactly (<type>.bin);
//  * those bytes dequantized by hearth must give ggml's floats bit for bit
//    (<type>.f32);
//  * random blocks (make_random_blocks, regenerated here) dequantized by
//    hearth must give ggml's floats bit for bit (<type>.rand.f32).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tensor/dequantize.h"
#include "tensor/quant_inputs.h"

namespace hearth::tensor {
namespace {

namespace qi = hearth_quant_inputs;

std::vector<uint8_t> read_file(const std::string& name) {
  const std::string path = std::string(HEARTH_TEST_DATA) + "/quant/" + name;
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<float> read_floats(const std::string& name) {
  const auto bytes = read_file(name);
  std::vector<float> out(bytes.size() / 4);
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * 4);
  return out;
}

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Floats compared as bit patterns: -0.0 and 0.0 differ, as they would in a
// kernel's output.
void expect_same_floats(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 10; ++i) {
    if (bits(got[i]) != bits(want[i])) {
      ADD_FAILURE() << "element " << i << ": hearth " << got[i] << " (0x" << std::hex << bits(got[i])
                    << "), ggml " << want[i] << " (0x" << bits(want[i]) << std::dec << ")";
      ++bad;
    }
  }
}

struct Case {
  DType type;
  std::vector<int> scale_offsets;  // f16 (or f32) scale fields in a block
  bool f32_scale;
};

const Case kCases[] = {
    {DType::Q2_K, {80, 82}, false},  {DType::Q3_K, {108}, false}, {DType::Q4_K, {0, 2}, false},
    {DType::Q5_K, {0, 2}, false},    {DType::Q6_K, {208}, false}, {DType::Q8_K, {0}, true},
    {DType::IQ4_NL, {0}, false},     {DType::IQ4_XS, {0}, false},
};

// The generator's output is pinned, so that a change to it shows up here and
// not as a quantizer mismatch.
TEST(QuantGgml, InputsAreTheOnesGgmlSaw) {
  const auto x = qi::make_rows();
  ASSERT_EQ(x.size(), static_cast<size_t>(qi::kRows * qi::kRowLen));
  EXPECT_EQ(qi::fnv1a(x), 0xd73e055d3325b44eull);
}

TEST(QuantGgml, GeneratorIsNormal) {
  // The series log and cos against libm (loosely: libm is not the spec).
  for (double u : {1.0, 0.75, 0.5, 1e-3, 1e-300, 0.123456789})
    EXPECT_NEAR(qi::series_log(u), std::log(u), 1e-13 * std::max(1.0, std::fabs(std::log(u))));
  for (double t : {0.0, 0.1, 0.25, 0.5, 0.77, 0.999})
    EXPECT_NEAR(qi::series_cos_2pi(t), std::cos(6.283185307179586 * t), 1e-13);
  // Moments of 200000 deviates: mean 0 +- 0.01, variance 1 +- 0.01 (5 sigma
  // is 0.011 and 0.016), fourth moment 3 +- 0.1.
  qi::Rng rng{1};
  double s1 = 0, s2 = 0, s4 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    s1 += z;
    s2 += z * z;
    s4 += z * z * z * z;
  }
  EXPECT_NEAR(s1 / n, 0.0, 0.011);
  EXPECT_NEAR(s2 / n, 1.0, 0.016);
  EXPECT_NEAR(s4 / n, 3.0, 0.1);
}

TEST(QuantGgml, QuantizeGivesGgmlsBytes) {
  const auto x = qi::make_rows();
  const auto n = static_cast<int64_t>(x.size());
  for (const Case& c : kCases) {
    const char* name = dtype_info(c.type).name;
    SCOPED_TRACE(name);
    const auto want = read_file(std::string(name) + ".bin");
    ASSERT_EQ(want.size(), row_bytes(c.type, n));
    std::vector<uint8_t> got(want.size(), 0xcd);
    quantize_row(c.type, x.data(), got.data(), n);
    const size_t row = row_bytes(c.type, qi::kRowLen);
    int bad = 0;
    for (size_t i = 0; i < got.size() && bad < 10; ++i) {
      if (got[i] != want[i]) {
        ADD_FAILURE() << "input row " << i / row << ", byte " << i % row << ": hearth "
                      << int{got[i]} << ", ggml " << int{want[i]};
        ++bad;
      }
    }
  }
}

TEST(QuantGgml, DequantizeGivesGgmlsFloats) {
  const int64_t n = qi::kRows * qi::kRowLen;
  for (const Case& c : kCases) {
    const char* name = dtype_info(c.type).name;
    SCOPED_TRACE(name);
    const auto q = read_file(std::string(name) + ".bin");
    ASSERT_EQ(q.size(), row_bytes(c.type, n));
    std::vector<float> got(static_cast<size_t>(n));
    dequantize_row(c.type, q.data(), got.data(), n);
    expect_same_floats(got, read_floats(std::string(name) + ".f32"));
  }
}

TEST(QuantGgml, DequantizeRandomBlocksGivesGgmlsFloats) {
  const int64_t n = 1024;
  for (const Case& c : kCases) {
    const DTypeInfo& info = dtype_info(c.type);
    SCOPED_TRACE(info.name);
    const auto blocks =
        qi::make_random_blocks(qi::kSeed + static_cast<uint64_t>(c.type),
                               static_cast<size_t>(n / info.block_size), info.block_bytes,
                               c.scale_offsets, c.f32_scale);
    std::vector<float> got(static_cast<size_t>(n));
    dequantize_row(c.type, blocks.data(), got.data(), n);
    expect_same_floats(got, read_floats(std::string(info.name) + ".rand.f32"));
  }
}

}  // namespace
}  // namespace hearth::tensor
