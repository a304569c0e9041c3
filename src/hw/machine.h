#pragma once
// This machine as `hearth hw` reports it: CPU, RAM and GPUs. Probing never
// fails for want of a device: a missing GPU, Vulkan loader or sysfs is noted
// and the rest carries on.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hw/cpu_probe.h"
#include "hw/drm_sysfs.h"
#include "hw/gpus.h"
#include "hw/memory_probe.h"
#include "hw/vulkan_probe.h"

namespace hearth::hw {

struct Machine {
  CpuInfo cpu;
  MemoryInfo ram;
  bool drm_listed = false;  // <sysfs>/class/drm exists
  TtmLimits ttm;
  VulkanProbe vulkan;
  std::vector<GpuInfo> gpus;

  // The GPU a GPU backend would use: the one with the most usable memory.
  const GpuInfo* best_gpu() const;
};

// From sysfs_root(), procfs_root() and the Vulkan loader.
Machine probe_machine();

// GPUs, RAM and the GTT advice for integrated GPUs at `gpu_share` of RAM.
nlohmann::json to_json(const Machine& m, double gpu_share);

}  // namespace hearth::hw
