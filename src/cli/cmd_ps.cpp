// `hearth ps`: the models the running server holds in memory, as `ollama ps`
// lists them.
#include <cstdio>
#include <ctime>
#include <string>

#include "cli/commands.h"
#include "cli/server_client.h"

namespace hearth::cli {

namespace {

std::string human_bytes(uint64_t n) {
  char buf[32];
  if (n >= 1000000000ull) std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(n) / 1e9);
  else if (n >= 1000000ull) std::snprintf(buf, sizeof buf, "%.0f MB", static_cast<double>(n) / 1e6);
  else std::snprintf(buf, sizeof buf, "%.0f KB", static_cast<double>(n) / 1e3);
  return buf;
}

// "4 minutes from now", "Forever" (ollama's wording), from an RFC 3339 time.
std::string until(const std::string& rfc3339) {
  std::tm tm{};
  if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return rfc3339;
  const std::time_t at = timegm(&tm);
  const double s = std::difftime(at, std::time(nullptr));
  if (s > 50.0 * 365 * 86400) return "Forever";
  if (s < 1) return "Stopping...";
  char buf[64];
  if (s < 90) std::snprintf(buf, sizeof buf, "%d seconds from now", static_cast<int>(s));
  else if (s < 5400) std::snprintf(buf, sizeof buf, "%d minutes from now", static_cast<int>(s / 60 + 0.5));
  else std::snprintf(buf, sizeof buf, "%d hours from now", static_cast<int>(s / 3600 + 0.5));
  return buf;
}

void run_ps() {
  const nlohmann::json answer = call_server("GET", "/api/ps", nullptr);
  std::printf("%-40s %-14s %-10s %-10s %-8s %s\n", "NAME", "ID", "SIZE", "PROCESSOR", "CONTEXT", "UNTIL");
  for (const auto& m : answer.value("models", nlohmann::json::array())) {
    const std::string digest = m.value("digest", "");
    std::printf("%-40s %-14s %-10s %-10s %-8lld %s\n", m.value("name", "").c_str(), digest.substr(0, 12).c_str(),
                human_bytes(m.value("size", uint64_t{0})).c_str(), "100% CPU",
                static_cast<long long>(m.value("context_length", int64_t{0})), until(m.value("expires_at", "")).c_str());
  }
}

}  // namespace

void register_ps(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("ps", "List the models the running server has loaded");
  cmd->callback([] { run_ps(); });
}

}  // namespace hearth::cli
