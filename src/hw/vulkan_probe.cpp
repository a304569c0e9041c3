#include "hw/vulkan_probe.h"

#include <dlfcn.h>

#include <cstdlib>
#include <memory>

#include "hw/vulkan_abi.h"

namespace hearth::hw {

namespace {

struct Library {
  void* handle = nullptr;
  ~Library() {
    if (handle) dlclose(handle);
  }
};

const char* type_name(vk::PhysicalDeviceType t) {
  switch (t) {
    case vk::kIntegratedGpu: return "integrated";
    case vk::kDiscreteGpu: return "discrete";
    case vk::kVirtualGpu: return "virtual";
    case vk::kCpu: return "cpu";
    default: return "other";
  }
}

VulkanDevice describe(vk::PhysicalDevice pd, vk::GetPhysicalDevicePropertiesFn get_properties,
                      vk::GetPhysicalDeviceMemoryPropertiesFn get_memory) {
  auto props = std::make_unique<vk::PhysicalDeviceProperties>();
  get_properties(pd, props.get());
  vk::PhysicalDeviceMemoryProperties mem{};
  get_memory(pd, &mem);
  VulkanDevice d;
  props->deviceName[sizeof props->deviceName - 1] = '\0';
  d.name = props->deviceName;
  d.vendor_id = props->vendorID;
  d.device_id = props->deviceID;
  d.type = type_name(props->deviceType);
  d.api_version = props->apiVersion;
  const uint32_t n_heaps = std::min<uint32_t>(mem.memoryHeapCount, 16);
  for (uint32_t h = 0; h < n_heaps; ++h)
    d.heaps.push_back({mem.memoryHeaps[h].size, (mem.memoryHeaps[h].flags & vk::kMemoryHeapDeviceLocal) != 0});
  uint64_t largest_local = 0;
  for (const VulkanHeap& h : d.heaps)
    if (h.device_local) largest_local = std::max(largest_local, h.size);
  constexpr uint32_t shared = vk::kMemoryPropertyDeviceLocal | vk::kMemoryPropertyHostVisible;
  for (uint32_t t = 0; t < std::min<uint32_t>(mem.memoryTypeCount, 32); ++t) {
    const vk::MemoryType& type = mem.memoryTypes[t];
    if ((type.propertyFlags & shared) == shared && type.heapIndex < n_heaps && largest_local > 0 &&
        d.heaps[type.heapIndex].size == largest_local)
      d.uma = true;
  }
  return d;
}

}  // namespace

uint64_t VulkanDevice::device_local_bytes() const {
  uint64_t total = 0;
  for (const VulkanHeap& h : heaps) total += h.device_local ? h.size : 0;
  return total;
}

uint64_t VulkanDevice::heap_bytes() const {
  uint64_t total = 0;
  for (const VulkanHeap& h : heaps) total += h.size;
  return total;
}

VulkanProbe probe_vulkan() {
  VulkanProbe probe;
  const char* env = std::getenv("HEARTH_VULKAN_LIBRARY");
  probe.library = env && *env ? env : "libvulkan.so.1";
  Library lib;
  lib.handle = dlopen(probe.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib.handle) {
    probe.problem = "no Vulkan loader (" + probe.library + " not found)";
    return probe;
  }
  probe.loader_found = true;
  const auto gipa = reinterpret_cast<vk::GetInstanceProcAddrFn>(dlsym(lib.handle, "vkGetInstanceProcAddr"));
  if (!gipa) {
    probe.problem = probe.library + " has no vkGetInstanceProcAddr";
    return probe;
  }
  const auto create = reinterpret_cast<vk::CreateInstanceFn>(gipa(nullptr, "vkCreateInstance"));
  if (!create) {
    probe.problem = "the Vulkan loader has no vkCreateInstance";
    return probe;
  }
  const vk::ApplicationInfo app{vk::kStructureTypeApplicationInfo, nullptr, "hearth hw", 1, "hearth", 1,
                                vk::kApiVersion1_0};
  const vk::InstanceCreateInfo info{vk::kStructureTypeInstanceCreateInfo, nullptr, 0, &app, 0, nullptr, 0, nullptr};
  vk::Instance instance = nullptr;
  if (const vk::Result r = create(&info, nullptr, &instance); r != vk::kSuccess || !instance) {
    probe.problem = "vkCreateInstance failed (VkResult " + std::to_string(r) + "): no Vulkan driver";
    return probe;
  }
  auto proc = [&](const char* name) { return gipa(instance, name); };
  const auto destroy = reinterpret_cast<vk::DestroyInstanceFn>(proc("vkDestroyInstance"));
  const auto enumerate = reinterpret_cast<vk::EnumeratePhysicalDevicesFn>(proc("vkEnumeratePhysicalDevices"));
  const auto get_properties = reinterpret_cast<vk::GetPhysicalDevicePropertiesFn>(proc("vkGetPhysicalDeviceProperties"));
  const auto get_memory =
      reinterpret_cast<vk::GetPhysicalDeviceMemoryPropertiesFn>(proc("vkGetPhysicalDeviceMemoryProperties"));
  if (enumerate && get_properties && get_memory) {
    uint32_t count = 0;
    if (enumerate(instance, &count, nullptr) == vk::kSuccess && count > 0) {
      std::vector<vk::PhysicalDevice> handles(count);
      const vk::Result r = enumerate(instance, &count, handles.data());
      if (r == vk::kSuccess || r == vk::kIncomplete) {
        handles.resize(count);
        for (vk::PhysicalDevice pd : handles) {
          VulkanDevice d = describe(pd, get_properties, get_memory);
          if (d.type == "cpu") continue;  // a software renderer (llvmpipe): no GPU memory to use
          probe.devices.push_back(std::move(d));
        }
      }
    }
  } else {
    probe.problem = "the Vulkan loader lacks the device queries";
  }
  if (destroy) destroy(instance, nullptr);
  if (probe.devices.empty() && probe.problem.empty()) probe.problem = "Vulkan lists no GPU";
  return probe;
}

}  // namespace hearth::hw
