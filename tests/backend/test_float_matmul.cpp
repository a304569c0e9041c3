// The float matmul (F32, F16 and BF16 weights) at every level this CPU runs,
// against a plain reference written here: the weights dequantized to f32 by
// the tensor layer, each product summed in double. Shapes cover every edge:
// K not a multiple of the vector width, the bf16 pair or the K block, rows
// not a multiple of the panel, tokens not a multiple of the tile, one token
// and a 512-token prompt. Then the promises of float_matmul.h: a token's
// result does not depend on its batch, and weights repacked once are
// repacked when other data turns up at their address.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/float_gemm.h"
#include "backend/cpu/float_matmul.h"
#include "core/half.h"
#include "core/thread_pool.h"
#include "tensor/dequantize.h"

namespace hearth::backend::cpu {
namespace {

using tensor::DType;

struct Shape {
  int64_t K, R, T;
};

// Row strides padded past the data when padded is set, so that nothing may
// assume rows lie back to back.
struct Problem {
  DType type;
  Shape s;
  size_t w_stride, x_stride, out_stride;  // bytes, floats, floats
  std::vector<uint8_t> w;
  std::vector<float> w_values;  // the weights' exact values, [R][K]
  std::vector<float> x;
  std::vector<float> out;
};

Problem make_problem(DType type, Shape s, uint32_t seed, bool padded) {
  Problem p{type, s, tensor::row_bytes(type, s.K) + (padded ? 68 : 0), static_cast<size_t>(s.K) + (padded ? 3 : 0),
            static_cast<size_t>(s.R) + (padded ? 5 : 0), {}, {}, {}, {}};
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  p.w.assign(p.w_stride * s.R, 0xee);
  p.w_values.resize(s.K * s.R);
  std::vector<float> row(s.K);
  for (int64_t r = 0; r < s.R; ++r) {
    const float scale = 0.02f * static_cast<float>(1 + r % 5);  // rows of varied magnitude
    for (auto& v : row) v = r == 2 ? 0.0f : scale * normal(rng);
    tensor::quantize_row(type, row.data(), p.w.data() + r * p.w_stride, s.K);
    tensor::dequantize_row(type, p.w.data() + r * p.w_stride, p.w_values.data() + r * s.K, s.K);
  }
  p.x.assign(p.x_stride * s.T, std::numeric_limits<float>::quiet_NaN());  // padding: must not be read
  for (int64_t t = 0; t < s.T; ++t)
    for (int64_t k = 0; k < s.K; ++k) p.x[t * p.x_stride + k] = (t == 1 && k < 20) ? 0.0f : normal(rng);
  if (s.K > 5) p.x[s.K - 5] = 30.0f;  // an outlier in token 0
  p.out.resize(p.out_stride * s.T);
  return p;
}

void run(FloatMatmul& mm, ThreadPool& pool, Problem& p) {
  TensorView w = TensorView::contiguous(p.type, p.w.data(), {p.s.K, p.s.R});
  TensorView x = TensorView::contiguous(DType::F32, p.x.data(), {p.s.K, p.s.T});
  TensorView out = TensorView::contiguous(DType::F32, p.out.data(), {p.s.R, p.s.T});
  w.nb[1] = p.w_stride;
  x.nb[1] = p.x_stride * sizeof(float);
  out.nb[1] = p.out_stride * sizeof(float);
  w.nb[2] = w.nb[3] = w.nb[1] * p.s.R;
  x.nb[2] = x.nb[3] = x.nb[1] * p.s.T;
  out.nb[2] = out.nb[3] = out.nb[1] * p.s.T;
  mm.run(pool, w, x, out);
}

void run(const FloatKernels& level, ThreadPool& pool, Problem& p) {
  FloatMatmul mm(level);
  run(mm, pool, p);
}

// True where the level rounds the activations to bf16 (for vdpbf16ps).
bool rounds_acts_to_bf16(const FloatKernels& level, DType type) {
  return type == DType::BF16 && level.gemm[static_cast<int>(FloatType::BF16)].pack == Pack::Bf16Pairs;
}

// The exact sums, in double, and the scale of their rounding error: sum |w x|.
struct Reference {
  std::vector<double> sum, magnitude;  // [T][R]
};

Reference reference(const Problem& p, bool bf16_acts) {
  const auto [K, R, T] = p.s;
  Reference ref{std::vector<double>(R * T), std::vector<double>(R * T)};
  for (int64_t t = 0; t < T; ++t)
    for (int64_t r = 0; r < R; ++r) {
      double sum = 0.0, magnitude = 0.0;
      for (int64_t k = 0; k < K; ++k) {
        float xv = p.x[t * p.x_stride + k];
        if (bf16_acts) xv = bf16_to_f32(f32_to_bf16(xv));
        const double prod = static_cast<double>(p.w_values[r * K + k]) * xv;
        sum += prod;
        magnitude += std::fabs(prod);
      }
      ref.sum[t * R + r] = sum;
      ref.magnitude[t * R + r] = magnitude;
    }
  return ref;
}

// Each output is a sum of K products in f32: each product exact or rounded
// once, each addition rounded once (fused or not, in lanes, K blocks and a
// final reduction: at most K + K/32 + 8 roundings), each rounding off by at
// most 2^-24 of a partial sum no larger than sum |w x|. So |out - exact| <=
// (K + K/32 + 8) 2^-24 sum |w x| <= (K + 8) 2^-23 sum |w x|. A kernel that
// drops or doubles one product, or reads a wrong row, token or k, is off by
// about sum |w x| / K, far more for the K tested here (up to 1100).
void expect_matches(const Problem& p, const Reference& ref) {
  const auto [K, R, T] = p.s;
  int bad = 0;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t r = 0; r < R; ++r) {
      const double want = ref.sum[t * R + r];
      const double tol = static_cast<double>(K + 8) * std::ldexp(1.0, -23) * ref.magnitude[t * R + r] + 1e-30;
      const float got = p.out[t * p.out_stride + r];
      if (!(std::fabs(got - want) <= tol) && bad++ < 5)
        ADD_FAILURE() << "t=" << t << " r=" << r << ": got " << got << ", reference " << want << " (tolerance " << tol
                      << ")";
    }
  EXPECT_EQ(bad, 0) << "outputs off the reference";
  // The padding of each output row is left alone.
  for (int64_t t = 0; t < T; ++t)
    for (size_t r = R; r < p.out_stride; ++r) ASSERT_TRUE(std::isnan(p.out[t * p.out_stride + r])) << "t=" << t;
}

std::string describe(const FloatKernels& level, DType type, Shape s, int threads, bool padded) {
  return std::string(level.name) + " " + tensor::dtype_info(type).name + " K=" + std::to_string(s.K) +
         " R=" + std::to_string(s.R) + " T=" + std::to_string(s.T) + " threads=" + std::to_string(threads) +
         (padded ? " padded" : "");
}

void check_shapes(const std::vector<Shape>& shapes, const std::vector<int>& thread_counts) {
  std::vector<std::unique_ptr<ThreadPool>> pools;
  for (int n : thread_counts) pools.push_back(std::make_unique<ThreadPool>(n));
  uint32_t seed = 1;
  for (DType type : {DType::F32, DType::F16, DType::BF16})
    for (const Shape& s : shapes)
      for (bool padded : {false, true}) {
        Problem p = make_problem(type, s, seed++, padded);
        const Reference plain = reference(p, false);
        const Reference bf16_acts = type == DType::BF16 ? reference(p, true) : Reference{};
        for (const FloatKernels* level : supported_float_kernels())
          for (auto& pool : pools) {
            SCOPED_TRACE(describe(*level, type, s, pool->size(), padded));
            // Stale output: every element the matmul owns must be overwritten.
            std::fill(p.out.begin(), p.out.end(), std::numeric_limits<float>::quiet_NaN());
            run(*level, *pool, p);
            expect_matches(p, rounds_acts_to_bf16(*level, type) ? bf16_acts : plain);
            if (::testing::Test::HasFailure()) return;
          }
      }
}

TEST(FloatMatmul, LevelsOfThisCpu) {
  const auto levels = supported_float_kernels();
  ASSERT_FALSE(levels.empty());
  EXPECT_STREQ(levels.front()->name, "scalar");
  bool has_best = false;
  for (const FloatKernels* k : levels) has_best |= k == &best_float_kernels();
  EXPECT_TRUE(has_best);
  for (const FloatKernels* k : levels)
    for (const GemmKernels& g : k->gemm) {
      EXPECT_LE(g.nr, kMaxTileTokens) << k->name;
      EXPECT_EQ(g.kc % 32, 0) << k->name;
      EXPECT_LE(g.mr, 32) << k->name;
      for (int nt = 1; nt <= g.nr; ++nt) EXPECT_NE(g.tile[nt], nullptr) << k->name << " nt=" << nt;
    }
}

TEST(FloatMatmul, FewTokensMatchReference) {
  check_shapes({{1, 1, 1}, {17, 5, 1}, {33, 37, 2}, {100, 65, 3}, {257, 70, 4}, {896, 40, 1}}, {1, 3});
}

TEST(FloatMatmul, PromptMatchesReference) {
  check_shapes({{16, 32, 5}, {31, 33, 12}, {47, 17, 13}, {300, 100, 29}, {513, 70, 7}, {1100, 300, 40}}, {1, 3});
}

TEST(FloatMatmul, LongPromptMatchesReference) { check_shapes({{200, 48, 512}}, {2}); }

// Token t of a batch of T comes out bit for bit as when multiplied alone, in
// any batch size (one panel or several, the last one partial).
TEST(FloatMatmul, ResultsDoNotDependOnTheBatch) {
  const Shape s{300, 70, 31};  // two K blocks of the f32 levels, a partial panel of rows
  ThreadPool pool(2);
  for (DType type : {DType::F32, DType::F16, DType::BF16}) {
    Problem whole = make_problem(type, s, 11, false);
    for (const FloatKernels* level : supported_float_kernels()) {
      SCOPED_TRACE(std::string(level->name) + " " + tensor::dtype_info(type).name);
      FloatMatmul mm(*level);
      run(mm, pool, whole);
      for (int64_t step : {1, 3, 5, 13}) {
        for (int64_t t0 = 0; t0 < s.T; t0 += step) {
          const int64_t n = std::min(step, s.T - t0);
          Problem part = whole;
          part.s.T = n;
          part.x.assign(whole.x.begin() + t0 * whole.x_stride, whole.x.begin() + (t0 + n) * whole.x_stride);
          part.out.assign(part.out_stride * n, 0.0f);
          run(mm, pool, part);
          for (int64_t t = 0; t < n; ++t)
            for (int64_t r = 0; r < s.R; ++r)
              ASSERT_EQ(part.out[t * part.out_stride + r], whole.out[(t0 + t) * whole.out_stride + r])
                  << "steps of " << step << ", token " << t0 + t << ", row " << r;
        }
      }
    }
  }
}

// Packed weights are reused while the data at their address is the same,
// and packed again when it changes (a buffer freed and reused).
TEST(FloatMatmul, NewDataAtTheSameAddressIsPackedAgain) {
  const Shape s{64, 40, 6};
  ThreadPool pool(1);
  for (const FloatKernels* level : supported_float_kernels()) {
    SCOPED_TRACE(level->name);
    FloatMatmul mm(*level);
    Problem p = make_problem(DType::F16, s, 21, false);
    run(mm, pool, p);
    const size_t held = mm.panel_bytes();
    EXPECT_GT(held, 0u);
    run(mm, pool, p);
    EXPECT_EQ(mm.panel_bytes(), held) << "the same weights were packed twice";
    const Problem other = make_problem(DType::F16, s, 22, false);
    std::copy(other.w.begin(), other.w.end(), p.w.begin());
    p.w_values = other.w_values;
    run(mm, pool, p);
    expect_matches(p, reference(p, false));
    EXPECT_EQ(mm.panel_bytes(), held) << "a repack at the same address takes no new memory";
  }
}

TEST(FloatMatmul, RejectsOtherTypes) {
  EXPECT_TRUE(FloatMatmul::supports(DType::F32));
  EXPECT_TRUE(FloatMatmul::supports(DType::F16));
  EXPECT_TRUE(FloatMatmul::supports(DType::BF16));
  EXPECT_FALSE(FloatMatmul::supports(DType::Q8_0));
  EXPECT_FALSE(FloatMatmul::supports(DType::F64));
}

}  // namespace
}  // namespace hearth::backend::cpu
