// Each CPU backend op against a naive reference written here, with one and
// several threads.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "backend/backend.h"
#include "backend/cpu/quant_dot.h"
#include "core/error.h"
#include "core/half.h"
#include "tensor/dequantize.h"
#include "quant_test_util.h"

namespace hearth::backend {
namespace {

using tensor::DType;

std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

TensorView view(std::vector<float>& v, std::initializer_list<int64_t> shape) {
  return TensorView::contiguous(DType::F32, v.data(), shape);
}

class CpuOps : public ::testing::TestWithParam<int> {
 protected:
  std::unique_ptr<Backend> be_ = make_cpu_backend(GetParam());
};

TEST_P(CpuOps, MatmulF32) {
  const int64_t K = 67, R = 45, T = 5;
  auto w = random_floats(K * R, 1), x = random_floats(K * T, 2);
  std::vector<float> out(R * T);
  be_->matmul(view(w, {K, R}), view(x, {K, T}), view(out, {R, T}));
  for (int64_t t = 0; t < T; ++t)
    for (int64_t r = 0; r < R; ++r) {
      double ref = 0;
      for (int64_t k = 0; k < K; ++k) ref += static_cast<double>(w[r * K + k]) * x[t * K + k];
      EXPECT_NEAR(out[t * R + r], ref, 1e-4) << "t=" << t << " r=" << r;
    }
}

// Weights without an integer kernel: each row dequantized, then an f32 dot.
TEST_P(CpuOps, MatmulF16AndBF16AgainstDequantizedWeights) {
  const int64_t K = 64, R = 19, T = 3;
  auto wf = random_floats(K * R, 3), x = random_floats(K * T, 4);
  for (DType type : {DType::F16, DType::BF16}) {
    std::vector<uint8_t> wq(tensor::row_bytes(type, K) * R);
    std::vector<float> deq(K * R);
    for (int64_t r = 0; r < R; ++r) {
      tensor::quantize_row(type, wf.data() + r * K, wq.data() + r * tensor::row_bytes(type, K), K);
      tensor::dequantize_row(type, wq.data() + r * tensor::row_bytes(type, K), deq.data() + r * K, K);
    }
    std::vector<float> out(R * T);
    be_->matmul(TensorView::contiguous(type, wq.data(), {K, R}), view(x, {K, T}), view(out, {R, T}));
    // With BF16 weights the CPU may round the activations to bf16 too (for
    // vdpbf16ps, as llama.cpp does): each |x| moves by at most 2^-9 of
    // itself, so the sum by at most 2^-9 sum |w x|. F16 keeps f32
    // activations: f32 rounding only.
    const double act_rounding = type == DType::BF16 ? std::ldexp(1.0, -9) : 0.0;
    for (int64_t t = 0; t < T; ++t)
      for (int64_t r = 0; r < R; ++r) {
        double ref = 0, magnitude = 0;
        for (int64_t k = 0; k < K; ++k) {
          const double prod = static_cast<double>(deq[r * K + k]) * x[t * K + k];
          ref += prod;
          magnitude += std::fabs(prod);
        }
        EXPECT_NEAR(out[t * R + r], ref, 1e-4 + act_rounding * magnitude)
            << tensor::dtype_info(type).name << " t=" << t << " r=" << r;
      }
  }
}

// Quantized weights with an integer kernel: the activations are quantized to
// the weight type's partner (q8_0 blocks of 32 or q8_K blocks of 256), as
// llama.cpp does. Checked two ways:
//  - against the scalar vec-dot of the same quantized rows, to float rounding;
//  - against the dequantized weights times the f32 activations, within the
//    worst case of the activation rounding: q8_0 rounds x / d (d = amax / 127)
//    to an integer (error <= d / 2) and stores d as f16 (relative error <=
//    2^-11, times |q| <= 127): |x - xq| <= d * (0.5 + 127 * 2^-11) < 0.563 d;
//    q8_K keeps d in f32: |x - xq| <= d * (0.5 + 2^-16). So
//    |out - sum w x| <= sum |w_k| * bound_k, plus float rounding.
void check_quantized_matmul(Backend& be, DType type, int64_t K, int64_t R, int64_t T, uint32_t seed) {
  using namespace testutil;
  const auto act = cpu::act_type_for(type);
  const int64_t ablock = act == cpu::ActType::Q8_0 ? 32 : 256;
  const double bound_factor = act == cpu::ActType::Q8_0 ? 0.5 + 127.0 / 2048.0 : 0.5 + 1.0 / 65536.0;
  auto w = random_weights(type, K, R, seed, false);
  auto x = random_activations(K, T, seed + 1);
  std::vector<float> out(R * T);
  be.matmul(TensorView::contiguous(type, w.data(), {K, R}), TensorView::contiguous(DType::F32, x.data(), {K, T}),
            TensorView::contiguous(DType::F32, out.data(), {R, T}));
  const size_t rb = tensor::row_bytes(type, K), as = cpu::act_row_bytes(act, K);
  std::vector<uint8_t> arow(as);
  std::vector<float> wf(K);
  for (int64_t t = 0; t < T; ++t) {
    const float* xt = x.data() + t * K;
    cpu::quantize_act_scalar(act, xt, K, arow.data());
    std::vector<double> err_bound(K);
    for (int64_t b = 0; b < K / ablock; ++b) {
      double amax = 0;
      for (int64_t i = 0; i < ablock; ++i) amax = std::max(amax, std::fabs(static_cast<double>(xt[b * ablock + i])));
      for (int64_t i = 0; i < ablock; ++i) err_bound[b * ablock + i] = amax / 127.0 * bound_factor;
    }
    for (int64_t r = 0; r < R; ++r) {
      const uint8_t* wr = w.data() + r * rb;
      const float got = out[t * R + r];
      const double ref_q = cpu::vec_dot_scalar(type, K, wr, arow.data());
      const double mag = cpu::vec_dot_magnitude(type, K, wr, arow.data());
      EXPECT_NEAR(got, ref_q, kernel_tolerance(type, K, mag))
          << tensor::dtype_info(type).name << " vs scalar vec-dot, t=" << t << " r=" << r;
      tensor::dequantize_row(type, wr, wf.data(), K);
      double ref_f = 0, bound = 0, abs_sum = 0;
      for (int64_t k = 0; k < K; ++k) {
        ref_f += static_cast<double>(wf[k]) * xt[k];
        bound += std::fabs(static_cast<double>(wf[k])) * err_bound[k];
        abs_sum += std::fabs(static_cast<double>(wf[k]) * xt[k]);
      }
      EXPECT_NEAR(got, ref_f, bound + kernel_tolerance(type, K, mag) + 1e-6 * abs_sum)
          << tensor::dtype_info(type).name << " vs dequantized weights x f32, t=" << t << " r=" << r;
    }
  }
}

TEST_P(CpuOps, MatmulQuantizedWeightsEveryType) {
  for (DType type : testutil::integer_types()) {
    SCOPED_TRACE(tensor::dtype_info(type).name);
    // K a multiple of 256 (all types) and an odd count of 32-blocks where the
    // type allows it; R and T not multiples of the 4 x 4 tile.
    check_quantized_matmul(*be_, type, 512, 37, 1, 31);
    check_quantized_matmul(*be_, type, 768, 13, 6, 32);
    if (cpu::act_type_for(type) == cpu::ActType::Q8_0) check_quantized_matmul(*be_, type, 96, 5, 3, 33);
  }
}

// A batch longer than the token chunk (about 256 KiB of quantized
// activations) so that rows meet tokens in several chunks.
TEST_P(CpuOps, MatmulQuantizedWeightsLongBatch) {
  for (DType type : {DType::Q4_0, DType::Q4_K}) {
    SCOPED_TRACE(tensor::dtype_info(type).name);
    check_quantized_matmul(*be_, type, 4096, 9, 70, 41);
  }
}

TEST_P(CpuOps, MatmulRejectsMismatchedShapes) {
  std::vector<float> w(12), x(8), out(6);
  EXPECT_THROW(be_->matmul(view(w, {4, 3}), view(x, {8, 1}), view(out, {3, 2})), Error);
}

TEST_P(CpuOps, RmsNorm) {
  const int64_t n = 33, rows = 4;
  auto x = random_floats(n * rows, 5), w = random_floats(n, 6);
  std::vector<float> out(n * rows);
  be_->rms_norm(view(x, {n, rows}), view(w, {n}), 1e-5f, view(out, {n, rows}));
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < n; ++i) ss += x[r * n + i] * x[r * n + i];
    const double scale = 1.0 / std::sqrt(ss / n + 1e-5);
    for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(out[r * n + i], x[r * n + i] * scale * w[i], 1e-5);
  }
}

TEST_P(CpuOps, RopeNormalAndNeoxAgainstTheFormula) {
  const int64_t head_dim = 8, heads = 3, T = 4;
  const int32_t pos[T] = {0, 1, 7, 300};
  for (bool neox : {false, true}) {
    auto x = random_floats(head_dim * heads * T, 7);
    auto y = x;
    RopeParams p;
    p.n_rot = 6;  // partial rotation: the last two dimensions stay as they are
    p.freq_base = 10000.0f;
    p.neox = neox;
    be_->rope(TensorView::contiguous(DType::F32, y.data(), {head_dim, heads, T}), pos, p);
    for (int64_t t = 0; t < T; ++t)
      for (int64_t h = 0; h < heads; ++h) {
        const float* in = x.data() + (t * heads + h) * head_dim;
        const float* out = y.data() + (t * heads + h) * head_dim;
        for (int i = 0; i < p.n_rot / 2; ++i) {
          const double theta = pos[t] * std::pow(10000.0, -2.0 * i / p.n_rot);
          const int a = neox ? i : 2 * i, b = neox ? i + p.n_rot / 2 : 2 * i + 1;
          // ggml accumulates theta by repeated float multiplication: allow its rounding.
          const double tol = 2e-4 * (1 + pos[t] / 10.0);
          EXPECT_NEAR(out[a], in[a] * std::cos(theta) - in[b] * std::sin(theta), tol);
          EXPECT_NEAR(out[b], in[a] * std::sin(theta) + in[b] * std::cos(theta), tol);
        }
        for (int64_t i = p.n_rot; i < head_dim; ++i) EXPECT_EQ(out[i], in[i]);
      }
  }
}

// Full softmax attention over explicit spans, written the plain way.
void naive_attention(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                     int64_t head_dim, int64_t heads, int64_t kv_heads, int64_t T, const std::vector<int32_t>& begin,
                     const std::vector<int32_t>& end, float scale, std::vector<float>& out) {
  const int64_t width = head_dim * kv_heads;
  for (int64_t t = 0; t < T; ++t)
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t kvh = h / (heads / kv_heads);
      std::vector<double> s;
      for (int32_t c = begin[t]; c < end[t]; ++c) {
        double d = 0;
        for (int64_t i = 0; i < head_dim; ++i) d += q[(t * heads + h) * head_dim + i] * k[c * width + kvh * head_dim + i];
        s.push_back(d * scale);
      }
      double mx = -1e300, sum = 0;
      for (double x : s) mx = std::max(mx, x);
      for (double& x : s) sum += (x = std::exp(x - mx));
      for (int64_t i = 0; i < head_dim; ++i) {
        double acc = 0;
        for (size_t j = 0; j < s.size(); ++j) acc += s[j] / sum * v[(begin[t] + j) * width + kvh * head_dim + i];
        out[t * heads * head_dim + h * head_dim + i] = static_cast<float>(acc);
      }
    }
}

TEST_P(CpuOps, AttentionMatchesFullSoftmaxWithF32AndF16Caches) {
  const int64_t head_dim = 16, heads = 4, kv_heads = 2, T = 3, cells = 40;
  auto q = random_floats(head_dim * heads * T, 8);
  auto k = random_floats(head_dim * kv_heads * cells, 9), v = random_floats(head_dim * kv_heads * cells, 10);
  const std::vector<int32_t> begin = {0, 0, 20}, end = {1, 20, 40};
  std::vector<float> ref(head_dim * heads * T);
  for (DType type : {DType::F32, DType::F16}) {
    // Round the cache through its storage type so the reference sees the same values.
    auto kr = k, vr = v;
    std::vector<uint16_t> kh(k.size()), vh(v.size());
    if (type == DType::F16)
      for (size_t i = 0; i < k.size(); ++i) {
        kh[i] = f32_to_f16(k[i]), vh[i] = f32_to_f16(v[i]);
        kr[i] = f16_to_f32(kh[i]), vr[i] = f16_to_f32(vh[i]);
      }
    naive_attention(q, kr, vr, head_dim, heads, kv_heads, T, begin, end, 0.25f, ref);
    void* kd = type == DType::F16 ? static_cast<void*>(kh.data()) : k.data();
    void* vd = type == DType::F16 ? static_cast<void*>(vh.data()) : v.data();
    std::vector<float> out(ref.size());
    be_->attention(TensorView::contiguous(DType::F32, q.data(), {head_dim, heads, T}),
                   TensorView::contiguous(type, kd, {head_dim * kv_heads, cells}),
                   TensorView::contiguous(type, vd, {head_dim * kv_heads, cells}), AttentionSpan{begin, end},
                   static_cast<int>(kv_heads), 0.25f, view(out, {head_dim * heads, T}));
    for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(out[i], ref[i], 1e-5) << "i=" << i;
  }
}

TEST_P(CpuOps, GetRowsStoreRowsSwigluAdd) {
  const int64_t n = 8, vocab = 5;
  auto table = random_floats(n * vocab, 11);
  std::vector<float> rows(n * 2);
  const int32_t ids[] = {4, 1};
  be_->get_rows(view(table, {n, vocab}), ids, view(rows, {n, 2}));
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(rows[i], table[4 * n + i]);
    EXPECT_EQ(rows[n + i], table[1 * n + i]);
  }
  const int32_t bad[] = {5};
  EXPECT_THROW(be_->get_rows(view(table, {n, vocab}), bad, view(rows, {n, 1})), Error);

  std::vector<uint16_t> cache(n * 3, 0);
  const int32_t cells[] = {2, 0};
  be_->store_rows(view(rows, {n, 2}), cells, TensorView::contiguous(DType::F16, cache.data(), {n, 3}));
  for (int64_t i = 0; i < n; ++i) {
    EXPECT_EQ(cache[2 * n + i], f32_to_f16(rows[i]));
    EXPECT_EQ(cache[i], f32_to_f16(rows[n + i]));
    EXPECT_EQ(cache[n + i], 0);
  }

  auto g = random_floats(n, 12), u = random_floats(n, 13);
  std::vector<float> o(n);
  be_->swiglu(view(g, {n}), view(u, {n}), view(o, {n}));
  for (int64_t i = 0; i < n; ++i) EXPECT_NEAR(o[i], g[i] / (1 + std::exp(-g[i])) * u[i], 1e-6);
  auto a = g;
  be_->add(view(a, {n}), view(u, {n}));
  for (int64_t i = 0; i < n; ++i) EXPECT_FLOAT_EQ(a[i], g[i] + u[i]);
}

INSTANTIATE_TEST_SUITE_P(Threads, CpuOps, ::testing::Values(1, 3));

}  // namespace
}  // namespace hearth::backend
