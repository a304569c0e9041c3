#include "cli/options.h"

#include <cstdio>

#include "core/error.h"

namespace hearth::cli {

void add_engine_options(CLI::App& cmd, EngineOptions& opts) {
  cmd.add_option("-t,--threads", opts.threads, "Threads to compute with (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("-c,--ctx-size", opts.ctx_size, "Context size in tokens (default: the model's, at most 4096)")
      ->check(CLI::NonNegativeNumber);
  cmd.add_option("--kv-type", opts.kv_type,
                 "KV cache type: f16, f32, or q8_0 (about half the memory of f16, slightly less exact)")
      ->capture_default_str();
}

tensor::DType parse_kv_type(const std::string& name) {
  if (name == "f16") return tensor::DType::F16;
  if (name == "f32") return tensor::DType::F32;
  if (name == "q8_0") return tensor::DType::Q8_0;
  fail("unknown KV cache type '", name, "' (use f16, f32 or q8_0)");
}

std::string format_duration(int64_t ns) {
  char buf[64];
  const double v = static_cast<double>(ns);
  if (ns >= 1000000000) std::snprintf(buf, sizeof buf, "%.6gs", v / 1e9);
  else if (ns >= 1000000) std::snprintf(buf, sizeof buf, "%.6gms", v / 1e6);
  else if (ns >= 1000) std::snprintf(buf, sizeof buf, "%.6gµs", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  return buf;
}

}  // namespace hearth::cli
