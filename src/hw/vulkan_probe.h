#pragma once
// GPUs as the Vulkan loader reports them, where one is installed: it is
// opened at run time (dlopen), never linked, so hearth runs without it.
#include <cstdint>
#include <string>
#include <vector>

namespace hearth::hw {

struct VulkanHeap {
  uint64_t size = 0;
  bool device_local = false;
};

struct VulkanDevice {
  std::string name;
  uint32_t vendor_id = 0, device_id = 0;
  std::string type;  // "integrated", "discrete", "virtual", "other"
  uint32_t api_version = 0;
  std::vector<VulkanHeap> heaps;
  // A memory type that is both device-local and host-visible over a heap of
  // the device's largest device-local size: CPU and GPU share that memory.
  bool uma = false;
  uint64_t device_local_bytes() const;
  uint64_t heap_bytes() const;
};

struct VulkanProbe {
  bool loader_found = false;
  std::string library;  // what was opened
  std::string problem;  // why there are no devices, when there are none
  std::vector<VulkanDevice> devices;  // software renderers (type CPU) left out
};

// Opens $HEARTH_VULKAN_LIBRARY, else libvulkan.so.1, and lists the physical
// devices. Never throws: what went wrong is in `problem`.
VulkanProbe probe_vulkan();

}  // namespace hearth::hw
