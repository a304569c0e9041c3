#include "hw/memory_probe.h"

#include <charconv>
#include <optional>

#include "hw/system_paths.h"

namespace hearth::hw {

namespace {

// "Key:   12345 kB" lines; values in bytes.
std::optional<uint64_t> field_bytes(std::string_view text, std::string_view key) {
  size_t at = 0;
  while ((at = text.find(key, at)) != std::string_view::npos) {
    const bool line_start = at == 0 || text[at - 1] == '\n';
    at += key.size();
    if (!line_start || at >= text.size() || text[at] != ':') continue;
    ++at;
    while (at < text.size() && text[at] == ' ') ++at;
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data() + at, text.data() + text.size(), value);
    if (ec != std::errc()) return std::nullopt;
    const std::string_view rest = text.substr(static_cast<size_t>(end - text.data()));
    return rest.starts_with(" kB") ? value * 1024 : value;
  }
  return std::nullopt;
}

}  // namespace

MemoryInfo parse_meminfo(std::string_view text) {
  MemoryInfo m;
  const auto total = field_bytes(text, "MemTotal");
  if (!total) return m;
  m.known = true;
  m.total = *total;
  m.available = field_bytes(text, "MemAvailable").value_or(field_bytes(text, "MemFree").value_or(0));
  return m;
}

MemoryInfo probe_memory(const std::filesystem::path& procfs) {
  return parse_meminfo(read_text_file(procfs / "meminfo").value_or(""));
}

}  // namespace hearth::hw
