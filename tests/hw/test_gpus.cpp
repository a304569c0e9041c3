// GPUs from fixture sysfs trees with known numbers (an APU with 512 MiB of
// VRAM and 48 GiB of GTT, a discrete card beside an Intel iGPU, no GPU) and
// from a stand-in Vulkan loader; the TTM advice's exact lines.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "hw/drm_sysfs.h"
#include "hw/gpus.h"
#include "hw/machine.h"
#include "hw/memory_probe.h"
#include "hw/vulkan_probe.h"

namespace hearth::hw {
namespace {

const std::filesystem::path kFixtures = HEARTH_FIXTURES;
constexpr uint64_t kMiB = uint64_t{1} << 20, kGiB = uint64_t{1} << 30;

// Points the probes at a fixture machine, with no Vulkan loader unless given.
struct FixtureMachine {
  explicit FixtureMachine(const std::string& name, const char* vulkan = "/nonexistent/libvulkan.so.1") {
    setenv("HEARTH_SYSFS_ROOT", (kFixtures / name / "sys").c_str(), 1);
    setenv("HEARTH_PROCFS_ROOT", (kFixtures / name / "proc").c_str(), 1);
    setenv("HEARTH_VULKAN_LIBRARY", vulkan, 1);
  }
  ~FixtureMachine() {
    unsetenv("HEARTH_SYSFS_ROOT");
    unsetenv("HEARTH_PROCFS_ROOT");
    unsetenv("HEARTH_VULKAN_LIBRARY");
  }
};

TEST(DrmSysfs, ReadsTheApusPoolsAndSkipsConnectors) {
  const auto gpus = read_drm_gpus(kFixtures / "apu/sys");
  ASSERT_EQ(gpus.size(), 1u);  // card0, not card0-DP-1
  const DrmGpu& g = gpus[0];
  EXPECT_EQ(g.card, "card0");
  EXPECT_EQ(g.vendor, 0x1002u);
  EXPECT_EQ(g.device, 0x15bfu);
  EXPECT_EQ(g.driver, "amdgpu");
  EXPECT_EQ(g.pci_slot, "0000:c5:00.0");
  EXPECT_EQ(g.vram_total, 512 * kMiB);
  EXPECT_EQ(g.vram_used, 110 * kMiB);
  EXPECT_EQ(g.gtt_total, 48 * kGiB);
  EXPECT_EQ(g.gtt_used, 1 * kGiB);
  const TtmLimits ttm = read_ttm_limits(kFixtures / "apu/sys");
  EXPECT_EQ(ttm.pages_limit, 12582912u);
  EXPECT_EQ(ttm.page_pool_size, 12582912u);
}

TEST(Gpus, AnApuCanUseVramPlusGtt) {
  FixtureMachine fixture("apu");
  const Machine m = probe_machine();
  ASSERT_EQ(m.gpus.size(), 1u);
  const GpuInfo& g = m.gpus[0];
  EXPECT_EQ(g.name, "AMD Radeon 780M (Phoenix)");
  EXPECT_TRUE(g.integrated);
  EXPECT_EQ(g.integrated_basis, "known APU");
  EXPECT_EQ(g.usable_bytes, 512 * kMiB + 48 * kGiB);
  EXPECT_FALSE(m.vulkan.loader_found);
  EXPECT_NE(m.vulkan.problem.find("no Vulkan loader"), std::string::npos);
  ASSERT_EQ(m.best_gpu(), &m.gpus[0]);
}

TEST(Gpus, ApuWithSmallGttGetsExactTtmLines) {
  FixtureMachine fixture("apu");
  const Machine m = probe_machine();
  // 75% of MemTotal (100139008 kB) in 4 KiB pages: 100139008 * 1024 * 0.75 / 4096.
  const auto advice = gtt_advice(m.gpus[0], m.ram, 0.75);
  ASSERT_TRUE(advice);
  EXPECT_EQ(advice->pages, 18776064u);
  EXPECT_EQ(advice->conf_lines, "options ttm pages_limit=18776064 page_pool_size=18776064\n");
  EXPECT_EQ(advice->gtt_bytes, uint64_t{18776064} * 4096);
  EXPECT_EQ(advice->usable_bytes, 512 * kMiB + uint64_t{18776064} * 4096);
  // Half of RAM is about what the 48 GiB already are: nothing to advise.
  EXPECT_FALSE(gtt_advice(m.gpus[0], m.ram, 0.5));
  // 90%: floor(100139008 * 1024 * 0.9 / 4096) = 22531276.
  EXPECT_EQ(gtt_advice(m.gpus[0], m.ram, 0.9)->conf_lines, "options ttm pages_limit=22531276 page_pool_size=22531276\n");
}

TEST(Gpus, ADiscreteCardCountsItsVramOnly) {
  FixtureMachine fixture("discrete");
  const Machine m = probe_machine();
  ASSERT_EQ(m.gpus.size(), 2u);
  const GpuInfo& intel = m.gpus[0];
  EXPECT_EQ(intel.card, "card0");
  EXPECT_TRUE(intel.integrated);
  EXPECT_EQ(intel.usable_bytes, 0u);  // i915 publishes no pools; without Vulkan the size is unknown
  const GpuInfo& radeon = m.gpus[1];
  EXPECT_EQ(radeon.name, "AMD Radeon RX 7900 XTX");
  EXPECT_FALSE(radeon.integrated);
  EXPECT_EQ(radeon.usable_bytes, uint64_t{25753026560});
  EXPECT_FALSE(gtt_advice(radeon, m.ram, 0.75));  // GTT is no use to a discrete card's speed
  EXPECT_EQ(m.best_gpu(), &m.gpus[1]);
}

TEST(Gpus, NoGpuIsNotAnError) {
  FixtureMachine fixture("none");
  const Machine m = probe_machine();
  EXPECT_TRUE(m.gpus.empty());
  EXPECT_TRUE(m.drm_listed);
  EXPECT_FALSE(m.ttm.pages_limit);
  EXPECT_EQ(m.best_gpu(), nullptr);
  EXPECT_EQ(m.ram.total, uint64_t{16384000} * 1024);
  const nlohmann::json j = to_json(m, 0.75);
  EXPECT_TRUE(j["gpus"].empty());
  EXPECT_FALSE(j["vulkan"]["loader_found"].get<bool>());
}

TEST(Gpus, NoSysfsAtAllIsNotAnErrorEither) {
  FixtureMachine fixture("does-not-exist");
  const Machine m = probe_machine();
  EXPECT_TRUE(m.gpus.empty());
  EXPECT_FALSE(m.drm_listed);
  EXPECT_FALSE(m.ram.known);
}

TEST(Vulkan, ReadsDevicesThroughTheLoader) {
  FixtureMachine fixture("none", FAKE_VULKAN);
  const VulkanProbe probe = probe_vulkan();
  ASSERT_TRUE(probe.loader_found) << probe.problem;
  ASSERT_EQ(probe.devices.size(), 1u) << probe.problem;
  const VulkanDevice& d = probe.devices[0];
  EXPECT_EQ(d.name, "AMD Radeon 780M (RADV PHOENIX)");
  EXPECT_EQ(d.vendor_id, 0x1002u);
  EXPECT_EQ(d.device_id, 0x15bfu);
  EXPECT_EQ(d.type, "integrated");
  ASSERT_EQ(d.heaps.size(), 2u);
  EXPECT_EQ(d.heaps[0].size, 512 * kMiB);
  EXPECT_TRUE(d.heaps[0].device_local);
  EXPECT_EQ(d.heaps[1].size, 48 * kGiB);
  EXPECT_FALSE(d.heaps[1].device_local);
  EXPECT_TRUE(d.uma);
  EXPECT_EQ(d.device_local_bytes(), 512 * kMiB);
}

TEST(Vulkan, NamesAndTypesTheSysfsGpuWhenIdsMatch) {
  FixtureMachine fixture("apu", FAKE_VULKAN);
  const Machine m = probe_machine();
  ASSERT_EQ(m.gpus.size(), 1u);  // one GPU seen twice, not two
  const GpuInfo& g = m.gpus[0];
  EXPECT_EQ(g.name, "AMD Radeon 780M (RADV PHOENIX)");
  EXPECT_EQ(g.integrated_basis, "vulkan");
  ASSERT_TRUE(g.vulkan);
  EXPECT_EQ(g.usable_bytes, 512 * kMiB + 48 * kGiB);  // sysfs' pools win over heap sizes
}

TEST(Vulkan, AVulkanOnlyIntegratedGpuCountsAllItsHeaps) {
  FixtureMachine fixture("none", FAKE_VULKAN);
  const Machine m = probe_machine();
  ASSERT_EQ(m.gpus.size(), 1u);
  EXPECT_TRUE(m.gpus[0].integrated);
  EXPECT_EQ(m.gpus[0].usable_bytes, 512 * kMiB + 48 * kGiB);
}

TEST(Vulkan, ALibraryWithoutTheEntryPointIsReported) {
  FixtureMachine fixture("none", "libc.so.6");
  const VulkanProbe probe = probe_vulkan();
  EXPECT_TRUE(probe.loader_found);
  EXPECT_TRUE(probe.devices.empty());
  EXPECT_NE(probe.problem.find("vkGetInstanceProcAddr"), std::string::npos);
}

}  // namespace
}  // namespace hearth::hw
