#pragma once
// System RAM from /proc/meminfo.
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace hearth::hw {

struct MemoryInfo {
  bool known = false;
  uint64_t total = 0;      // MemTotal, bytes
  uint64_t available = 0;  // MemAvailable, bytes (MemFree where the kernel lacks it)
};

MemoryInfo parse_meminfo(std::string_view text);
MemoryInfo probe_memory(const std::filesystem::path& procfs);

}  // namespace hearth::hw
