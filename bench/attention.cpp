// The CPU backend's attention op alone: one batch of T causal tokens at the
// end of a context of N cells, repeated for L layers (each layer its own K/V
// cache, as in a model). Not a test: it prints figures.
//
//   bench_attention [-t THREADS] [-p TOKENS] [-c CTX] [--layers L] [--heads H] [--kv-heads HKV]
//                   [--head-dim D] [--kv-type f16|f32|q8_0] [-r REPS] [--cpu-time]
//
// Defaults: Qwen2-0.5B's attention shapes (24 layers, 14 heads, 2 KV heads,
// head_dim 64) at pp512 (T = N = 512).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "tensor/dtype.h"

using namespace hearth;
using namespace hearth::backend;
using tensor::DType;

namespace {

bool g_cpu_time = false;

double now_s() {
  if (g_cpu_time) {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

DType parse_type(const std::string& s) {
  if (s == "f32") return DType::F32;
  if (s == "f16") return DType::F16;
  if (s == "q8_0") return DType::Q8_0;
  std::fprintf(stderr, "unknown --kv-type %s\n", s.c_str());
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0, reps = 5;
  int64_t T = 512, ctx = 0, layers = 24, heads = 14, kv_heads = 2, head_dim = 64;
  std::string kv_type = "f16";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-t") threads = std::atoi(next());
    else if (a == "-p") T = std::atoll(next());
    else if (a == "-c") ctx = std::atoll(next());
    else if (a == "--layers") layers = std::atoll(next());
    else if (a == "--heads") heads = std::atoll(next());
    else if (a == "--kv-heads") kv_heads = std::atoll(next());
    else if (a == "--head-dim") head_dim = std::atoll(next());
    else if (a == "--kv-type") kv_type = next();
    else if (a == "-r") reps = std::atoi(next());
    else if (a == "--cpu-time") g_cpu_time = true;
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (ctx < T) ctx = T;
  const DType type = parse_type(kv_type);
  auto be = make_cpu_backend(threads);
  const int64_t width = head_dim * kv_heads;

  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> rows(width * ctx), q(head_dim * heads * T), out(head_dim * heads * T);
  for (auto& x : q) x = dist(rng);
  std::vector<int32_t> all_cells(ctx), begin(T, 0), end(T);
  for (int64_t c = 0; c < ctx; ++c) all_cells[c] = static_cast<int32_t>(c);
  for (int64_t t = 0; t < T; ++t) end[t] = static_cast<int32_t>(ctx - T + t + 1);

  const size_t plane = tensor::row_bytes(type, width) * ctx;
  std::vector<std::unique_ptr<Buffer>> caches;
  for (int64_t l = 0; l < 2 * layers; ++l) {
    for (auto& x : rows) x = dist(rng);
    caches.push_back(be->alloc(plane));
    be->store_rows(TensorView::contiguous(DType::F32, rows.data(), {width, ctx}), all_cells,
                   TensorView::contiguous(type, caches.back()->data(), {width, ctx}));
  }

  const TensorView qv = TensorView::contiguous(DType::F32, q.data(), {head_dim, heads, T});
  const TensorView ov = TensorView::contiguous(DType::F32, out.data(), {head_dim * heads, T});
  const AttentionSpan span{begin, end};
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  std::vector<double> times;
  for (int r = 0; r <= reps; ++r) {  // the first run warms up and is not counted
    const double t0 = now_s();
    for (int64_t l = 0; l < layers; ++l)
      be->attention(qv, TensorView::contiguous(type, caches[2 * l]->data(), {width, ctx}),
                    TensorView::contiguous(type, caches[2 * l + 1]->data(), {width, ctx}), span,
                    static_cast<int>(kv_heads), scale, ov);
    if (r) times.push_back(now_s() - t0);
  }
  std::sort(times.begin(), times.end());
  double sum = 0;
  for (float x : out) sum += x;
  std::printf("%s, %s KV, T=%lld ctx=%lld, %lld layers x (%lld heads, %lld KV heads, head_dim %lld)\n",
              be->name().c_str(), kv_type.c_str(), static_cast<long long>(T), static_cast<long long>(ctx),
              static_cast<long long>(layers), static_cast<long long>(heads), static_cast<long long>(kv_heads),
              static_cast<long long>(head_dim));
  std::printf("%s time for all layers: min %.2f ms, median %.2f ms over %d runs (checksum %.4g)\n",
              g_cpu_time ? "CPU" : "wall", 1e3 * times.front(), 1e3 * times[times.size() / 2], reps, sum);
  return 0;
}
