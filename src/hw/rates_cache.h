#pragma once
// Measured rates are kept in a JSON file (system_paths.h: hw_cache_path()),
// one entry per key, so that `hearth fit` predicts without measuring again.
// A key names what the rates depend on: the CPU, its cores, the kernel level
// in use, the thread count and hearth's version.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "hw/cpu_probe.h"
#include "hw/measured_rates.h"

namespace hearth::hw {

struct RatesKey {
  std::string cpu_model;
  int physical_cores = 0;
  std::string kernel_level;  // "avx512vnni+amx"
  int threads = 0;
  std::string version;       // hearth's

  static RatesKey of(const CpuInfo& cpu, int threads, const std::string& version);
  nlohmann::json to_json() const;
  bool operator==(const RatesKey&) const = default;
};

struct CachedRates {
  MeasuredRates rates;
  std::string measured_at;  // RFC 3339, UTC
  bool fresh = false;       // measured by this call
};

// The entry for key, or nullopt (no file, no such entry, or an unreadable file).
std::optional<CachedRates> load_rates(const std::filesystem::path& file, const RatesKey& key);
// Writes (atomically) the entry for key, keeping the file's other entries.
// Throws hearth::Error when the file cannot be written.
void save_rates(const std::filesystem::path& file, const RatesKey& key, const CachedRates& entry);

// The cached entry, or (when there is none, or refresh) measures and saves
// it; a cache that cannot be written is reported through `progress` and
// otherwise ignored.
CachedRates cached_or_measured_rates(const std::filesystem::path& file, const RatesKey& key, bool refresh,
                                     const std::function<void(const std::string&)>& progress);

}  // namespace hearth::hw
