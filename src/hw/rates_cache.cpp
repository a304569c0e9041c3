#include "hw/rates_cache.h"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "core/clock.h"
#include "core/error.h"

namespace hearth::hw {

namespace {

constexpr int kFormat = 1;

nlohmann::json read_file_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return nullptr;
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (j.is_object() && j.value("format", 0) == kFormat && j.contains("entries") && j["entries"].is_array()) return j;
  } catch (const nlohmann::json::exception&) {
  }
  return nullptr;
}

}  // namespace

RatesKey RatesKey::of(const CpuInfo& cpu, int threads, const std::string& version) {
  return {cpu.model_name, cpu.physical_cores, cpu.kernel_level + (cpu.amx ? "+amx" : ""), threads, version};
}

nlohmann::json RatesKey::to_json() const {
  return {{"cpu_model", cpu_model},
          {"physical_cores", physical_cores},
          {"kernel_level", kernel_level},
          {"threads", threads},
          {"hearth_version", version}};
}

std::optional<CachedRates> load_rates(const std::filesystem::path& file, const RatesKey& key) {
  const nlohmann::json j = read_file_json(file);
  if (j.is_null()) return std::nullopt;
  const nlohmann::json want = key.to_json();
  for (const auto& entry : j["entries"]) {
    if (!entry.is_object() || entry.value("key", nlohmann::json()) != want) continue;
    try {
      return CachedRates{rates_from_json(entry.at("rates")), entry.value("measured_at", ""), false};
    } catch (const std::exception&) {
      return std::nullopt;  // a damaged entry is measured again
    }
  }
  return std::nullopt;
}

void save_rates(const std::filesystem::path& file, const RatesKey& key, const CachedRates& entry) {
  nlohmann::json j = read_file_json(file);
  if (j.is_null()) j = {{"format", kFormat}, {"entries", nlohmann::json::array()}};
  nlohmann::json kept = nlohmann::json::array();
  const nlohmann::json want = key.to_json();
  for (const auto& e : j["entries"])
    if (e.is_object() && e.value("key", nlohmann::json()) != want) kept.push_back(e);
  kept.push_back({{"key", want}, {"measured_at", entry.measured_at}, {"rates", to_json(entry.rates)}});
  j["entries"] = kept;

  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  const std::filesystem::path tmp = file.string() + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp);
    out << j.dump(2) << "\n";
    if (!out.flush()) {
      std::filesystem::remove(tmp, ec);
      fail("cannot write '", tmp.string(), "'");
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    fail("cannot write '", file.string(), "': ", ec.message());
  }
}

CachedRates cached_or_measured_rates(const std::filesystem::path& file, const RatesKey& key, bool refresh,
                                     const std::function<void(const std::string&)>& progress) {
  if (!refresh)
    if (auto cached = load_rates(file, key)) return *cached;
  if (progress) progress("measuring this machine (a few seconds; kept in " + file.string() + ")");
  CachedRates entry{measure_rates(key.threads, [&](const std::string& step) {
                      if (progress) progress("  " + step);
                    }),
                    utc_now(), true};
  try {
    save_rates(file, key, entry);
  } catch (const Error& e) {
    if (progress) progress(std::string("warning: ") + e.what() + "; the measurement is not kept");
  }
  return entry;
}

}  // namespace hearth::hw
