// The CPU, RAM and small-file readers on fixture text with known answers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "hw/cpu_probe.h"
#include "hw/memory_probe.h"
#include "hw/system_paths.h"

namespace hearth::hw {
namespace {

const std::filesystem::path kFixtures = HEARTH_FIXTURES;

TEST(CpuProbe, CountsDistinctCoresNotSmtSiblings) {
  const CpuInfo cpu = probe_cpu(kFixtures / "apu/proc");
  EXPECT_EQ(cpu.model_name, "AMD Ryzen 7 8700G w/ Radeon 780M Graphics");
  EXPECT_EQ(cpu.threads, 4);
  EXPECT_EQ(cpu.physical_cores, 2);  // core ids 0 and 1, two threads each
  EXPECT_FALSE(cpu.kernel_level.empty());
}

TEST(CpuProbe, CoresOfSeveralSocketsAreDistinct) {
  const CpuInfo cpu = parse_cpuinfo(
      "processor : 0\nphysical id : 0\ncore id : 0\n\nprocessor : 1\nphysical id : 1\ncore id : 0\n");
  EXPECT_EQ(cpu.threads, 2);
  EXPECT_EQ(cpu.physical_cores, 2);
}

TEST(CpuProbe, WithoutCoreIdsEveryProcessorIsACore) {
  const CpuInfo cpu = parse_cpuinfo("processor\t: 0\nprocessor\t: 1\nprocessor\t: 2\n");
  EXPECT_EQ(cpu.physical_cores, 3);
  EXPECT_TRUE(cpu.model_name.empty());
}

TEST(CpuProbe, MissingCpuinfoStillGivesACpu) {
  const CpuInfo cpu = probe_cpu("/nonexistent");
  EXPECT_EQ(cpu.model_name, "unknown CPU");
  EXPECT_GE(cpu.threads, 1);
  EXPECT_GE(cpu.physical_cores, 1);
}

TEST(MemoryProbe, ReadsTotalAndAvailableInBytes) {
  const MemoryInfo m = probe_memory(kFixtures / "apu/proc");
  ASSERT_TRUE(m.known);
  EXPECT_EQ(m.total, uint64_t{100139008} * 1024);
  EXPECT_EQ(m.available, uint64_t{95000000} * 1024);
}

TEST(MemoryProbe, FallsBackToMemFreeAndIgnoresLookalikeKeys) {
  const MemoryInfo m = parse_meminfo("HugeMemTotal: 5 kB\nMemTotal: 2048 kB\nMemFree: 1024 kB\n");
  ASSERT_TRUE(m.known);
  EXPECT_EQ(m.total, 2048u * 1024);
  EXPECT_EQ(m.available, 1024u * 1024);
  EXPECT_FALSE(parse_meminfo("").known);
  EXPECT_FALSE(probe_memory("/nonexistent").known);
}

TEST(SystemPaths, NumberFilesAreDecimalOrHexAndNothingElse) {
  const auto dir = std::filesystem::temp_directory_path() / ("hearth-hw-numbers-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const char* name, const char* text) {
    std::ofstream(dir / name) << text;
    return dir / name;
  };
  EXPECT_EQ(read_number_file(write("dec", "536870912\n")), 536870912u);
  EXPECT_EQ(read_number_file(write("hex", "0x1002\n")), 0x1002u);
  EXPECT_FALSE(read_number_file(write("neg", "-1\n")));
  EXPECT_FALSE(read_number_file(write("word", "12 pages\n")));
  EXPECT_FALSE(read_number_file(write("empty", "")));
  EXPECT_FALSE(read_number_file(dir / "missing"));
  std::filesystem::remove_all(dir);
}

TEST(SystemPaths, RootsAndCacheFollowTheEnvironment) {
  setenv("HEARTH_SYSFS_ROOT", "/tmp/fake-sys", 1);
  setenv("HEARTH_PROCFS_ROOT", "/tmp/fake-proc", 1);
  setenv("XDG_CACHE_HOME", "/tmp/fake-cache", 1);
  EXPECT_EQ(sysfs_root(), "/tmp/fake-sys");
  EXPECT_EQ(procfs_root(), "/tmp/fake-proc");
  EXPECT_EQ(hw_cache_path(), "/tmp/fake-cache/hearth/hw.json");
  unsetenv("HEARTH_SYSFS_ROOT");
  unsetenv("HEARTH_PROCFS_ROOT");
  unsetenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const std::string saved_home = home ? home : "";
  setenv("HOME", "/tmp/fake-home", 1);
  EXPECT_EQ(sysfs_root(), "/sys");
  EXPECT_EQ(procfs_root(), "/proc");
  EXPECT_EQ(hw_cache_path(), "/tmp/fake-home/.cache/hearth/hw.json");
  if (home) setenv("HOME", saved_home.c_str(), 1);
  else unsetenv("HOME");
}

}  // namespace
}  // namespace hearth::hw
