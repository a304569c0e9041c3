#include "hw/cpu_probe.h"

#include <set>
#include <thread>
#include <utility>

#include "backend/cpu/cpu_features.h"
#include "hw/system_paths.h"

namespace hearth::hw {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string CpuInfo::simd() const {
  std::string s = kernel_level == "avx512vnni" ? "AVX-512 VNNI"
                  : kernel_level == "avx512bw" ? "AVX-512 BW"
                  : kernel_level == "avx2"     ? "AVX2 + FMA + F16C"
                  : kernel_level == "scalar"   ? "scalar (no SIMD kernels)"
                                               : kernel_level;
  if (amx) s += " + AMX-INT8";
  return s;
}

CpuInfo parse_cpuinfo(std::string_view text) {
  CpuInfo cpu;
  std::set<std::pair<std::string, std::string>> cores;
  std::string physical = "0";
  int processors = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "processor") ++processors;
    else if (key == "model name" && cpu.model_name.empty()) cpu.model_name = value;
    else if (key == "physical id") physical = value;
    else if (key == "core id") cores.emplace(physical, std::string(value));
  }
  cpu.threads = processors;
  cpu.physical_cores = cores.empty() ? processors : static_cast<int>(cores.size());
  return cpu;
}

CpuInfo probe_cpu(const std::filesystem::path& procfs) {
  CpuInfo cpu = parse_cpuinfo(read_text_file(procfs / "cpuinfo").value_or(""));
  if (cpu.model_name.empty()) cpu.model_name = "unknown CPU";
  if (cpu.threads == 0) cpu.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (cpu.physical_cores == 0) cpu.physical_cores = cpu.threads;
  namespace c = backend::cpu;
  cpu.kernel_level = c::level_name(c::chosen_level());
  cpu.amx = c::amx_int8_chosen();
  return cpu;
}

}  // namespace hearth::hw
