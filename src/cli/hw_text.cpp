#include "cli/hw_text.h"

#include <cstdio>

namespace hearth::cli {

namespace {

template <typename... Args>
std::string format(const char* pattern, Args... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, pattern, args...);
  return buf;
}

}  // namespace

std::string byte_size(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes >= (uint64_t{1} << 30)) return format("%.1f GiB", b / (1 << 30));
  if (bytes >= (uint64_t{10} << 20)) return format("%.0f MiB", b / (1 << 20));
  if (bytes >= (uint64_t{1} << 20)) return format("%.1f MiB", b / (1 << 20));
  return format("%.0f KiB", b / 1024);
}

std::string rates_text(const hw::CachedRates& cached) {
  const hw::MeasuredRates& r = cached.rates;
  std::string s = format("  memory read bandwidth %.1f GB/s (%d threads)\n", r.read_gbps, r.threads);
  s += "  matmul   prompt of 512 tokens: GFLOP/s at K x rows                    at 32   decode: GB/s of weights\n           ";
  for (const auto& [k, rows] : hw::prompt_shapes()) s += format(" %9s", (std::to_string(k) + "x" + std::to_string(rows)).c_str());
  s += format("  tokens   %lldx%lld %lldx%lld\n", static_cast<long long>(hw::kDecodeK), static_cast<long long>(hw::kDecodeRows),
              static_cast<long long>(hw::kSmallDecodeK), static_cast<long long>(hw::kSmallDecodeRows));
  for (const hw::KernelRate& k : r.kernels) {
    s += format("  %-9s", tensor::dtype_info(k.type).name);
    for (const auto& [kk, rows] : hw::prompt_shapes()) s += format(" %9.0f", k.prompt_gflops(kk, rows));
    s += format("  %5.0f%%   %9.1f %8.1f\n", 100 * k.few_tokens_ratio, k.decode_gbps, k.small_decode_gbps);
  }
  s += format("  attention: prompt %.0f GFLOP/s (heads of 64), %.0f (of 128); decode %.1f GB/s of f16 KV cache\n",
              r.attention.prompt_gflops(64), r.attention.prompt_gflops(128), r.attention.decode_gbps);
  s += format("  %.1f us per dispatched op; measured in %.1f s ", r.op_latency_us, r.seconds) +
       (cached.fresh ? std::string("just now") : "at " + cached.measured_at) + "\n";
  if (r.load_average > 0.5 * r.threads)
    s += format("  the load average was %.1f then: other work shared the cores, so these figures may be low\n"
                "  (hearth hw --refresh on an idle machine measures again)\n",
                r.load_average);
  return s;
}

}  // namespace hearth::cli
