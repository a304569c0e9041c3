// The fast dot kernels against their scalar references on random data.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "backend/cpu/dot.h"
#include "core/half.h"

namespace hearth::backend::cpu {
namespace {

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Sum of |a_i * b_i|: the scale of rounding error a reordered float sum can have.
double magnitude(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0;
  for (size_t i = 0; i < a.size(); ++i) m += std::fabs(static_cast<double>(a[i]) * b[i]);
  return m;
}

class FastKernels : public ::testing::Test {
 protected:
  void SetUp() override {
    fast_ = avx2_kernels();
    if (!fast_) GTEST_SKIP() << "this CPU has no AVX2/FMA/F16C";
  }
  const DotKernels* fast_ = nullptr;
};

TEST_F(FastKernels, DotF32MatchesScalarForAllTailLengths) {
  for (int64_t n : {1, 7, 8, 9, 31, 32, 33, 64, 100, 1000, 4096}) {
    auto a = random_floats(n, 1 + n), b = random_floats(n, 2 + n);
    // f32 accumulation in a different order: error bounded by n * eps * sum|a_i b_i|.
    const double tol = 1e-6 * static_cast<double>(n) * magnitude(a, b) + 1e-6;
    EXPECT_NEAR(fast_->dot_f32(a.data(), b.data(), n), dot_f32_scalar(a.data(), b.data(), n), tol) << "n=" << n;
  }
}

TEST_F(FastKernels, DotF16MatchesScalar) {
  for (int64_t n : {1, 8, 15, 16, 17, 64, 257, 2048}) {
    auto a = random_floats(n, 3 + n), b = random_floats(n, 4 + n);
    std::vector<uint16_t> h(n);
    std::vector<float> a_rounded(n);
    for (int64_t i = 0; i < n; ++i) {
      h[i] = f32_to_f16(a[i]);
      a_rounded[i] = f16_to_f32(h[i]);
    }
    const double tol = 1e-6 * static_cast<double>(n) * magnitude(a_rounded, b) + 1e-6;
    EXPECT_NEAR(fast_->dot_f16(h.data(), b.data(), n), dot_f16_scalar(h.data(), b.data(), n), tol) << "n=" << n;
  }
}

TEST_F(FastKernels, AxpyF16MatchesScalar) {
  for (int64_t n : {1, 8, 13, 64, 130}) {
    auto x = random_floats(n, 5 + n), y0 = random_floats(n, 6 + n);
    std::vector<uint16_t> h(n);
    for (int64_t i = 0; i < n; ++i) h[i] = f32_to_f16(x[i]);
    auto y_fast = y0, y_ref = y0;
    fast_->axpy_f16(0.37f, h.data(), y_fast.data(), n);
    axpy_f16_scalar(0.37f, h.data(), y_ref.data(), n);
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(y_fast[i], y_ref[i], 1e-6f * (1 + std::fabs(y_ref[i])));
  }
}

TEST(ScalarKernels, DotOfKnownVectors) {
  const float a[] = {1, 2, 3, 4, 5};
  const float b[] = {-1, 0.5f, 2, 0, 1};
  EXPECT_FLOAT_EQ(dot_f32_scalar(a, b, 5), -1 + 1 + 6 + 0 + 5);
  uint16_t h[5];
  for (int i = 0; i < 5; ++i) h[i] = f32_to_f16(a[i]);
  EXPECT_FLOAT_EQ(dot_f16_scalar(h, b, 5), 11.0f);
}

}  // namespace
}  // namespace hearth::backend::cpu
