#include "hw/gpus.h"

#include <cmath>
#include <cstdio>

namespace hearth::hw {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kGiB = uint64_t{1} << 30;

struct KnownApu {
  uint32_t device;
  const char* name;
};
// AMD APUs' GPU PCI device ids (amdgpu's table), for machines without Vulkan.
constexpr KnownApu kAmdApus[] = {
    {0x15dd, "AMD Radeon Vega (Raven Ridge)"},   {0x15d8, "AMD Radeon Vega (Picasso)"},
    {0x1636, "AMD Radeon (Renoir)"},             {0x164c, "AMD Radeon (Lucienne)"},
    {0x1638, "AMD Radeon (Cezanne)"},            {0x15e7, "AMD Radeon (Barcelo)"},
    {0x163f, "AMD Radeon (Van Gogh)"},           {0x1681, "AMD Radeon 680M (Rembrandt)"},
    {0x164e, "AMD Radeon (Raphael)"},            {0x1506, "AMD Radeon 610M (Mendocino)"},
    {0x15bf, "AMD Radeon 780M (Phoenix)"},       {0x15c8, "AMD Radeon 740M (Phoenix2)"},
    {0x150e, "AMD Radeon 890M (Strix Point)"},   {0x1586, "AMD Radeon 8060S (Strix Halo)"},
    {0x13c0, "AMD Radeon (Granite Ridge)"},
};

std::string hex_id(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

void fill_usable(GpuInfo& g) {
  if (g.integrated) {
    if (g.vram_total && g.gtt_total) g.usable_bytes = *g.vram_total + *g.gtt_total;
    else if (g.vulkan) g.usable_bytes = g.vulkan->heap_bytes();
  } else {
    if (g.vram_total) g.usable_bytes = *g.vram_total;
    else if (g.vulkan) g.usable_bytes = g.vulkan->device_local_bytes();
  }
}

void decide_integrated(GpuInfo& g) {
  if (g.vulkan && (g.vulkan->type == "integrated" || g.vulkan->type == "discrete")) {
    g.integrated = g.vulkan->type == "integrated";
    g.integrated_basis = "vulkan";
  } else if (!known_apu_name(g.vendor, g.device).empty()) {
    g.integrated = true;
    g.integrated_basis = "known APU";
  } else if (g.vendor == kVendorIntel) {
    // Intel's discrete GPUs are the Arc ones (Alchemist 0x56xx, Battlemage 0xe2xx); the rest share RAM.
    g.integrated = !((g.device >= 0x5690 && g.device < 0x56c2) || (g.device >= 0xe200 && g.device < 0xe300));
    g.integrated_basis = "guessed from the PCI id";
  } else if (g.vram_total) {
    g.integrated = *g.vram_total < 4 * kGiB;
    g.integrated_basis = "guessed from VRAM size";
  }
}

}  // namespace

std::string vendor_name(uint32_t vendor) {
  switch (vendor) {
    case kVendorAmd: return "AMD";
    case kVendorIntel: return "Intel";
    case kVendorNvidia: return "NVIDIA";
    default: return "vendor " + hex_id(vendor);
  }
}

std::string known_apu_name(uint32_t vendor, uint32_t device) {
  if (vendor != kVendorAmd) return "";
  for (const KnownApu& a : kAmdApus)
    if (a.device == device) return a.name;
  return "";
}

std::vector<GpuInfo> combine_gpus(const std::vector<DrmGpu>& sysfs, const VulkanProbe& vulkan) {
  std::vector<bool> used(vulkan.devices.size(), false);
  std::vector<GpuInfo> gpus;
  for (const DrmGpu& d : sysfs) {
    GpuInfo g;
    g.vendor = d.vendor, g.device = d.device;
    g.card = d.card, g.pci_slot = d.pci_slot, g.driver = d.driver;
    g.vram_total = d.vram_total, g.vram_used = d.vram_used, g.gtt_total = d.gtt_total, g.gtt_used = d.gtt_used;
    for (size_t i = 0; i < vulkan.devices.size(); ++i) {
      if (used[i] || vulkan.devices[i].vendor_id != d.vendor || vulkan.devices[i].device_id != d.device) continue;
      used[i] = true;
      g.vulkan = vulkan.devices[i];
      break;
    }
    g.name = g.vulkan                         ? g.vulkan->name
             : !d.product_name.empty()        ? d.product_name
             : !known_apu_name(d.vendor, d.device).empty() ? known_apu_name(d.vendor, d.device)
                                              : vendor_name(d.vendor) + " GPU " + hex_id(d.device);
    decide_integrated(g);
    fill_usable(g);
    gpus.push_back(std::move(g));
  }
  for (size_t i = 0; i < vulkan.devices.size(); ++i) {
    if (used[i]) continue;
    GpuInfo g;
    g.vulkan = vulkan.devices[i];
    g.name = g.vulkan->name;
    g.vendor = g.vulkan->vendor_id, g.device = g.vulkan->device_id;
    decide_integrated(g);
    fill_usable(g);
    gpus.push_back(std::move(g));
  }
  return gpus;
}

std::optional<GttAdvice> gtt_advice(const GpuInfo& gpu, const MemoryInfo& ram, double share) {
  if (!gpu.integrated || !gpu.gtt_total || !ram.known || share <= 0 || share > 1) return std::nullopt;
  GttAdvice a;
  a.share = share;
  a.pages = static_cast<uint64_t>(std::floor(static_cast<double>(ram.total) * share / static_cast<double>(kPage)));
  a.gtt_bytes = a.pages * kPage;
  if (static_cast<double>(*gpu.gtt_total) >= 0.95 * static_cast<double>(a.gtt_bytes)) return std::nullopt;
  a.usable_bytes = gpu.vram_total.value_or(0) + a.gtt_bytes;
  a.conf_lines = "options ttm pages_limit=" + std::to_string(a.pages) + " page_pool_size=" + std::to_string(a.pages) + "\n";
  return a;
}

}  // namespace hearth::hw
