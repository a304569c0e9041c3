// core/half.h against independent references: the CPU's F16C conversion
// instructions for f16 (when the CPU has them), a hand-written
// round-to-nearest-even for bf16, and values worked out by hand.
#include "core/half.h"

#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace hearth {
namespace {

// ------------------------------------------------------------- references

__attribute__((target("f16c"))) float f16c_to_f32(uint16_t h) {
  const __m128i v = _mm_set1_epi16(static_cast<short>(h));
  return _mm_cvtss_f32(_mm_cvtph_ps(v));
}

__attribute__((target("f16c"))) uint16_t f16c_from_f32(float f) {
  const __m128i v = _mm_cvtps_ph(_mm_set_ss(f), _MM_FROUND_TO_NEAREST_INT);
  return static_cast<uint16_t>(_mm_extract_epi16(v, 0));
}

bool have_f16c() { return __builtin_cpu_supports("f16c"); }

#define REQUIRE_F16C() \
  if (!have_f16c()) GTEST_SKIP() << "CPU has no F16C: no reference to compare with"

bool is_f16_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0; }

// Compares f32_to_f16(f) with the F16C result. NaN payloads are not specified
// by IEEE and hearth, like ggml's scalar code, returns the one quiet NaN
// 0x7e00 with the input's sign; F16C keeps the payload. Everything else must
// match bit for bit.
::testing::AssertionResult same_f16(float f) {
  const uint16_t got = f32_to_f16(f);
  const uint16_t want = f16c_from_f32(f);
  if (std::isnan(f)) {
    const uint16_t sign = (f32_to_bits(f) >> 16) & 0x8000;
    if (is_f16_nan(want) && got == (sign | 0x7e00)) return ::testing::AssertionSuccess();
  } else if (got == want) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << std::hex << "f32 bits 0x" << f32_to_bits(f) << " (" << f
                                       << "): got 0x" << got << ", F16C 0x" << want;
}

// bf16 reference: keep the top 16 bits, rounding on the low 16 bits to
// nearest, ties to an even result; NaNs made quiet (bit 6 of the bf16).
uint16_t ref_bf16(float f) {
  const uint32_t u = f32_to_bits(f);
  uint32_t upper = u >> 16;
  const uint32_t lower = u & 0xffff;
  if (std::isnan(f)) return static_cast<uint16_t>(upper | 0x40);
  if (lower > 0x8000 || (lower == 0x8000 && (upper & 1))) ++upper;  // may carry into inf: right
  return static_cast<uint16_t>(upper);
}

// ------------------------------------------------------------- f16 -> f32

TEST(Half, F16ToF32AllPatternsMatchF16C) {
  REQUIRE_F16C();
  int mismatches = 0;
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float got = f16_to_f32(static_cast<uint16_t>(h));
    const float want = f16c_to_f32(static_cast<uint16_t>(h));
    // Bit-exact, NaNs included: F16C keeps the payload and sets the quiet bit.
    if (f32_to_bits(got) != f32_to_bits(want) && ++mismatches <= 10)
      ADD_FAILURE() << std::hex << "f16 0x" << h << ": got 0x" << f32_to_bits(got) << ", F16C 0x"
                    << f32_to_bits(want);
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(Half, F16ToF32KnownValues) {
  EXPECT_EQ(f16_to_f32(0x0000), 0.0f);
  EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xbc00), -1.0f);
  EXPECT_EQ(f16_to_f32(0x3555), 0.333251953125f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0400), std::ldexp(1.0f, -14));    // smallest normal
  EXPECT_EQ(f16_to_f32(0x03ff), 1023 * std::ldexp(1.0f, -24));  // largest subnormal
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));    // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x8001), -std::ldexp(1.0f, -24));
  EXPECT_EQ(f16_to_f32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(f16_to_f32(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7c01)));  // signalling NaN pattern stays a NaN
  EXPECT_TRUE(std::isnan(f16_to_f32(0xfc01)));
}

// ------------------------------------------------------------- f32 -> f16

TEST(Half, F32ToF16ExactValuesRoundTrip) {
  REQUIRE_F16C();
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    if (is_f16_nan(static_cast<uint16_t>(h))) continue;
    const float f = f16_to_f32(static_cast<uint16_t>(h));
    ASSERT_EQ(f32_to_f16(f), h) << std::hex << "f16 0x" << h;
    ASSERT_TRUE(same_f16(f));
  }
}

// Halfway points between neighbouring f16 values (exact in f32: they need
// one bit more than f16 has) must round to the even neighbour; one f32 ulp
// either side must round to the nearer one.
TEST(Half, F32ToF16MidpointsTieToEven) {
  REQUIRE_F16C();
  int ties_checked = 0;
  for (uint32_t sign : {0u, 0x8000u}) {
    for (uint32_t m = 0; m < 0x7c00; ++m) {  // m and m + 1 both finite (m + 1 may be inf)
      const uint16_t lo = static_cast<uint16_t>(sign | m);
      const uint16_t hi = static_cast<uint16_t>(sign | (m + 1));
      const double a = f16_to_f32(lo);
      const double b = m + 1 == 0x7c00 ? (sign ? -65536.0 : 65536.0) : f16_to_f32(hi);
      const float mid = static_cast<float>((a + b) / 2);
      ASSERT_EQ(static_cast<double>(mid), (a + b) / 2);  // exact
      const uint16_t even = (m & 1) ? hi : lo;
      ASSERT_EQ(f32_to_f16(mid), even) << std::hex << "midpoint above 0x" << lo;
      ASSERT_TRUE(same_f16(mid));
      const float below = std::nextafter(mid, static_cast<float>(a));
      const float above = std::nextafter(mid, static_cast<float>(b));
      ASSERT_EQ(f32_to_f16(below), lo) << std::hex << "just below the midpoint above 0x" << lo;
      ASSERT_EQ(f32_to_f16(above), hi) << std::hex << "just above the midpoint above 0x" << lo;
      ASSERT_TRUE(same_f16(below));
      ASSERT_TRUE(same_f16(above));
      ++ties_checked;
    }
  }
  EXPECT_EQ(ties_checked, 2 * 0x7c00);
}

TEST(Half, F32ToF16SweepAndRandom) {
  REQUIRE_F16C();
  // Every 257th bit pattern over the whole f32 range: all exponents, both
  // signs, NaNs and infinities.
  int failures = 0;
  for (uint64_t u = 0; u <= 0xffffffffull && failures < 10; u += 257) {
    const float f = bits_to_f32(static_cast<uint32_t>(u));
    if (auto r = same_f16(f); !r) {
      ADD_FAILURE() << r.message();
      ++failures;
    }
  }
  // Random floats concentrated where f16 is not trivially 0 or inf.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exp_dist(-27.0, 17.0);
  for (int i = 0; i < 2000000 && failures < 10; ++i) {
    const double mag = std::exp2(exp_dist(rng));
    const float f = static_cast<float>((rng() & 1) ? -mag : mag);
    if (auto r = same_f16(f); !r) {
      ADD_FAILURE() << r.message();
      ++failures;
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(Half, F32ToF16Subnormals) {
  REQUIRE_F16C();
  // f32 subnormals are far below half the smallest f16 subnormal: all -> +-0.
  for (uint32_t m : {1u, 2u, 0x1234u, 0x400000u, 0x7fffffu}) {
    EXPECT_EQ(f32_to_f16(bits_to_f32(m)), 0x0000);
    EXPECT_EQ(f32_to_f16(bits_to_f32(0x80000000u | m)), 0x8000);
    EXPECT_TRUE(same_f16(bits_to_f32(m)));
  }
  // Around the f16 subnormal range.
  const float tiny = std::ldexp(1.0f, -24);                     // f16 0x0001
  EXPECT_EQ(f32_to_f16(tiny), 0x0001);
  EXPECT_EQ(f32_to_f16(tiny / 2), 0x0000);                     // tie -> even (0)
  EXPECT_EQ(f32_to_f16(std::nextafter(tiny / 2, 1.0f)), 0x0001);
  EXPECT_EQ(f32_to_f16(tiny * 1.5f), 0x0002);                  // tie 1|2 -> 2
  EXPECT_EQ(f32_to_f16(tiny * 2.5f), 0x0002);                  // tie 2|3 -> 2
  EXPECT_EQ(f32_to_f16(-tiny * 3.5f), 0x8004);                 // tie 3|4 -> 4
  EXPECT_EQ(f32_to_f16(1023.5f * tiny), 0x0400);               // rounds up into the normals
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -14)), 0x0400);
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> d(0.0f, std::ldexp(1.0f, -13));
  for (int i = 0; i < 200000; ++i) ASSERT_TRUE(same_f16(d(rng)));
}

TEST(Half, F32ToF16OverflowInfNaN) {
  REQUIRE_F16C();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65519.99f), 0x7bff);  // below the halfway point to 2^16
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);   // halfway: ties to even = inf
  EXPECT_EQ(f32_to_f16(-65520.0f), 0xfc00);
  EXPECT_EQ(f32_to_f16(1e10f), 0x7c00);
  EXPECT_EQ(f32_to_f16(std::numeric_limits<float>::max()), 0x7c00);
  EXPECT_EQ(f32_to_f16(inf), 0x7c00);
  EXPECT_EQ(f32_to_f16(-inf), 0xfc00);
  for (float f : {65504.0f, 65519.99f, 65520.0f, -65520.0f, 1e10f, inf, -inf}) EXPECT_TRUE(same_f16(f));
  for (uint32_t nan : {0x7fc00000u, 0x7f800001u, 0x7fffffffu, 0xffc00000u, 0xff800001u, 0x7fa00000u}) {
    const float f = bits_to_f32(nan);
    const uint16_t h = f32_to_f16(f);
    EXPECT_TRUE(is_f16_nan(h)) << std::hex << nan;
    EXPECT_EQ(h & 0x8000, (nan >> 16) & 0x8000) << std::hex << nan;
    EXPECT_TRUE(same_f16(f));
  }
}

// ------------------------------------------------------------- bf16

TEST(Half, BF16KnownValues) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_bf16(3.14159265f), 0x4049);  // 0x40490fdb: low half < 0x8000
  EXPECT_EQ(f32_to_bf16(0.0f), 0x0000);
  EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x3f808000)), 0x3f80);  // tie, even stays
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x3f818000)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x3f808001)), 0x3f81);  // just above the tie
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x3f817fff)), 0x3f81);  // just below the tie
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // overflows to inf
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(f32_to_bf16(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x00000001)), 0x0000);  // f32 subnormal rounds down
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x00018000)), 0x0002);  // subnormal tie -> even
  // NaNs stay NaNs, quiet, sign kept: an sNaN whose payload is all in the low
  // half would otherwise truncate to inf.
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x7f800001)), 0x7fc0);
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0xff800001)), 0xffc0);
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x7fc00000)), 0x7fc0);
  EXPECT_EQ(f32_to_bf16(bits_to_f32(0x7fffffff)), 0x7fff);

  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xc040), -3.0f);
  EXPECT_EQ(bf16_to_f32(0x4049), 3.140625f);
  EXPECT_EQ(bf16_to_f32(0x7f80), std::numeric_limits<float>::infinity());
  EXPECT_EQ(bf16_to_f32(0x0001), std::ldexp(1.0f, -133));
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7fc1)));
}

TEST(Half, BF16AllPatternsRoundTrip) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const float f = bf16_to_f32(static_cast<uint16_t>(h));
    ASSERT_EQ(f32_to_bits(f), h << 16);
    if (std::isnan(f)) {
      ASSERT_EQ(f32_to_bf16(f), h | 0x40);
    } else {
      ASSERT_EQ(f32_to_bf16(f), h);
    }
  }
}

TEST(Half, BF16MatchesReference) {
  int failures = 0;
  auto check = [&](uint32_t u) {
    const float f = bits_to_f32(u);
    const uint16_t got = f32_to_bf16(f), want = ref_bf16(f);
    if (got != want && ++failures <= 10)
      ADD_FAILURE() << std::hex << "f32 0x" << u << ": got 0x" << got << ", want 0x" << want;
  };
  for (uint64_t u = 0; u <= 0xffffffffull; u += 251) check(static_cast<uint32_t>(u));
  // Every low half for a few upper halves: even and odd, near inf, NaN.
  for (uint32_t upper : {0x3f80u, 0x3f81u, 0x0000u, 0x8001u, 0x7f7fu, 0xff7fu, 0x7f80u, 0x7fc0u})
    for (uint32_t lower = 0; lower <= 0xffff; ++lower) check(upper << 16 | lower);
  std::mt19937 rng(9);
  for (int i = 0; i < 1000000; ++i) check(rng());
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace hearth
