#include "hw/system_paths.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hearth::hw {

namespace {

std::filesystem::path env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::filesystem::path(v) : std::filesystem::path(fallback);
}

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

}  // namespace

std::filesystem::path sysfs_root() { return env_or("HEARTH_SYSFS_ROOT", "/sys"); }
std::filesystem::path procfs_root() { return env_or("HEARTH_PROCFS_ROOT", "/proc"); }

std::filesystem::path hw_cache_path() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::filesystem::path(xdg) / "hearth/hw.json";
  return env_or("HOME", ".") / ".cache/hearth/hw.json";
}

std::optional<std::string> read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return trim(text.str());
}

std::optional<uint64_t> read_number_file(const std::filesystem::path& path) {
  const auto text = read_text_file(path);
  if (!text || text->empty() || (*text)[0] == '-') return std::nullopt;
  try {
    size_t used = 0;
    const uint64_t v = std::stoull(*text, &used, 0);
    if (used != text->size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace hearth::hw
