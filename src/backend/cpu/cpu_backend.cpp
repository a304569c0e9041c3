// The CPU backend: matmul and attention split across the thread pool, the
// small element-wise ops on the calling thread.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "backend/backend.h"
#include "backend/cpu/attention.h"
#include "backend/cpu/cpu_features.h"
#include "backend/cpu/dot.h"
#include "backend/cpu/float_matmul.h"
#include "backend/cpu/glu.h"
#include "backend/cpu/quant_matmul.h"
#include "core/aligned_bytes.h"
#include "core/error.h"
#include "core/half.h"
#include "core/thread_pool.h"
#include "tensor/dequantize.h"

namespace hearth::backend {

namespace {

using tensor::DType;

class HostBuffer final : public Buffer {
 public:
  explicit HostBuffer(size_t bytes) : bytes_(bytes, "tensor memory") {
    if (bytes) std::memset(bytes_.data(), 0, bytes);
  }
  void* data() override { return bytes_.data(); }
  size_t size() const override { return bytes_.size(); }

 private:
  AlignedBytes bytes_;
};

void require_f32(const TensorView& t, const char* op, const char* what) {
  if (t.type != DType::F32) fail(op, ": ", what, " must be f32, got ", tensor::dtype_info(t.type).name);
}

class CpuBackend final : public Backend {
 public:
  explicit CpuBackend(int n_threads)
      : pool_(n_threads > 0 ? n_threads : ThreadPool::default_threads()),
        kernels_(cpu::best_kernels()),
        glu_(cpu::glu_kernels_for(cpu::chosen_level())),
        quant_(cpu::best_quant_kernels()),
        float_(cpu::best_float_kernels()),
        scratch_(pool_.size()),
        attention_(quant_.kernels()) {}

  std::string name() const override { return std::string("cpu (") + cpu::level_name(quant_.kernels().level) + ")"; }
  int threads() const override { return pool_.size(); }

  std::unique_ptr<Buffer> alloc(size_t bytes) override { return std::make_unique<HostBuffer>(bytes); }

  void get_rows(const TensorView& table, std::span<const int32_t> ids, const TensorView& out) override {
    require_f32(out, "get_rows", "output");
    const int64_t width = table.ne[0];
    for (size_t t = 0; t < ids.size(); ++t) {
      if (ids[t] < 0 || ids[t] >= table.n_rows()) fail("token id ", ids[t], " is out of range [0, ", table.n_rows(), ")");
      tensor::dequantize_row(table.type, table.row<const void>(ids[t]), out.row<float>(t), width);
    }
  }

  void rms_norm(const TensorView& x, const TensorView& weight, float eps, const TensorView& out) override {
    const int64_t n = x.ne[0];
    const float* w = weight.f32();
    for (int64_t r = 0; r < x.n_rows(); ++r) {
      const float* in = x.row<const float>(r);
      float* o = out.row<float>(r);
      double sum = 0.0;
      for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(in[i]) * in[i];
      const float scale = 1.0f / std::sqrt(static_cast<float>(sum / n) + eps);
      for (int64_t i = 0; i < n; ++i) o[i] = in[i] * scale * w[i];
    }
  }

  void matmul(const TensorView& w, const TensorView& x, const TensorView& out) override {
    require_f32(x, "matmul", "input");
    require_f32(out, "matmul", "output");
    const int64_t K = w.ne[0], R = w.n_rows(), T = x.n_rows();
    if (x.ne[0] != K || out.ne[0] != R || out.n_rows() != T)
      fail("matmul: shape mismatch (w ", K, "x", R, ", x ", x.ne[0], "x", T, ", out ", out.ne[0], "x", out.n_rows(), ")");
    const DType type = w.type;
    if (type != DType::F32 && type != DType::F16 && !tensor::can_dequantize(type))
      fail("matmul: weight type ", tensor::dtype_info(type).name, " is not supported on the CPU yet");
    // Quantized weights with an integer kernel: activations quantized once,
    // integer dot products (quant_matmul.h).
    if (quant_.supports(type)) return quant_.run(pool_, w, x, out);
    // F32, F16 and BF16 weights: blocked float kernels (float_matmul.h).
    if (float_.supports(type)) return float_.run(pool_, w, x, out);
    // Otherwise each weight row is dequantized once and dotted in f32.
    // Each thread takes a block of weight rows and runs them against every
    // token, so a weight row is read from memory once per matmul.
    pool_.run([&](int ith, int nth) {
      int64_t begin, end;
      ThreadPool::split(R, ith, nth, begin, end);
      std::vector<float>& row_f32 = scratch_[ith];
      if (type != DType::F32 && type != DType::F16 && static_cast<int64_t>(row_f32.size()) < K) row_f32.resize(K);
      for (int64_t r = begin; r < end; ++r) {
        const void* wr = w.row<const void>(r);
        for (int64_t t = 0; t < T; ++t) {
          const float* xt = x.row<const float>(t);
          float v;
          if (type == DType::F32) {
            v = kernels_.dot_f32(static_cast<const float*>(wr), xt, K);
          } else if (type == DType::F16) {
            v = kernels_.dot_f16(static_cast<const uint16_t*>(wr), xt, K);
          } else {
            if (t == 0) tensor::dequantize_row(type, wr, row_f32.data(), K);
            v = kernels_.dot_f32(row_f32.data(), xt, K);
          }
          out.row<float>(t)[r] = v;
        }
      }
    });
  }

  void rope(const TensorView& x, std::span<const int32_t> pos, const RopeParams& p) override {
    require_f32(x, "rope", "input");
    const int64_t head_dim = x.ne[0], n_heads = x.ne[1], T = x.ne[2];
    if (static_cast<int64_t>(pos.size()) != T) fail("rope: ", pos.size(), " positions for ", T, " tokens");
    if (p.n_rot <= 0 || p.n_rot > head_dim || p.n_rot % 2) fail("rope: bad rotary dimension ", p.n_rot);
    if (!p.freq_factors.empty() && static_cast<int>(p.freq_factors.size()) != p.n_rot / 2)
      fail("rope: ", p.freq_factors.size(), " frequency factors for ", p.n_rot / 2, " pairs");
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
    std::vector<float>& cs = scratch_[0];
    cs.resize(p.n_rot);
    for (int64_t t = 0; t < T; ++t) {
      // theta_i = pos * freq_scale * base^(-2i/n_rot), accumulated as ggml does.
      float theta = static_cast<float>(pos[t]) * p.freq_scale;
      for (int i = 0; i < p.n_rot; i += 2) {
        const float angle = p.freq_factors.empty() ? theta : theta / p.freq_factors[i / 2];
        cs[i] = std::cos(angle) * p.attn_factor;
        cs[i + 1] = std::sin(angle) * p.attn_factor;
        theta *= theta_scale;
      }
      for (int64_t h = 0; h < n_heads; ++h) {
        float* v = reinterpret_cast<float*>(static_cast<char*>(x.data) + t * x.nb[2] + h * x.nb[1]);
        const int half = p.n_rot / 2;
        for (int i = 0; i < p.n_rot; i += 2) {
          const int a = p.neox ? i / 2 : i;
          const int b = p.neox ? i / 2 + half : i + 1;
          const float x0 = v[a], x1 = v[b];
          v[a] = x0 * cs[i] - x1 * cs[i + 1];
          v[b] = x0 * cs[i + 1] + x1 * cs[i];
        }
      }
    }
  }

  void store_rows(const TensorView& src, std::span<const int32_t> cells, const TensorView& cache) override {
    attention_.store_rows(src, cells, cache);
  }

  void attention(const TensorView& q, const TensorView& k_cache, const TensorView& v_cache,
                 const AttentionSpan& span, int n_kv_heads, float scale, const TensorView& out,
                 float softcap = 0.0f) override {
    attention_.run(pool_, q, k_cache, v_cache, span, n_kv_heads, scale, out, softcap);
  }

  void softcap(const TensorView& x, float cap) override {
    require_f32(x, "softcap", "input");
    for (int64_t r = 0; r < x.n_rows(); ++r) {
      float* a = x.row<float>(r);
      for (int64_t i = 0; i < x.ne[0]; ++i) a[i] = cap * std::tanh(a[i] / cap);
    }
  }

  void swiglu(const TensorView& gate, const TensorView& up, const TensorView& out) override {
    gated(glu_.silu_mul, gate, up, out);
  }

  static float gelu_tanh(float x) {
    constexpr float kSqrt2OverPi = 0.7978845608f, kCubic = 0.044715f;
    return 0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCubic * x * x)));
  }

  void geglu(const TensorView& gate, const TensorView& up, const TensorView& out) override {
    gated(glu_.gelu_mul, gate, up, out);
  }

  void gelu(const TensorView& x) override {
    require_f32(x, "gelu", "input");
    for (int64_t r = 0; r < x.n_rows(); ++r) {
      float* a = x.row<float>(r);
      for (int64_t i = 0; i < x.ne[0]; ++i) a[i] = gelu_tanh(a[i]);
    }
  }

  void layer_norm(const TensorView& x, const TensorView& weight, const TensorView& bias, float eps,
                  const TensorView& out) override {
    require_f32(x, "layer_norm", "input");
    const int64_t n = x.ne[0];
    const float* w = weight.f32();
    const float* b = bias.f32();
    for (int64_t r = 0; r < x.n_rows(); ++r) {
      const float* in = x.row<const float>(r);
      float* o = out.row<float>(r);
      double sum = 0.0;
      for (int64_t i = 0; i < n; ++i) sum += in[i];
      const float mean = static_cast<float>(sum / n);
      double var = 0.0;
      for (int64_t i = 0; i < n; ++i) var += static_cast<double>(in[i] - mean) * (in[i] - mean);
      const float scale = 1.0f / std::sqrt(static_cast<float>(var / n) + eps);
      for (int64_t i = 0; i < n; ++i) o[i] = (in[i] - mean) * scale * w[i] + b[i];
    }
  }

  void scale(const TensorView& x, float s) override {
    require_f32(x, "scale", "input");
    for (int64_t r = 0; r < x.n_rows(); ++r) {
      float* a = x.row<float>(r);
      for (int64_t i = 0; i < x.ne[0]; ++i) a[i] *= s;
    }
  }

  void add(const TensorView& x, const TensorView& y) override {
    const int64_t n = x.ne[0];
    const bool broadcast = y.n_rows() == 1;
    if (y.ne[0] != n || (!broadcast && y.n_rows() != x.n_rows())) fail("add: shapes do not match");
    for (int64_t r = 0; r < x.n_rows(); ++r) {
      float* a = x.row<float>(r);
      const float* b = y.row<const float>(broadcast ? 0 : r);
      for (int64_t i = 0; i < n; ++i) a[i] += b[i];
    }
  }

  void add_scaled_rows(const TensorView& x, std::span<const int32_t> rows, const TensorView& y,
                       std::span<const float> scale) override {
    require_f32(x, "add_scaled_rows", "output");
    require_f32(y, "add_scaled_rows", "input");
    const int64_t n = x.ne[0];
    if (y.ne[0] != n || static_cast<int64_t>(rows.size()) != y.n_rows() || scale.size() != rows.size())
      fail("add_scaled_rows: shapes do not match");
    for (size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] < 0 || rows[i] >= x.n_rows()) fail("add_scaled_rows: row ", rows[i], " out of range");
      float* a = x.row<float>(rows[i]);
      const float* b = y.row<const float>(static_cast<int64_t>(i));
      for (int64_t e = 0; e < n; ++e) a[e] += scale[i] * b[e];
    }
  }

  void moe_route(const TensorView& logits, int k, bool normalize, std::span<int32_t> experts,
                 std::span<float> weights) override {
    require_f32(logits, "moe_route", "logits");
    const int64_t n_expert = logits.ne[0], T = logits.n_rows();
    if (k <= 0 || k > n_expert || static_cast<int64_t>(experts.size()) < T * k ||
        static_cast<int64_t>(weights.size()) < T * k)
      fail("moe_route: bad expert count ", k, " of ", n_expert);
    std::vector<float>& probs = scratch_[0];
    probs.resize(static_cast<size_t>(n_expert));
    for (int64_t t = 0; t < T; ++t) {
      const float* l = logits.row<const float>(t);
      const float mx = *std::max_element(l, l + n_expert);
      float sum = 0.0f;
      for (int64_t e = 0; e < n_expert; ++e) sum += probs[e] = std::exp(l[e] - mx);
      for (int64_t e = 0; e < n_expert; ++e) probs[e] /= sum;
      int32_t* ids = experts.data() + t * k;
      float* w = weights.data() + t * k;
      // Selection by repeated maximum: k is small (2-8).
      float chosen_sum = 0.0f;
      for (int j = 0; j < k; ++j) {
        int64_t best = -1;
        for (int64_t e = 0; e < n_expert; ++e) {
          bool taken = false;
          for (int i = 0; i < j; ++i) taken |= ids[i] == e;
          if (!taken && (best < 0 || probs[e] > probs[best])) best = e;
        }
        ids[j] = static_cast<int32_t>(best);
        w[j] = probs[best];
        chosen_sum += w[j];
      }
      // As llama.cpp, the sum is clamped to f16's smallest normal.
      if (normalize)
        for (int j = 0; j < k; ++j) w[j] /= std::max(chosen_sum, 6.103515625e-5f);
    }
  }

 private:
  // out = act(gate) * up row by row, over the pool when there is enough work
  // to pay for a dispatch (a prompt's rows, not a decoded token's).
  void gated(cpu::GluFn fn, const TensorView& gate, const TensorView& up, const TensorView& out) {
    require_f32(gate, "glu", "gate");
    require_f32(up, "glu", "up");
    const int64_t n = gate.ne[0], rows = gate.n_rows();
    if (up.ne[0] != n || out.ne[0] != n || up.n_rows() != rows || out.n_rows() != rows)
      fail("glu: shapes do not match");
    auto work = [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) fn(gate.row<const float>(r), up.row<const float>(r), out.row<float>(r), n);
    };
    if (rows * n < 65536 || rows < 2) return work(0, rows);
    pool_.run([&](int ith, int nth) {
      int64_t begin, end;
      ThreadPool::split(rows, ith, nth, begin, end);
      work(begin, end);
    });
  }

  ThreadPool pool_;
  const cpu::DotKernels& kernels_;
  const cpu::GluKernels& glu_;
  cpu::QuantMatmul quant_;
  cpu::FloatMatmul float_;
  std::vector<std::vector<float>> scratch_;  // one per thread, grown on demand
  cpu::CpuAttention attention_;
};

}  // namespace

std::unique_ptr<Backend> make_cpu_backend(int n_threads) { return std::make_unique<CpuBackend>(n_threads); }

}  // namespace hearth::backend
