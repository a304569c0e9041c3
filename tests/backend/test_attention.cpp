// The tiled attention (backend/cpu/attention.h) at every level this CPU runs,
// against a plain softmax(q K^T * scale) V written here in double on the
// cache rows as stored (dequantized); its kernels against the scalar level;
// and the vectorised exp against std::exp.
#include <gtest/gtest.h>

#include <cfloat>
#include <cstring>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/attention.h"
#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/quant_dot.h"
#include "core/error.h"
#include "core/half.h"
#include "core/thread_pool.h"
#include "tensor/dequantize.h"

namespace hearth::backend::cpu {
namespace {

using tensor::DType;

std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

std::vector<const AttentionKernels*> attention_levels() {
  std::vector<const AttentionKernels*> levels{&attention_kernels_scalar()};
  if (auto* k = attention_kernels_avx2()) levels.push_back(k);
  if (auto* k = attention_kernels_avx512()) levels.push_back(k);
  return levels;
}

// A cache of n_cells rows of `width` values in `type`, and the same rows as
// the kernels see them (decoded back to f32).
struct Cache {
  DType type;
  int64_t width, n_cells;
  std::vector<uint8_t> bytes;
  std::vector<float> decoded;
  Cache(DType t, int64_t w, int64_t n, uint32_t seed) : type(t), width(w), n_cells(n) {
    const auto values = random_floats(static_cast<size_t>(w * n), seed);
    const size_t rb = tensor::row_bytes(t, w);
    bytes.resize(rb * n);
    decoded.resize(values.size());
    for (int64_t c = 0; c < n; ++c) {
      tensor::quantize_row(t, values.data() + c * w, bytes.data() + c * rb, w);
      tensor::dequantize_row(t, bytes.data() + c * rb, decoded.data() + c * w, w);
    }
  }
  TensorView view() { return TensorView::contiguous(type, bytes.data(), {width, n_cells}); }
};

struct Shape {
  int64_t head_dim, heads, kv_heads;
};

// The plain reference: per token and head, every score of its span, one
// softmax, one weighted sum. With a q8_0 cache and heads of whole blocks the
// query is first rounded through q8_0, as llama.cpp (and the kernel) does.
std::vector<float> reference_attention(const std::vector<float>& q, const Cache& k, const Cache& v, const Shape& s,
                                       const std::vector<int32_t>& begin, const std::vector<int32_t>& end,
                                       float scale) {
  const int64_t T = static_cast<int64_t>(begin.size()), d = s.head_dim, group = s.heads / s.kv_heads;
  const bool round_q = k.type == DType::Q8_0 && d % 32 == 0;
  std::vector<float> out(static_cast<size_t>(d * s.heads * T));
  std::vector<float> qh(d);
  std::vector<uint8_t> q8(round_q ? tensor::row_bytes(DType::Q8_0, d) : 0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < s.heads; ++h) {
      const float* qt = q.data() + (t * s.heads + h) * d;
      qh.assign(qt, qt + d);
      if (round_q) {
        tensor::quantize_row(DType::Q8_0, qt, q8.data(), d);
        tensor::dequantize_row(DType::Q8_0, q8.data(), qh.data(), d);
      }
      const int64_t off = (h / group) * d;
      std::vector<double> p;
      double mx = -1e300;
      for (int32_t c = begin[t]; c < end[t]; ++c) {
        double dot = 0;
        for (int64_t e = 0; e < d; ++e) dot += static_cast<double>(qh[e]) * k.decoded[c * k.width + off + e];
        p.push_back(dot * scale);
        mx = std::max(mx, p.back());
      }
      double sum = 0;
      for (double& x : p) sum += (x = std::exp(x - mx));
      for (int64_t e = 0; e < d; ++e) {
        double acc = 0;
        for (size_t j = 0; j < p.size(); ++j) acc += p[j] * v.decoded[(begin[t] + j) * v.width + off + e];
        out[(t * s.heads + h) * d + e] = p.empty() ? 0.0f : static_cast<float>(acc / sum);
      }
    }
  return out;
}

// Float rounding of the kernels: scores (sums of head_dim products) and the
// sums over up to a few thousand cells, in f32, on values of order 1 (the
// largest difference seen is about 6e-7, while a wrong cell, head or rescale
// moves outputs by orders of magnitude more).
constexpr double kTolerance = 5e-6;

// Every level this CPU runs, with one and three threads, against the reference.
void check(DType type, const Shape& s, int64_t n_cells, const std::vector<int32_t>& begin,
           const std::vector<int32_t>& end, uint32_t seed) {
  const int64_t T = static_cast<int64_t>(begin.size()), width = s.head_dim * s.kv_heads;
  Cache k(type, width, n_cells, seed), v(type, width, n_cells, seed + 1);
  auto q = random_floats(static_cast<size_t>(s.head_dim * s.heads * T), seed + 2);
  const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
  const auto ref = reference_attention(q, k, v, s, begin, end, scale);
  static ThreadPool one(1), three(3);
  for (const QuantKernels* level : supported_quant_kernels())
    for (ThreadPool* pool : {&one, &three}) {
      SCOPED_TRACE(std::string(level_name(level->level)) + " threads=" + std::to_string(pool->size()) + " " +
                   tensor::dtype_info(type).name + " head_dim=" + std::to_string(s.head_dim) + " heads=" +
                   std::to_string(s.heads) + "/" + std::to_string(s.kv_heads) + " seed=" + std::to_string(seed));
      CpuAttention attention(*level);
      std::vector<float> out(ref.size(), std::numeric_limits<float>::quiet_NaN());
      for (int rep = 0; rep < 2; ++rep) {  // the second call runs on scratch grown by the first
        attention.run(*pool, TensorView::contiguous(DType::F32, q.data(), {s.head_dim, s.heads, T}), k.view(),
                      v.view(), AttentionSpan{begin, end}, static_cast<int>(s.kv_heads), scale,
                      TensorView::contiguous(DType::F32, out.data(), {s.head_dim * s.heads, T}));
        int bad = 0;
        for (size_t i = 0; i < ref.size() && bad < 5; ++i)
          if (!(std::fabs(out[i] - ref[i]) <= kTolerance)) {
            ++bad;
            ADD_FAILURE() << "rep " << rep << " token " << i / (s.head_dim * s.heads) << " head "
                          << i % (s.head_dim * s.heads) / s.head_dim << " element " << i % s.head_dim << ": got "
                          << out[i] << ", want " << ref[i];
          }
      }
    }
}

const std::vector<Shape> kShapes = {
    {64, 2, 2},   // group 1
    {32, 4, 2},   // group 2
    {64, 14, 2},  // group 7 (Qwen2-0.5B)
    {8, 8, 4},    // stories260K: heads of 8, so q8_0 blocks span four heads
    {40, 28, 4},  // group 7, head_dim not a multiple of 16 or 32
    {48, 6, 2},   // the second KV head starts mid-block
    {24, 8, 4},   // heads straddle blocks; the first and last lie in one block
};

// A prompt of 9 tokens written after 100 earlier cells; a decode step of
// three sequences (one just started, one with no cells yet visible); tokens
// 0..4 of a prompt with a span starting mid-cache; a prompt under a sliding
// window of 70 cells (every token's span starts one cell later), with one
// token of another sequence in the middle.
struct Spans {
  std::vector<int32_t> begin, end;
};
const std::vector<Spans> kShortSpans = {
    {{0, 0, 0, 0, 0, 0, 0, 0, 0}, {101, 102, 103, 104, 105, 106, 107, 108, 109}},
    {{300, 0, 150}, {301, 77, 150}},
    {{37, 37, 37, 37, 37}, {38, 39, 40, 41, 42}},
    {{130, 131, 132, 133, 134, 0, 136, 137, 138, 139}, {200, 201, 202, 203, 204, 12, 206, 207, 208, 209}},
};

TEST(Attention, EveryLevelMatchesThePlainSoftmaxOnShortSpans) {
  for (DType type : {DType::F32, DType::F16, DType::Q8_0})
    for (const Shape& s : kShapes) {
      uint32_t seed = 10;
      for (const Spans& sp : kShortSpans) check(type, s, 310, sp.begin, sp.end, seed += 3);
    }
}

TEST(Attention, EveryLevelMatchesThePlainSoftmaxOnLongSpans) {
  // Several thousand cells: many blocks, and maxima that move between them.
  const std::vector<int32_t> begin = {700, 700, 700, 700, 700, 0}, end = {4000, 4001, 4002, 4003, 4004, 5000};
  for (DType type : {DType::F32, DType::F16, DType::Q8_0})
    for (const Shape& s : {Shape{64, 14, 2}, Shape{8, 8, 4}}) check(type, s, 5000, begin, end, 50);
}

// A token's output is bit for bit the same whether it is attended alone or
// with other tokens in one call (the server's continuous batching and prefix
// reuse rely on it: a request's text must not depend on its neighbours).
TEST(Attention, ATokensOutputDoesNotDependOnTheOtherTokensOfTheCall) {
  const Shape s{64, 14, 2};
  const int64_t n_cells = 400, width = s.head_dim * s.kv_heads;
  const Spans spans = kShortSpans[3];
  const int64_t T = static_cast<int64_t>(spans.begin.size()), row = s.head_dim * s.heads;
  for (DType type : {DType::F32, DType::F16, DType::Q8_0}) {
    Cache k(type, width, n_cells, 91), v(type, width, n_cells, 92);
    auto q = random_floats(static_cast<size_t>(row * T), 93);
    const float scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
    ThreadPool pool(2);
    for (const QuantKernels* level : supported_quant_kernels()) {
      SCOPED_TRACE(std::string(level_name(level->level)) + " " + tensor::dtype_info(type).name);
      CpuAttention attention(*level);
      std::vector<float> all(static_cast<size_t>(row * T));
      attention.run(pool, TensorView::contiguous(DType::F32, q.data(), {s.head_dim, s.heads, T}), k.view(), v.view(),
                    AttentionSpan{spans.begin, spans.end}, static_cast<int>(s.kv_heads), scale,
                    TensorView::contiguous(DType::F32, all.data(), {row, T}));
      for (int64_t t = 0; t < T; ++t) {
        std::vector<float> one(static_cast<size_t>(row));
        const std::vector<int32_t> b{spans.begin[t]}, e{spans.end[t]};
        attention.run(pool, TensorView::contiguous(DType::F32, q.data() + t * row, {s.head_dim, s.heads, 1}), k.view(),
                      v.view(), AttentionSpan{b, e}, static_cast<int>(s.kv_heads), scale,
                      TensorView::contiguous(DType::F32, one.data(), {row, 1}));
        ASSERT_EQ(0, std::memcmp(one.data(), all.data() + t * row, sizeof(float) * row)) << "token " << t;
      }
    }
  }
}

TEST(Attention, LargeScoresDoNotOverflow) {
  // Scores around 1000: exp only ever sees score - running max <= 0.
  const Shape s{32, 4, 2};
  const std::vector<int32_t> begin = {0, 0}, end = {200, 150};
  Cache k(DType::F32, 64, 200, 90), v(DType::F32, 64, 200, 91);
  for (float& x : k.decoded) x *= 30.0f;
  std::memcpy(k.bytes.data(), k.decoded.data(), k.bytes.size());
  auto q = random_floats(32 * 4 * 2, 92, 30.0f);
  const auto ref = reference_attention(q, k, v, s, begin, end, 1.0f);
  for (const QuantKernels* level : supported_quant_kernels()) {
    CpuAttention attention(*level);
    ThreadPool pool(1);
    std::vector<float> out(ref.size());
    attention.run(pool, TensorView::contiguous(DType::F32, q.data(), {32, 4, 2}), k.view(), v.view(),
                  AttentionSpan{begin, end}, 2, 1.0f, TensorView::contiguous(DType::F32, out.data(), {128, 2}));
    for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(out[i], ref[i], 1e-4) << level_name(level->level) << " " << i;
  }
}

TEST(Attention, RejectsBadArguments) {
  CpuAttention attention(quant_kernels_scalar());
  ThreadPool pool(1);
  std::vector<float> q(8 * 2), out(8 * 2), kf(8 * 4), vf(8 * 4);
  std::vector<uint16_t> vh(8 * 4);
  const auto qv = TensorView::contiguous(DType::F32, q.data(), {8, 2, 1});
  const auto ov = TensorView::contiguous(DType::F32, out.data(), {16, 1});
  const auto kv = TensorView::contiguous(DType::F32, kf.data(), {8, 4});
  const std::vector<int32_t> b = {0}, e = {4}, past = {5};
  EXPECT_THROW(attention.run(pool, qv, kv, TensorView::contiguous(DType::F16, vh.data(), {8, 4}), {b, e}, 1, 1, ov),
               Error);
  EXPECT_THROW(attention.run(pool, qv, kv, TensorView::contiguous(DType::F32, vf.data(), {8, 4}), {b, past}, 1, 1, ov),
               Error);
  EXPECT_THROW(attention.run(pool, qv, kv, TensorView::contiguous(DType::F32, vf.data(), {8, 4}), {b, e}, 3, 1, ov),
               Error);
}

TEST(StoreRows, WritesExactlyWhatTheReferenceConvertersWrite) {
  const int64_t width = 64;
  auto rows = random_floats(width * 3, 70);
  const std::vector<int32_t> cells = {4, 0, 2};
  CpuAttention attention(quant_kernels_scalar());
  for (DType type : {DType::F32, DType::F16, DType::Q8_0}) {
    const size_t rb = tensor::row_bytes(type, width);
    std::vector<uint8_t> cache(rb * 5, 0xAB), want(rb);
    attention.store_rows(TensorView::contiguous(DType::F32, rows.data(), {width, 3}), cells,
                         TensorView::contiguous(type, cache.data(), {width, 5}));
    for (size_t t = 0; t < cells.size(); ++t) {
      tensor::quantize_row(type, rows.data() + t * width, want.data(), width);
      EXPECT_EQ(0, std::memcmp(cache.data() + cells[t] * rb, want.data(), rb)) << tensor::dtype_info(type).name;
    }
    for (int c : {1, 3})
      for (size_t i = 0; i < rb; ++i) ASSERT_EQ(cache[c * rb + i], 0xAB) << "cell " << c << " was written";
  }
  std::vector<uint8_t> q8(tensor::row_bytes(DType::Q8_0, 32) * 2);
  std::vector<float> odd(48);
  const std::vector<int32_t> one = {0};
  EXPECT_THROW(attention.store_rows(TensorView::contiguous(DType::F32, odd.data(), {48, 1}), one,
                                    TensorView::contiguous(DType::Q8_0, q8.data(), {48, 1})),
               Error);
}

// --- the kernels ------------------------------------------------------------

TEST(AttentionKernels, ExpMatchesStdExpOverTheRangeSoftmaxUses) {
  // exp_sum sees score - max <= 0; below ln(FLT_MIN) the results are
  // subnormal or 0 and may be flushed (absolute error under FLT_MIN). Positive
  // arguments are checked too, up to where expf overflows (the sum only over
  // the non-positive ones, where it stays finite).
  std::vector<float> negative, positive;
  for (double a = -110.0; a <= 0.0; a += 0.0037) negative.push_back(static_cast<float>(a));
  for (float a : {0.0f, -0.0f, -1e-8f, -0.34657359f, -87.3f, -87.4f}) negative.push_back(a);
  for (double a = 1e-8; a <= 88.3; a += 0.0037) positive.push_back(static_cast<float>(a));
  for (const AttentionKernels* k : attention_levels())
    for (const auto* x : {&negative, &positive}) {
      SCOPED_TRACE(std::string(level_name(k->level)) + (x == &negative ? " x <= 0" : " x > 0"));
      auto y = *x;
      const float sum = k->exp_sum(y.data(), static_cast<int64_t>(y.size()), 0.0f);
      double want_sum = 0;
      for (size_t i = 0; i < x->size(); ++i) {
        const double want = std::exp(static_cast<double>((*x)[i]));
        want_sum += want;
        if (want >= FLT_MIN) {
          ASSERT_LE(std::fabs(y[i] - want), 2.5e-7 * want) << "exp(" << (*x)[i] << ") = " << y[i] << ", want " << want;
        } else {
          ASSERT_LE(std::fabs(y[i] - want), FLT_MIN) << "exp(" << (*x)[i] << ") = " << y[i];
        }
      }
      if (x == &negative) {
        EXPECT_NEAR(sum, want_sum, 1e-6 * want_sum);
      }
    }
  for (const AttentionKernels* k : attention_levels()) {
    float special[3] = {-std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN(), 2.0f};
    k->exp_sum(special, 3, 2.0f);
    EXPECT_EQ(special[0], 0.0f) << level_name(k->level);
    EXPECT_TRUE(std::isnan(special[1])) << level_name(k->level);
    EXPECT_EQ(special[2], 1.0f) << level_name(k->level);
  }
}

TEST(AttentionKernels, ExpSumSubtractsTheMaxForEveryTailLength) {
  for (const AttentionKernels* k : attention_levels())
    for (int64_t n = 1; n <= 40; ++n) {
      auto x = random_floats(n, 80 + static_cast<uint32_t>(n), 3.0f);
      auto y = x;
      const float sum = k->exp_sum(y.data(), n, 2.5f);
      double want_sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        const double want = std::exp(static_cast<double>(x[i] - 2.5f));  // the subtraction as the kernel does it
        want_sum += want;
        EXPECT_NEAR(y[i], want, 3e-7 * want) << level_name(k->level) << " n=" << n << " i=" << i;
      }
      EXPECT_NEAR(sum, want_sum, 1e-6 * want_sum) << level_name(k->level) << " n=" << n;
    }
}

TEST(AttentionKernels, ScoresAndAccumulateMatchTheScalarLevel) {
  const AttentionKernels& ref = attention_kernels_scalar();
  for (const AttentionKernels* k : attention_levels())
    for (int64_t d : {8, 24, 40, 64, 80, 128})
      for (int nq : {1, 2, 3, 4, 7, 8, 13})
        for (int nc : {1, 3, 4, 37, 64}) {
          SCOPED_TRACE(std::string(level_name(k->level)) + " d=" + std::to_string(d) + " nq=" + std::to_string(nq) +
                       " nc=" + std::to_string(nc));
          const int64_t stride = d + 5;  // rows of a wider cache
          auto kv = random_floats(nc * stride, 1), q = random_floats(nq * d, 2), p = random_floats(nq * 64, 3);
          // |error| of a reordered f32 sum of d (or nc) products of order 1.
          std::vector<float> got(nq * 64, -1.0f), want(nq * 64, -1.0f);
          k->scores(kv.data(), stride, nc, q.data(), d, nq, d, got.data(), 64);
          ref.scores(kv.data(), stride, nc, q.data(), d, nq, d, want.data(), 64);
          for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-6 * d) << "scores " << i;
          std::vector<float> acc_got(nq * (d + 3), 0.5f), acc_want(acc_got);
          k->accumulate(kv.data(), stride, nc, p.data(), 64, nq, d, acc_got.data(), d + 3);
          ref.accumulate(kv.data(), stride, nc, p.data(), 64, nq, d, acc_want.data(), d + 3);
          for (size_t i = 0; i < acc_got.size(); ++i) ASSERT_NEAR(acc_got[i], acc_want[i], 1e-6 * nc) << "acc " << i;
        }
}

// Against the integer sums computed here: per block of 32, sum of k * q
// levels times the two scales (f16 for K, f32 for the query row), to float
// rounding of the partial sums.
TEST(AttentionKernels, ScoresQ8_0AreBlockIntegerSumsTimesScales) {
  for (const AttentionKernels* k : attention_levels())
    for (int64_t d : {32, 64, 128})
      for (int nq : {1, 2, 3, 7, 8})
        for (int nc : {1, 4, 5, 37}) {
          SCOPED_TRACE(std::string(level_name(k->level)) + " d=" + std::to_string(d) + " nq=" + std::to_string(nq) +
                       " nc=" + std::to_string(nc));
          const size_t k_stride = tensor::row_bytes(DType::Q8_0, d) + 34;  // rows of a wider cache
          const size_t q_stride = act_row_bytes(ActType::Q8_0, d);
          auto kv = random_floats(nc * d, 6), qv = random_floats(nq * d, 7);
          std::vector<uint8_t> kq(k_stride * nc), qq(q_stride * nq);
          for (int j = 0; j < nc; ++j)
            tensor::quantize_row(DType::Q8_0, kv.data() + j * d, kq.data() + j * k_stride, d);
          for (int i = 0; i < nq; ++i)
            quantize_act_scalar(ActType::Q8_0, qv.data() + i * d, d, qq.data() + i * q_stride);
          std::vector<float> got(nq * 40);
          k->scores_q8_0(kq.data(), k_stride, nc, qq.data(), q_stride, nq, d, got.data(), 40);
          for (int i = 0; i < nq; ++i)
            for (int j = 0; j < nc; ++j) {
              double want = 0, magnitude = 0;
              for (int64_t b = 0; b < d / 32; ++b) {
                const uint8_t* kb = kq.data() + j * k_stride + 34 * b;
                const auto* ql = reinterpret_cast<const int8_t*>(qq.data() + i * q_stride + 32 * b);
                float qd;
                std::memcpy(&qd, qq.data() + i * q_stride + d + 4 * b, 4);
                uint16_t kd;
                std::memcpy(&kd, kb, 2);
                int64_t isum = 0, abs_sum = 0;
                for (int e = 0; e < 32; ++e) {
                  isum += static_cast<int8_t>(kb[2 + e]) * ql[e];
                  abs_sum += std::abs(static_cast<int8_t>(kb[2 + e]) * ql[e]);
                }
                want += static_cast<double>(isum) * f16_to_f32(kd) * qd;
                // The scale of float rounding in partial sums of the block.
                magnitude += static_cast<double>(abs_sum) * std::fabs(f16_to_f32(kd) * qd);
              }
              ASSERT_NEAR(got[i * 40 + j], want, 1e-6 * magnitude + 1e-30) << i << "," << j;
            }
        }
}

TEST(AttentionKernels, WidenF16IsExact) {
  for (int64_t n : {1, 7, 8, 9, 16, 17, 64, 100}) {
    auto x = random_floats(n, 4);
    std::vector<uint16_t> h(n);
    std::vector<float> want(n);
    for (int64_t i = 0; i < n; ++i) want[i] = f16_to_f32(h[i] = f32_to_f16(x[i]));
    for (const AttentionKernels* k : attention_levels()) {
      std::vector<float> got(n + 1, 7.0f);
      k->widen_f16(h.data(), n, got.data());
      EXPECT_EQ(std::vector<float>(got.begin(), got.begin() + n), want) << level_name(k->level) << " n=" << n;
      EXPECT_EQ(got[n], 7.0f) << level_name(k->level) << " wrote past n=" << n;
    }
  }
}

TEST(AttentionKernels, DequantizeQ8_0IsExact) {
  auto x = random_floats(32 * 7, 5);
  std::vector<uint8_t> q8(tensor::row_bytes(DType::Q8_0, 32 * 7));
  tensor::quantize_row(DType::Q8_0, x.data(), q8.data(), 32 * 7);
  std::vector<float> want(32 * 7);
  tensor::dequantize_row(DType::Q8_0, q8.data(), want.data(), 32 * 7);
  for (const AttentionKernels* k : attention_levels()) {
    std::vector<float> got(32 * 7);
    k->dequantize_q8_0(q8.data(), 7, got.data());
    EXPECT_EQ(got, want) << level_name(k->level);
  }
}

}  // namespace
}  // namespace hearth::backend::cpu
