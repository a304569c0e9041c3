// Integer matmul kernels: weight streaming at one token (decode) and
// arithmetic throughput at many tokens (prompt), per weight type and CPU
// level. Not a test: it prints figures.
//
//   bench_quant_matmul [-t THREADS] [-k K] [-r ROWS] [-p TOKENS] [--level L] [--types q4_0,q4_K,...] [--cpu-time]
//                      [--hot] [--no-panels]
//
// Decode cycles through enough copies of the matrix (>= 256 MiB) that every
// call reads its weights from DRAM, as a model's layers do; the read
// bandwidth of the same threads summing a 1 GiB array is printed alongside.
// Where the weights are packed into panels (quant_panel.h), the first call
// on each copy packs it; the time of that first call on one copy is printed
// as "pack" (--no-panels: run on the weights as they are).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/quant_dot.h"
#include "backend/cpu/quant_matmul.h"
#include "core/half.h"
#include "core/thread_pool.h"
#include "tensor/dtype.h"

using namespace hearth;
using namespace hearth::backend;
using tensor::DType;
using Clock = std::chrono::steady_clock;

namespace {

// --cpu-time: time as this process's CPU time rather than wall time: with one
// thread on a machine busy with other work it measures the kernel, not the
// scheduler.
bool g_cpu_time = false;
// --hot: decode always the same matrix (from cache when it fits): kernel speed
// without DRAM.
bool g_hot = false;
bool g_panels = true;

double now_s() {
  if (g_cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// Random bytes with sane f16 scales: speed does not depend on the values.
std::vector<uint8_t> random_weights(DType t, int64_t k, int64_t rows, uint32_t seed) {
  const auto& info = tensor::dtype_info(t);
  std::vector<uint8_t> w(tensor::row_bytes(t, k) * rows);
  std::mt19937 rng(seed);
  for (size_t i = 0; i < w.size(); i += 4) {
    const uint32_t v = rng();
    std::memcpy(w.data() + i, &v, std::min<size_t>(4, w.size() - i));
  }
  std::vector<int> f16s = {0, 2};
  if (t == DType::Q2_K) f16s = {80, 82};
  if (t == DType::Q3_K) f16s = {108};
  if (t == DType::Q6_K) f16s = {208};
  const uint16_t h = f32_to_f16(0.01f);
  for (size_t b = 0; b < w.size() / info.block_bytes; ++b)
    for (int off : f16s) std::memcpy(w.data() + b * info.block_bytes + off, &h, 2);
  return w;
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

DType parse_type(const std::string& s) {
  for (uint32_t id = 0; id < 40; ++id) {
    const auto* info = tensor::dtype_info(id);
    if (info && s == info->name) return info->type;
  }
  std::fprintf(stderr, "unknown type %s\n", s.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = ThreadPool::default_threads();
  int64_t K = 4096, R = 4096, P = 512;
  std::string level_arg, types_arg = "q8_0,q4_0,q4_K,q6_K,q5_K,q5_0,q5_1,q4_1,q3_K,q2_K,iq4_nl,iq4_xs";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "-t") threads = std::atoi(next().c_str());
    else if (a == "-k") K = std::atoll(next().c_str());
    else if (a == "-r") R = std::atoll(next().c_str());
    else if (a == "-p") P = std::atoll(next().c_str());
    else if (a == "--level") level_arg = next();
    else if (a == "--types") types_arg = next();
    else if (a == "--cpu-time") g_cpu_time = true;
    else if (a == "--hot") g_hot = true;
    else if (a == "--no-panels") g_panels = false;
    else {
      std::fprintf(stderr,
                   "usage: %s [-t N] [-k K] [-r ROWS] [-p TOKENS] [--level L] [--types a,b] [--cpu-time] [--hot] "
                   "[--no-panels]\n",
                   argv[0]);
      return 2;
    }
  }
  std::vector<DType> types;
  for (size_t pos = 0; pos < types_arg.size();) {
    const size_t comma = std::min(types_arg.find(',', pos), types_arg.size());
    types.push_back(parse_type(types_arg.substr(pos, comma - pos)));
    pos = comma + 1;
  }
  const cpu::QuantKernels* level = &cpu::best_quant_kernels();
  for (const cpu::QuantKernels* q : cpu::supported_quant_kernels())
    if (level_arg == cpu::level_name(q->level)) level = q;

  ThreadPool pool(threads);
  std::printf("level %s, %d threads, K=%lld R=%lld, prompt %lld tokens\n", cpu::level_name(level->level), threads,
              static_cast<long long>(K), static_cast<long long>(R), static_cast<long long>(P));
  std::printf("memory read bandwidth (%d threads, 1 GiB): %.1f GB/s\n\n", threads, read_bandwidth(pool));
  std::printf("| type | bytes/weight | decode (T=1) us | GB/s | prompt (T=%lld) ms | GFLOP/s | pack ms |\n",
              static_cast<long long>(P));
  std::printf("|---|---:|---:|---:|---:|---:|---:|\n");

  std::vector<float> x(static_cast<size_t>(K * P)), out(static_cast<size_t>(R * P));
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (auto& v : x) v = dist(rng);

  for (DType t : types) {
    if (!level->find(t)) {
      std::printf("| %s | no kernel at this level |\n", tensor::dtype_info(t).name);
      continue;
    }
    cpu::QuantMatmul mm(*level, g_panels);
    const size_t bytes = tensor::row_bytes(t, K) * R;
    const int copies = g_hot ? 1 : static_cast<int>(std::max<size_t>(2, (size_t{256} << 20) / bytes + 1));
    std::vector<std::vector<uint8_t>> ws;
    for (int c = 0; c < copies; ++c) ws.push_back(random_weights(t, K, R, 7 + c));
    auto wview = [&](int c) {
      return TensorView::contiguous(t, ws[c].data(), {K, R});
    };
    // Decode: one token, cycling through the copies.
    const TensorView x1 = TensorView::contiguous(DType::F32, x.data(), {K, 1});
    const TensorView o1 = TensorView::contiguous(DType::F32, out.data(), {R, 1});
    double first_call = now_s();
    mm.run(pool, wview(0), x1, o1);
    first_call = now_s() - first_call;
    for (int c = 0; c < copies; ++c) mm.run(pool, wview(c), x1, o1);  // warm-up (and packing)
    double second_call = now_s();
    mm.run(pool, wview(0), x1, o1);
    second_call = now_s() - second_call;
    double best_dec = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
      const double t0 = now_s();
      for (int c = 0; c < copies; ++c) mm.run(pool, wview(c), x1, o1);
      best_dec = std::min(best_dec, (now_s() - t0) / copies);
    }
    // Prompt: P tokens against one matrix.
    const TensorView xp = TensorView::contiguous(DType::F32, x.data(), {K, P});
    const TensorView op = TensorView::contiguous(DType::F32, out.data(), {R, P});
    mm.run(pool, wview(0), xp, op);
    double best_pp = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
      const double t0 = now_s();
      mm.run(pool, wview(0), xp, op);
      best_pp = std::min(best_pp, (now_s() - t0));
    }
    std::printf("| %s | %.4f | %.1f | %.1f | %.1f | %.0f | %.2f |\n", tensor::dtype_info(t).name,
                static_cast<double>(bytes) / static_cast<double>(K * R), best_dec * 1e6,
                static_cast<double>(bytes) / best_dec / 1e9, best_pp * 1e3,
                2.0 * static_cast<double>(K) * static_cast<double>(R) * static_cast<double>(P) / best_pp / 1e9,
                std::max(0.0, first_call - second_call) * 1e3);
    std::fflush(stdout);
  }
  return 0;
}
