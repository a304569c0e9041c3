#pragma once
// The CPU as hearth's kernels see it: name, cores, and the instruction set
// level the CPU backend chose (backend/cpu/cpu_features.h).
#include <filesystem>
#include <string>
#include <string_view>

namespace hearth::hw {

struct CpuInfo {
  std::string model_name;  // /proc/cpuinfo's "model name"
  int physical_cores = 0;  // distinct (physical id, core id) pairs
  int threads = 0;         // logical processors
  std::string kernel_level;  // cpu_features' chosen level: "avx512vnni"
  bool amx = false;          // AMX-INT8 tile kernels in use for prompts
  std::string simd() const;  // "AVX-512 VNNI + AMX-INT8"
};

// Name and core counts from /proc/cpuinfo's text; the level fields are left empty.
CpuInfo parse_cpuinfo(std::string_view text);
// <procfs>/cpuinfo and the backend's chosen level.
CpuInfo probe_cpu(const std::filesystem::path& procfs);

}  // namespace hearth::hw
