#include "hw/measured_rates.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

#include "backend/backend.h"
#include "core/aligned_bytes.h"
#include "core/error.h"
#include "core/half.h"
#include "core/thread_pool.h"
#include "hw/system_paths.h"

namespace hearth::hw {

namespace {

using backend::TensorView;
using tensor::DType;
using Clock = std::chrono::steady_clock;

constexpr size_t kMiB = size_t{1} << 20;
constexpr size_t kBandwidthBytes = 512 * kMiB;
// Decode cycles through this many bytes of weights: far more than the
// caches hold, as a model's layers are.
constexpr size_t kDecodeWorkingSet = 192 * kMiB;
// A prompt shape is timed this long at most after its warm-up (and at least once).
constexpr double kPromptSeconds = 0.15;
// Before each timed prompt matmul this much other memory is read, so that it
// finds its weights in DRAM, not in the caches, as a model's layers do.
constexpr size_t kEvictBytes = 64 * kMiB;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Fastest of `reps` runs of fn, in seconds; fewer once `budget` seconds are
// spent. `before` runs untimed ahead of each.
template <typename Fn, typename Before = void (*)()>
double best_time(int reps, Fn&& fn, double budget = 1e30, Before before = [] {}) {
  double best = 1e30, spent = 0;
  for (int r = 0; r < reps && (r == 0 || spent < budget); ++r) {
    before();
    const auto t0 = Clock::now();
    fn();
    const double s = since(t0);
    best = std::min(best, s);
    spent += s;
  }
  return best;
}

uint64_t splitmix(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Random bytes, in parallel: speed does not depend on the values.
void fill_random(ThreadPool& pool, uint8_t* p, size_t n, uint64_t seed) {
  const int64_t words = static_cast<int64_t>(n / 8);
  pool.run([&](int ith, int nth) {
    int64_t b, e;
    ThreadPool::split(words, ith, nth, b, e);
    uint64_t state = seed * 1000003u + static_cast<uint64_t>(ith);
    for (int64_t i = b; i < e; ++i) {
      const uint64_t v = splitmix(state);
      std::memcpy(p + i * 8, &v, 8);
    }
  });
}

// Random values of moderate size for float types, and a sane f16 scale in
// every block of quantized ones, so that no kernel meets infinities.
void make_plausible(ThreadPool& pool, DType t, uint8_t* p, size_t n) {
  if (t == DType::F16) {
    const int64_t halves = static_cast<int64_t>(n / 2);
    pool.run([&](int ith, int nth) {
      int64_t b, e;
      ThreadPool::split(halves, ith, nth, b, e);
      auto* h = reinterpret_cast<uint16_t*>(p);
      for (int64_t i = b; i < e; ++i) h[i] = static_cast<uint16_t>((h[i] & 0x83ff) | 0x3800);  // +-[0.5, 1)
    });
    return;
  }
  const auto& info = tensor::dtype_info(t);
  std::vector<size_t> scale_offsets = {0, 2};  // d (and dmin / m) at the start of the block
  if (t == DType::Q2_K) scale_offsets = {80, 82};
  if (t == DType::Q3_K) scale_offsets = {108};
  if (t == DType::Q6_K) scale_offsets = {208};
  if (t == DType::Q4_0 || t == DType::Q5_0 || t == DType::Q8_0 || t == DType::IQ4_NL) scale_offsets = {0};
  const uint16_t scale = f32_to_f16(0.01f);
  for (size_t b = 0; b + info.block_bytes <= n; b += info.block_bytes)
    for (size_t off : scale_offsets) std::memcpy(p + b + off, &scale, 2);
}

double read_bandwidth_gbps(ThreadPool& pool) {
  const size_t n = kBandwidthBytes / sizeof(uint64_t);
  std::vector<uint64_t> a(n, 1);
  std::vector<uint64_t> sums(static_cast<size_t>(pool.size()));
  const double t = best_time(3, [&] {
    pool.run([&](int ith, int nth) {
      int64_t b, e;
      ThreadPool::split(static_cast<int64_t>(n), ith, nth, b, e);
      uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (int64_t i = b; i + 4 <= e; i += 4) s0 += a[i], s1 += a[i + 1], s2 += a[i + 2], s3 += a[i + 3];
      sums[ith] = s0 + s1 + s2 + s3;
    });
  });
  return static_cast<double>(kBandwidthBytes) / t / 1e9;
}

std::vector<float> normal_floats(size_t n) {
  std::vector<float> v(n);
  uint64_t state = 12345;
  for (float& f : v) f = static_cast<float>(static_cast<int64_t>(splitmix(state) >> 40) - (int64_t{1} << 23)) / 4e6f;
  return v;
}

// Reads the first `bytes` of scratch on every thread, pushing other data out of the caches.
void evict_caches(ThreadPool& pool, const AlignedBytes& scratch, size_t bytes) {
  const int64_t words = static_cast<int64_t>(std::min(bytes, scratch.size()) / 8);
  std::vector<uint64_t> sums(static_cast<size_t>(pool.size()));
  pool.run([&](int ith, int nth) {
    int64_t b, e;
    ThreadPool::split(words, ith, nth, b, e);
    const auto* w = reinterpret_cast<const uint64_t*>(scratch.data());
    uint64_t s = 0;
    for (int64_t i = b; i < e; i += 8) s += w[i];  // one word per cache line
    sums[ith] = s;
  });
}

// Decode: one token against a [k, rows] matrix, cycling through copies that
// together exceed the caches, as a model's layers do.
double decode_gbps(int threads, ThreadPool& pool, DType t, AlignedBytes& scratch, int64_t k, int64_t rows) {
  auto backend = backend::make_cpu_backend(threads);
  const size_t wbytes = tensor::row_bytes(t, k) * static_cast<size_t>(rows);
  const size_t copies = std::max<size_t>(2, scratch.size() / wbytes);
  make_plausible(pool, t, scratch.data(), copies * wbytes);
  std::vector<float> x = normal_floats(static_cast<size_t>(k)), out(static_cast<size_t>(rows));
  const TensorView xv = TensorView::contiguous(DType::F32, x.data(), {k, 1});
  const TensorView ov = TensorView::contiguous(DType::F32, out.data(), {rows, 1});
  auto pass = [&] {
    for (size_t c = 0; c < copies; ++c)
      backend->matmul(TensorView::contiguous(t, scratch.data() + c * wbytes, {k, rows}), xv, ov);
  };
  pass();  // packs every copy
  return static_cast<double>(copies * wbytes) / best_time(6, pass) / 1e9;
}

// Prompt: `tokens` tokens against one [k, rows] matrix of random weights
// (seed), packed by a first call, each timed run after evicting the caches;
// GFLOP/s of the best of `reps` runs.
double measure_prompt_gflops(backend::Backend& backend, ThreadPool& pool, DType t, const AlignedBytes& scratch, int64_t k,
                     int64_t rows, int64_t tokens, uint64_t seed, int reps) {
  const size_t wbytes = tensor::row_bytes(t, k) * static_cast<size_t>(rows);
  AlignedBytes w(wbytes, "weights to measure with");
  fill_random(pool, w.data(), wbytes, seed);
  make_plausible(pool, t, w.data(), wbytes);
  std::vector<float> x = normal_floats(static_cast<size_t>(k * tokens)), out(static_cast<size_t>(rows * tokens));
  const TensorView wv = TensorView::contiguous(t, w.data(), {k, rows});
  const TensorView xv = TensorView::contiguous(DType::F32, x.data(), {k, tokens});
  const TensorView ov = TensorView::contiguous(DType::F32, out.data(), {rows, tokens});
  backend.matmul(wv, xv, ov);
  const double s = best_time(reps, [&] { backend.matmul(wv, xv, ov); }, kPromptSeconds,
                             [&] { evict_caches(pool, scratch, kEvictBytes); });
  return 2.0 * static_cast<double>(k * rows) * static_cast<double>(tokens) / s / 1e9;
}

KernelRate measure_kernel(int threads, ThreadPool& pool, DType t, AlignedBytes& scratch) {
  KernelRate rate{t, {}, 0, 0, 0};
  auto backend = backend::make_cpu_backend(threads);
  for (const auto& [k, rows] : prompt_shapes())
    rate.prompt.push_back({k, rows, measure_prompt_gflops(*backend, pool, t, scratch, k, rows, kPromptTokens, 7, 3)});
  {  // A prompt's expert: few tokens against the middle shape.
    constexpr int64_t k = 4096, rows = 1024;
    const double few = measure_prompt_gflops(*backend, pool, t, scratch, k, rows, kFewTokens, 5, 5);
    const double full = rate.prompt_gflops(k, rows);
    rate.few_tokens_ratio = full > 0 ? std::min(1.0, few / full) : 1;
  }
  backend.reset();  // its packed copies go
  rate.decode_gbps = decode_gbps(threads, pool, t, scratch, kDecodeK, kDecodeRows);
  rate.small_decode_gbps = decode_gbps(threads, pool, t, scratch, kSmallDecodeK, kSmallDecodeRows);
  return rate;
}

std::vector<uint16_t> random_halves(size_t n) {
  std::vector<uint16_t> v(n);
  uint64_t state = 99;
  for (uint16_t& h : v) h = static_cast<uint16_t>((splitmix(state) & 0x83ff) | 0x3800);
  return v;
}

// Causal attention of a prompt at two head sizes (for its cost per position
// and per dimension) and one token over a long cache (KV bytes/s).
AttentionRates measure_attention(int threads) {
  auto backend = backend::make_cpu_backend(threads);
  AttentionRates a;
  constexpr int64_t heads = 16, kv_heads = 4, T = kPromptTokens;
  auto prompt_ns_per_position = [&](int64_t hd) {
    std::vector<float> q = normal_floats(static_cast<size_t>(hd * heads * T)), out(q.size());
    std::vector<uint16_t> k = random_halves(static_cast<size_t>(hd * kv_heads * T)), v = random_halves(k.size());
    std::vector<int32_t> begin(T, 0), end(T);
    for (int64_t t = 0; t < T; ++t) end[t] = static_cast<int32_t>(t + 1);
    const TensorView qv = TensorView::contiguous(DType::F32, q.data(), {hd, heads, T});
    const TensorView kc = TensorView::contiguous(DType::F16, k.data(), {hd * kv_heads, T});
    const TensorView vc = TensorView::contiguous(DType::F16, v.data(), {hd * kv_heads, T});
    const TensorView ov = TensorView::contiguous(DType::F32, out.data(), {hd * heads, T});
    const backend::AttentionSpan span{begin, end};
    auto run = [&] { backend->attention(qv, kc, vc, span, kv_heads, 0.088f, ov); };
    run();
    return best_time(3, run) / (heads * (static_cast<double>(T) * (T + 1) / 2)) * 1e9;
  };
  const double ns64 = prompt_ns_per_position(64), ns128 = prompt_ns_per_position(128);
  a.dimension_ns = std::max(0.0, (ns128 - ns64) / 64);
  a.position_ns = std::max(0.0, ns64 - 64 * a.dimension_ns);
  {
    constexpr int64_t hd = 128, dec_heads = 32, dec_kv = 8, cells = 16384;
    std::vector<float> q = normal_floats(static_cast<size_t>(hd * dec_heads)), out(q.size());
    std::vector<uint16_t> k = random_halves(static_cast<size_t>(hd * dec_kv * cells)), v = random_halves(k.size());
    std::vector<int32_t> begin(1, 0), end(1, static_cast<int32_t>(cells));
    const TensorView qv = TensorView::contiguous(DType::F32, q.data(), {hd, dec_heads, 1});
    const TensorView kc = TensorView::contiguous(DType::F16, k.data(), {hd * dec_kv, cells});
    const TensorView vc = TensorView::contiguous(DType::F16, v.data(), {hd * dec_kv, cells});
    const TensorView ov = TensorView::contiguous(DType::F32, out.data(), {hd * dec_heads, 1});
    const backend::AttentionSpan span{begin, end};
    auto run = [&] { backend->attention(qv, kc, vc, span, dec_kv, 0.088f, ov); };
    run();
    a.decode_gbps = static_cast<double>(2 * k.size() * sizeof(uint16_t)) / best_time(3, run) / 1e9;
  }
  return a;
}

double op_latency_us(int threads, ThreadPool& pool) {
  auto backend = backend::make_cpu_backend(threads);
  constexpr int64_t K = 256, R = 32;
  AlignedBytes w(tensor::row_bytes(DType::Q8_0, K) * R, "weights to measure with");
  fill_random(pool, w.data(), w.size(), 3);
  make_plausible(pool, DType::Q8_0, w.data(), w.size());
  std::vector<float> x = normal_floats(K), out(R);
  const TensorView wv = TensorView::contiguous(DType::Q8_0, w.data(), {K, R});
  const TensorView xv = TensorView::contiguous(DType::F32, x.data(), {K, 1});
  const TensorView ov = TensorView::contiguous(DType::F32, out.data(), {R, 1});
  constexpr int kCalls = 2000;
  backend->matmul(wv, xv, ov);
  const double s = best_time(3, [&] {
    for (int i = 0; i < kCalls; ++i) backend->matmul(wv, xv, ov);
  });
  return s / kCalls * 1e6;
}

// Each op runs as in a forward pass: on an input the op before it has just
// written (in the caches as far as they hold it), everything else pushed out
// of them by the matmuls in between.
ElementwiseRates measure_elementwise(int threads, ThreadPool& pool, const AlignedBytes& scratch) {
  auto be = backend::make_cpu_backend(threads);
  ElementwiseRates e;
  constexpr int64_t d = 2048, ff = 8192, T = kPromptTokens;
  std::vector<float> x = normal_floats(static_cast<size_t>(ff * T)), y = x, out(x.size()), w(static_cast<size_t>(d), 1.0f);
  auto cold = [&](size_t input_floats, auto&& op) {
    return best_time(3, op, 1e30, [&] {
      evict_caches(pool, scratch, kEvictBytes);
      std::copy_n(y.begin(), input_floats, x.begin());  // the input, freshly written
    });
  };
  auto rows = [&](std::vector<float>& v, int64_t width) { return TensorView::contiguous(DType::F32, v.data(), {width, T}); };
  const TensorView wv = TensorView::contiguous(DType::F32, w.data(), {d});
  const double n = static_cast<double>(d * T);
  e.norm_ns = cold(d * T, [&] { be->rms_norm(rows(x, d), wv, 1e-6f, rows(out, d)); }) / n * 1e9;
  e.add_ns = cold(d * T, [&] { be->add(rows(out, d), rows(x, d)); }) / n * 1e9;
  e.glu_ns = cold(ff * T, [&] { be->swiglu(rows(out, ff), rows(x, ff), rows(out, ff)); }) / static_cast<double>(ff * T) * 1e9;
  {
    constexpr int64_t width = 1024;
    std::vector<uint16_t> cache(static_cast<size_t>(width * T));
    std::vector<int32_t> cells(T);
    for (int64_t t = 0; t < T; ++t) cells[t] = static_cast<int32_t>(t);
    const TensorView cv = TensorView::contiguous(DType::F16, cache.data(), {width, T});
    e.store_ns = cold(width * T, [&] { be->store_rows(rows(x, width), cells, cv); }) / static_cast<double>(width * T) * 1e9;
  }
  {
    constexpr int64_t hd = 128, many = 16;
    std::vector<int32_t> pos(T);
    for (int64_t t = 0; t < T; ++t) pos[t] = static_cast<int32_t>(t);
    backend::RopeParams rp;
    rp.n_rot = static_cast<int>(hd);
    rp.neox = true;
    const double pairs = static_cast<double>(T) * hd / 2;
    const double one = cold(hd * T, [&] { be->rope(TensorView::contiguous(DType::F32, x.data(), {hd, 1, T}), pos, rp); });
    const double all =
        cold(hd * many * T, [&] { be->rope(TensorView::contiguous(DType::F32, x.data(), {hd, many, T}), pos, rp); });
    e.rope_pair_ns = std::max(0.0, (all - one) / (pairs * (many - 1)) * 1e9);
    e.rope_angle_ns = std::max(0.0, one / pairs * 1e9 - e.rope_pair_ns);
  }
  return e;
}

}  // namespace

std::vector<std::pair<int64_t, int64_t>> prompt_shapes() {
  return {{1024, 256}, {1024, 1024}, {1024, 8192}, {4096, 256}, {4096, 1024}, {4096, 8192}};
}

double KernelRate::prompt_gflops(int64_t k, int64_t rows) const {
  if (prompt.empty()) return 0;
  // The grid's coordinates, log2 of K and of rows.
  std::vector<double> ks, rs;
  for (const PromptRate& p : prompt) ks.push_back(std::log2(static_cast<double>(p.k))), rs.push_back(std::log2(static_cast<double>(p.rows)));
  std::sort(ks.begin(), ks.end()), std::sort(rs.begin(), rs.end());
  ks.erase(std::unique(ks.begin(), ks.end()), ks.end()), rs.erase(std::unique(rs.begin(), rs.end()), rs.end());
  auto bracket = [](const std::vector<double>& axis, double v, size_t& i, double& w) {
    v = std::clamp(v, axis.front(), axis.back());
    i = 0;
    while (i + 2 < axis.size() && v > axis[i + 1]) ++i;
    w = axis.size() < 2 ? 0 : (v - axis[i]) / (axis[i + 1] - axis[i]);
  };
  size_t ki, ri;
  double kw, rw;
  bracket(ks, std::log2(static_cast<double>(std::max<int64_t>(1, k))), ki, kw);
  bracket(rs, std::log2(static_cast<double>(std::max<int64_t>(1, rows))), ri, rw);
  auto at = [&](size_t i, size_t j) {
    i = std::min(i, ks.size() - 1), j = std::min(j, rs.size() - 1);
    double best = 0, nearest = 1e30;  // the point at (i, j), else the nearest one
    for (const PromptRate& p : prompt) {
      const double d = std::abs(std::log2(static_cast<double>(p.k)) - ks[i]) + std::abs(std::log2(static_cast<double>(p.rows)) - rs[j]);
      if (d < nearest) nearest = d, best = p.gflops;
    }
    return best;
  };
  const double low = at(ki, ri) * (1 - rw) + at(ki, ri + 1) * rw, high = at(ki + 1, ri) * (1 - rw) + at(ki + 1, ri + 1) * rw;
  return low * (1 - kw) + high * kw;
}

double KernelRate::prompt_gflops(int64_t k, int64_t rows, double tokens) const {
  const double base = prompt_gflops(k, rows);
  if (!(few_tokens_ratio > 0) || tokens >= kPromptTokens) return base;
  const double w = std::clamp(std::log2(tokens / kFewTokens) / std::log2(double{kPromptTokens} / kFewTokens), 0.0, 1.0);
  return base * (few_tokens_ratio * (1 - w) + w);
}

double KernelRate::decode_gbps_for(double bytes) const {
  if (!(small_decode_gbps > 0)) return decode_gbps;
  const double small = static_cast<double>(tensor::row_bytes(type, kSmallDecodeK) * kSmallDecodeRows);
  const double large = static_cast<double>(tensor::row_bytes(type, kDecodeK) * kDecodeRows);
  const double w = std::clamp(std::log2(bytes / small) / std::log2(large / small), 0.0, 1.0);
  return small_decode_gbps * (1 - w) + decode_gbps * w;
}

double AttentionRates::prompt_gflops(int64_t head_dim) const {
  const double ns = position_ns + dimension_ns * static_cast<double>(head_dim);
  return ns > 0 ? 4.0 * static_cast<double>(head_dim) / ns : 0;
}

std::vector<DType> measured_types() {
  return {DType::F16, DType::Q8_0, DType::Q6_K, DType::Q5_K, DType::Q4_K, DType::Q4_0};
}

const KernelRate& MeasuredRates::kernel(DType t) const {
  auto find = [&](DType want) -> const KernelRate* {
    for (const KernelRate& k : kernels)
      if (k.type == want) return &k;
    return nullptr;
  };
  if (const KernelRate* k = find(t)) return *k;
  DType proxy = DType::Q4_K;
  switch (t) {
    case DType::F32: case DType::BF16: proxy = DType::F16; break;
    case DType::Q4_1: case DType::Q5_0: case DType::Q5_1: case DType::IQ4_NL: proxy = DType::Q4_0; break;
    default: break;
  }
  if (const KernelRate* k = find(proxy)) return *k;
  if (kernels.empty()) fail("no measured matmul rates");
  return kernels.front();
}

MeasuredRates measure_rates(int threads, const std::function<void(const std::string&)>& progress) {
  auto say = [&](const std::string& s) {
    if (progress) progress(s);
  };
  const auto t0 = Clock::now();
  MeasuredRates r;
  r.threads = threads > 0 ? threads : ThreadPool::default_threads();
  if (const auto loadavg = read_text_file(procfs_root() / "loadavg")) {
    try {
      r.load_average = std::stod(*loadavg);
    } catch (const std::exception&) {
    }
  }
  ThreadPool pool(r.threads);
  say("memory read bandwidth");
  r.read_gbps = read_bandwidth_gbps(pool);
  AlignedBytes scratch(kDecodeWorkingSet, "memory to measure with");
  fill_random(pool, scratch.data(), scratch.size(), 11);
  for (DType t : measured_types()) {
    say(std::string("matmul ") + tensor::dtype_info(t).name);
    r.kernels.push_back(measure_kernel(r.threads, pool, t, scratch));
  }
  say("attention");
  r.attention = measure_attention(r.threads);
  r.op_latency_us = op_latency_us(r.threads, pool);
  say("element-wise ops");
  r.elementwise = measure_elementwise(r.threads, pool, scratch);
  r.seconds = since(t0);
  return r;
}

nlohmann::json to_json(const MeasuredRates& r) {
  nlohmann::json kernels = nlohmann::json::object();
  for (const KernelRate& k : r.kernels) {
    nlohmann::json prompt = nlohmann::json::array();
    for (const PromptRate& p : k.prompt) prompt.push_back({{"k", p.k}, {"rows", p.rows}, {"gflops", p.gflops}});
    kernels[tensor::dtype_info(k.type).name] = {{"prompt", prompt},
                                                {"decode_gbps", k.decode_gbps},
                                                {"small_decode_gbps", k.small_decode_gbps},
                                                {"few_tokens_ratio", k.few_tokens_ratio}};
  }
  return {{"threads", r.threads},
          {"read_gbps", r.read_gbps},
          {"matmul", kernels},
          {"attention",
           {{"position_ns", r.attention.position_ns},
            {"dimension_ns", r.attention.dimension_ns},
            {"decode_gbps", r.attention.decode_gbps}}},
          {"op_latency_us", r.op_latency_us},
          {"elementwise_ns",
           {{"norm", r.elementwise.norm_ns},
            {"add", r.elementwise.add_ns},
            {"glu", r.elementwise.glu_ns},
            {"store", r.elementwise.store_ns},
            {"rope_angle", r.elementwise.rope_angle_ns},
            {"rope_pair", r.elementwise.rope_pair_ns}}},
          {"seconds", r.seconds},
          {"load_average", r.load_average}};
}

MeasuredRates rates_from_json(const nlohmann::json& j) {
  try {
    MeasuredRates r;
    r.threads = j.at("threads").get<int>();
    r.read_gbps = j.at("read_gbps").get<double>();
    for (DType t : measured_types()) {
      const auto& k = j.at("matmul").at(tensor::dtype_info(t).name);
      KernelRate rate{t, {}, k.at("decode_gbps").get<double>(), k.at("small_decode_gbps").get<double>(),
                      k.at("few_tokens_ratio").get<double>()};
      for (const auto& p : k.at("prompt"))
        rate.prompt.push_back({p.at("k").get<int64_t>(), p.at("rows").get<int64_t>(), p.at("gflops").get<double>()});
      r.kernels.push_back(std::move(rate));
    }
    const auto& a = j.at("attention");
    r.attention = {a.at("position_ns").get<double>(), a.at("dimension_ns").get<double>(), a.at("decode_gbps").get<double>()};
    r.op_latency_us = j.at("op_latency_us").get<double>();
    const auto& e = j.at("elementwise_ns");
    r.elementwise = {e.at("norm").get<double>(),  e.at("add").get<double>(),        e.at("glu").get<double>(),
                     e.at("store").get<double>(), e.at("rope_angle").get<double>(), e.at("rope_pair").get<double>()};
    r.seconds = j.value("seconds", 0.0);
    r.load_average = j.value("load_average", -1.0);
    for (const KernelRate& k : r.kernels) {
      if (k.prompt.empty() || !(k.decode_gbps > 0)) fail("a matmul rate is missing");
      if (!(k.small_decode_gbps >= 0) || !(k.few_tokens_ratio >= 0)) fail("a matmul rate is negative");
      for (const PromptRate& p : k.prompt)
        if (!(p.gflops > 0) || p.k <= 0 || p.rows <= 0) fail("a matmul rate is not positive");
    }
    if (!(r.attention.decode_gbps > 0) || !(r.attention.position_ns + r.attention.dimension_ns > 0))
      fail("an attention rate is not positive");
    return r;
  } catch (const nlohmann::json::exception& e) {
    fail("measured rates: ", e.what());
  }
}

}  // namespace hearth::hw
