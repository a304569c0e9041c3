#pragma once
// GPUs as Linux's DRM subsystem lists them in sysfs: /sys/class/drm/card<N>,
// whose device/ directory is the PCI device. amdgpu adds the memory pools
// (device/mem_info_{vram,gtt}_{total,used}, bytes); TTM, the kernel's GPU
// memory manager, caps the system memory (GTT) GPUs may pin at
// /sys/module/ttm/parameters/pages_limit (4 KiB pages), with its page pool at
// page_pool_size.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace hearth::hw {

constexpr uint32_t kVendorAmd = 0x1002, kVendorIntel = 0x8086, kVendorNvidia = 0x10de;

struct DrmGpu {
  std::string card;      // "card0"
  std::string pci_slot;  // "0000:c5:00.0" (device/uevent), may be empty
  std::string driver;    // "amdgpu" (device/uevent), may be empty
  uint32_t vendor = 0, device = 0;
  std::string product_name;  // device/product_name where the driver writes one
  std::optional<uint64_t> vram_total, vram_used, gtt_total, gtt_used;
};

struct TtmLimits {
  std::optional<uint64_t> pages_limit, page_pool_size;  // 4 KiB pages
};

// Every <sysfs>/class/drm/card<N> with a PCI vendor id, in card order.
// Missing directories or files are not errors: an empty list, empty fields.
std::vector<DrmGpu> read_drm_gpus(const std::filesystem::path& sysfs);
TtmLimits read_ttm_limits(const std::filesystem::path& sysfs);

}  // namespace hearth::hw
