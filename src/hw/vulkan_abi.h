#pragma once
// The few pieces of the Vulkan 1.0 C interface the probe calls, declared
// here so that hearth needs neither the Vulkan headers nor the loader at
// build time: the loader is opened at run time where it is installed.
// Layouts follow the Vulkan specification (64-bit ABI).
#include <cstdint>

namespace hearth::hw::vk {

using Result = int32_t;
constexpr Result kSuccess = 0, kIncomplete = 5;

struct InstanceT;
struct PhysicalDeviceT;
using Instance = InstanceT*;
using PhysicalDevice = PhysicalDeviceT*;

constexpr uint32_t kStructureTypeApplicationInfo = 0, kStructureTypeInstanceCreateInfo = 1;
constexpr uint32_t kApiVersion1_0 = 1u << 22;

struct ApplicationInfo {
  uint32_t sType;
  const void* pNext;
  const char* pApplicationName;
  uint32_t applicationVersion;
  const char* pEngineName;
  uint32_t engineVersion;
  uint32_t apiVersion;
};

struct InstanceCreateInfo {
  uint32_t sType;
  const void* pNext;
  uint32_t flags;
  const ApplicationInfo* pApplicationInfo;
  uint32_t enabledLayerCount;
  const char* const* ppEnabledLayerNames;
  uint32_t enabledExtensionCount;
  const char* const* ppEnabledExtensionNames;
};

enum PhysicalDeviceType : int32_t { kOther = 0, kIntegratedGpu = 1, kDiscreteGpu = 2, kVirtualGpu = 3, kCpu = 4 };

// VkPhysicalDeviceProperties: the leading members this probe reads, then room
// for the limits and sparse properties that follow (824 bytes in all).
struct PhysicalDeviceProperties {
  uint32_t apiVersion;
  uint32_t driverVersion;
  uint32_t vendorID;
  uint32_t deviceID;
  PhysicalDeviceType deviceType;
  char deviceName[256];
  uint8_t pipelineCacheUUID[16];
  alignas(8) uint8_t limits_and_sparse[1024];
};

constexpr uint32_t kMemoryHeapDeviceLocal = 0x1;
constexpr uint32_t kMemoryPropertyDeviceLocal = 0x1, kMemoryPropertyHostVisible = 0x2;

struct MemoryType {
  uint32_t propertyFlags;
  uint32_t heapIndex;
};
struct MemoryHeap {
  uint64_t size;
  uint32_t flags;
};
struct PhysicalDeviceMemoryProperties {
  uint32_t memoryTypeCount;
  MemoryType memoryTypes[32];
  uint32_t memoryHeapCount;
  MemoryHeap memoryHeaps[16];
};
static_assert(sizeof(MemoryHeap) == 16 && sizeof(PhysicalDeviceMemoryProperties) == 520);

using VoidFunction = void (*)();
using GetInstanceProcAddrFn = VoidFunction (*)(Instance, const char*);
using CreateInstanceFn = Result (*)(const InstanceCreateInfo*, const void* allocator, Instance*);
using DestroyInstanceFn = void (*)(Instance, const void* allocator);
using EnumeratePhysicalDevicesFn = Result (*)(Instance, uint32_t*, PhysicalDevice*);
using GetPhysicalDevicePropertiesFn = void (*)(PhysicalDevice, PhysicalDeviceProperties*);
using GetPhysicalDeviceMemoryPropertiesFn = void (*)(PhysicalDevice, PhysicalDeviceMemoryProperties*);

}  // namespace hearth::hw::vk
