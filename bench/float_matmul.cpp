// Float matmul kernels (F32, F16, BF16 weights): weight streaming at one
// token (decode) and arithmetic throughput at many tokens (prompt), per shape,
// weight type and CPU level. Not a test: it prints figures.
//
//   bench_float_matmul [-t THREADS] [--shapes K:R,K:R] [-p TOKENS] [--level L] [--types f16,bf16,f32]
//                      [--cpu-time] [--baseline]
//
// --baseline times the matmul this replaced instead (one dot product per
// weight row and token, dot.h's kernels; BF16 rows widened to f32 first).
// Decode cycles through enough copies of the matrix (>= 256 MiB) that every
// call reads its weights from DRAM, as a model's layers do; the read
// bandwidth of the same threads summing a 1 GiB array is printed alongside.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/dot.h"
#include "backend/cpu/float_matmul.h"
#include "core/half.h"
#include "core/thread_pool.h"
#include "tensor/dequantize.h"
#include "tensor/dtype.h"

using namespace hearth;
using namespace hearth::backend;
using tensor::DType;

namespace {

bool g_cpu_time = false;  // time as process CPU time (see bench/README.md)

double now_s() {
  if (g_cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double read_bandwidth(ThreadPool& pool) {
  const size_t n = (size_t{1} << 30) / sizeof(uint64_t);
  std::vector<uint64_t> a(n, 1);
  std::vector<uint64_t> sums(pool.size());
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    const double t0 = now_s();
    pool.run([&](int ith, int nth) {
      int64_t b, e;
      ThreadPool::split(static_cast<int64_t>(n), ith, nth, b, e);
      uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int64_t i = b; i + 4 <= e; i += 4) s0 += a[i], s1 += a[i + 1], s2 += a[i + 2], s3 += a[i + 3];
      sums[ith] = s0 + s1 + s2 + s3;
    });
    best = std::max(best, static_cast<double>(n * sizeof(uint64_t)) / (now_s() - t0));
  }
  return best / 1e9;
}

std::vector<uint8_t> random_weights(DType t, int64_t k, int64_t rows, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.02f);
  std::vector<float> row(k);
  const size_t rb = tensor::row_bytes(t, k);
  std::vector<uint8_t> w(rb * rows);
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = dist(rng);
    tensor::quantize_row(t, row.data(), w.data() + r * rb, k);
  }
  return w;
}

// The matmul before float_matmul.h: a dot product per weight row and token.
void baseline_matmul(ThreadPool& pool, std::vector<std::vector<float>>& scratch, const TensorView& w,
                     const TensorView& x, const TensorView& out) {
  const cpu::DotKernels& dot = cpu::best_kernels();
  const int64_t K = w.ne[0], R = w.n_rows(), T = x.n_rows();
  pool.run([&](int ith, int nth) {
    int64_t begin, end;
    ThreadPool::split(R, ith, nth, begin, end);
    std::vector<float>& row = scratch[ith];
    row.resize(K);
    for (int64_t r = begin; r < end; ++r) {
      const void* wr = w.row<const void>(r);
      if (w.type == DType::BF16) tensor::dequantize_row(w.type, wr, row.data(), K);
      for (int64_t t = 0; t < T; ++t) {
        const float* xt = x.row<const float>(t);
        float v;
        if (w.type == DType::F32) v = dot.dot_f32(static_cast<const float*>(wr), xt, K);
        else if (w.type == DType::F16) v = dot.dot_f16(static_cast<const uint16_t*>(wr), xt, K);
        else v = dot.dot_f32(row.data(), xt, K);
        out.row<float>(t)[r] = v;
      }
    }
  });
}

DType parse_type(const std::string& s) {
  if (s == "f32") return DType::F32;
  if (s == "f16") return DType::F16;
  if (s == "bf16") return DType::BF16;
  std::fprintf(stderr, "unknown type %s (f32, f16, bf16)\n", s.c_str());
  std::exit(2);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> v;
  for (size_t pos = 0; pos < s.size();) {
    const size_t comma = std::min(s.find(',', pos), s.size());
    v.push_back(s.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = ThreadPool::default_threads();
  int64_t P = 512;
  bool baseline = false;
  std::string level_arg, types_arg = "f16,bf16,f32", shapes_arg = "896:4864,4864:896";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "-t") threads = std::atoi(next().c_str());
    else if (a == "-p") P = std::atoll(next().c_str());
    else if (a == "--shapes") shapes_arg = next();
    else if (a == "--level") level_arg = next();
    else if (a == "--types") types_arg = next();
    else if (a == "--cpu-time") g_cpu_time = true;
    else if (a == "--baseline") baseline = true;
    else {
      std::fprintf(stderr,
                   "usage: %s [-t N] [--shapes K:R,...] [-p TOKENS] [--level L] [--types f16,bf16,f32] [--cpu-time] "
                   "[--baseline]\n",
                   argv[0]);
      return 2;
    }
  }
  const cpu::FloatKernels* level = &cpu::best_float_kernels();
  for (const cpu::FloatKernels* k : cpu::supported_float_kernels())
    if (level_arg == k->name) level = k;

  ThreadPool pool(threads);
  std::vector<std::vector<float>> scratch(pool.size());
  std::printf("%s, %d threads, prompt %lld tokens%s\n",
              baseline ? "baseline (dot per row and token)" : (std::string("level ") + level->name).c_str(), threads,
              static_cast<long long>(P), g_cpu_time ? ", CPU time" : "");
  std::printf("memory read bandwidth (%d threads, 1 GiB): %.1f GB/s\n\n", threads, read_bandwidth(pool));
  std::printf("| K | R | type | decode (T=1) us | GB/s | prompt (T=%lld) ms | GFLOP/s | GFLOP/s per thread |\n",
              static_cast<long long>(P));
  std::printf("|---:|---:|---|---:|---:|---:|---:|---:|\n");

  for (const std::string& shape : split_list(shapes_arg)) {
    const int64_t K = std::atoll(shape.c_str()), R = std::atoll(shape.c_str() + shape.find(':') + 1);
    std::vector<float> x(static_cast<size_t>(K * P)), out(static_cast<size_t>(R * P));
    std::mt19937 rng(1);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    for (auto& v : x) v = dist(rng);
    for (const std::string& tname : split_list(types_arg)) {
      const DType t = parse_type(tname);
      cpu::FloatMatmul mm(*level);
      auto matmul = [&](const TensorView& w, const TensorView& xv, const TensorView& ov) {
        if (baseline) baseline_matmul(pool, scratch, w, xv, ov);
        else mm.run(pool, w, xv, ov);
      };
      const size_t bytes = tensor::row_bytes(t, K) * R;
      const int copies = static_cast<int>(std::max<size_t>(2, (size_t{256} << 20) / bytes + 1));
      std::vector<std::vector<uint8_t>> ws;
      ws.push_back(random_weights(t, K, R, 7));
      for (int c = 1; c < copies; ++c) ws.push_back(ws[0]);
      auto wview = [&](int c) { return TensorView::contiguous(t, ws[c].data(), {K, R}); };

      const TensorView x1 = TensorView::contiguous(DType::F32, x.data(), {K, 1});
      const TensorView o1 = TensorView::contiguous(DType::F32, out.data(), {R, 1});
      for (int c = 0; c < copies; ++c) matmul(wview(c), x1, o1);  // warm-up
      double best_dec = 1e30;
      for (int rep = 0; rep < 5; ++rep) {
        const double t0 = now_s();
        for (int c = 0; c < copies; ++c) matmul(wview(c), x1, o1);
        best_dec = std::min(best_dec, (now_s() - t0) / copies);
      }
      const TensorView xp = TensorView::contiguous(DType::F32, x.data(), {K, P});
      const TensorView op = TensorView::contiguous(DType::F32, out.data(), {R, P});
      matmul(wview(0), xp, op);
      double best_pp = 1e30;
      for (int rep = 0; rep < 5; ++rep) {
        const double t0 = now_s();
        matmul(wview(0), xp, op);
        best_pp = std::min(best_pp, now_s() - t0);
      }
      const double gflops = 2.0 * static_cast<double>(K) * static_cast<double>(R) * static_cast<double>(P) / best_pp / 1e9;
      std::printf("| %lld | %lld | %s | %.1f | %.1f | %.2f | %.0f | %.0f |\n", static_cast<long long>(K),
                  static_cast<long long>(R), tname.c_str(), best_dec * 1e6, static_cast<double>(bytes) / best_dec / 1e9,
                  best_pp * 1e3, gflops, gflops / threads);
      std::fflush(stdout);
    }
  }
  return 0;
}
