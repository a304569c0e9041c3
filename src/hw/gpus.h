#pragma once
// The GPUs of this machine, from sysfs and Vulkan together, and the memory a
// GPU backend could use on each. An integrated GPU (an APU's) has a small
// VRAM carve-out set in the BIOS plus GTT: system RAM the GPU maps, sized by
// the OS. Both are RAM, and a GPU backend can use both, so its usable total
// is VRAM + GTT; counting VRAM alone undersells an APU by 10x or more.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hw/drm_sysfs.h"
#include "hw/memory_probe.h"
#include "hw/vulkan_probe.h"

namespace hearth::hw {

struct GpuInfo {
  std::string name;
  uint32_t vendor = 0, device = 0;
  std::string card, pci_slot, driver;  // from sysfs, when listed there
  bool integrated = false;
  // How integrated was decided: "vulkan" (the driver's device type), "known
  // APU" (its PCI id), "guessed from VRAM size" (< 4 GiB, no other sign).
  std::string integrated_basis;
  std::optional<uint64_t> vram_total, vram_used, gtt_total, gtt_used;  // amdgpu's sysfs pools
  std::optional<VulkanDevice> vulkan;
  // VRAM + GTT for an integrated GPU, VRAM for a discrete one (from Vulkan's
  // heaps where sysfs has no figures); 0 when unknown.
  uint64_t usable_bytes = 0;
};

// One entry per sysfs card, with the Vulkan device of the same PCI ids
// (matched in order), then Vulkan devices sysfs does not list.
std::vector<GpuInfo> combine_gpus(const std::vector<DrmGpu>& sysfs, const VulkanProbe& vulkan);

// "AMD Radeon 780M" for the APU ids hearth knows, else empty.
std::string known_apu_name(uint32_t vendor, uint32_t device);
std::string vendor_name(uint32_t vendor);

// The TTM settings that would let an integrated GPU map `share` of RAM as
// GTT, when its GTT is now more than 5% below that.
struct GttAdvice {
  double share = 0;
  uint64_t pages = 0;         // 4 KiB pages, for both pages_limit and page_pool_size
  uint64_t gtt_bytes = 0;     // pages * 4096
  uint64_t usable_bytes = 0;  // VRAM + that GTT
  std::string conf_lines;     // the /etc/modprobe.d/ttm.conf contents, newline-terminated
};
std::optional<GttAdvice> gtt_advice(const GpuInfo& gpu, const MemoryInfo& ram, double share);

}  // namespace hearth::hw
