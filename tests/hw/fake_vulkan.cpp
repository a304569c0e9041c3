// A stand-in for libvulkan.so.1 for the probe's tests: one integrated AMD GPU
// (a Radeon 780M as RADV reports it on an APU: a device-local heap of the
// VRAM carve-out, a host heap of GTT, and a device-local host-visible memory
// type). Structures are written at their byte offsets in the Vulkan
// specification's 64-bit layout rather than through hearth's declarations,
// so that the test checks those declarations.
#include <cstdint>
#include <cstring>

namespace {

using Fn = void (*)();
int instance_token, device_token;

void put32(void* base, size_t offset, uint32_t v) { std::memcpy(static_cast<char*>(base) + offset, &v, 4); }
void put64(void* base, size_t offset, uint64_t v) { std::memcpy(static_cast<char*>(base) + offset, &v, 8); }

int32_t create_instance(const void* info, const void*, void** instance) {
  if (!info || static_cast<const uint32_t*>(info)[0] != 1) return -3;  // sType must be INSTANCE_CREATE_INFO
  *instance = &instance_token;
  return 0;
}

void destroy_instance(void*, const void*) {}

int32_t enumerate_devices(void* instance, uint32_t* count, void** devices) {
  if (instance != &instance_token) return -3;
  if (!devices) {
    *count = 1;
    return 0;
  }
  if (*count < 1) return 5;
  devices[0] = &device_token;
  *count = 1;
  return 0;
}

// VkPhysicalDeviceProperties: apiVersion 0, driverVersion 4, vendorID 8,
// deviceID 12, deviceType 16, deviceName[256] 20.
void get_properties(void*, void* props) {
  std::memset(props, 0, 824);
  put32(props, 0, (1u << 22) | (3u << 12));  // 1.3
  put32(props, 8, 0x1002);
  put32(props, 12, 0x15bf);
  put32(props, 16, 1);  // VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU
  std::strcpy(static_cast<char*>(props) + 20, "AMD Radeon 780M (RADV PHOENIX)");
}

// VkPhysicalDeviceMemoryProperties: memoryTypeCount 0, memoryTypes[32] of
// {propertyFlags, heapIndex} from 4, memoryHeapCount 260, memoryHeaps[16]
// of {size u64, flags u32, padding} from 264.
void get_memory(void*, void* mem) {
  std::memset(mem, 0, 520);
  put32(mem, 0, 3);
  put32(mem, 4 + 0 * 8, 0x1), put32(mem, 8 + 0 * 8, 0);      // device-local, heap 0
  put32(mem, 4 + 1 * 8, 0x6), put32(mem, 8 + 1 * 8, 1);      // host-visible | coherent, heap 1
  put32(mem, 4 + 2 * 8, 0x7), put32(mem, 8 + 2 * 8, 0);      // device-local | host-visible | coherent, heap 0
  put32(mem, 260, 2);
  put64(mem, 264, uint64_t{512} << 20), put32(mem, 264 + 8, 0x1);  // VRAM, DEVICE_LOCAL
  put64(mem, 280, uint64_t{48} << 30), put32(mem, 280 + 8, 0x0);   // GTT
}

}  // namespace

extern "C" __attribute__((visibility("default"))) Fn vkGetInstanceProcAddr(void* instance, const char* name) {
  if (!std::strcmp(name, "vkCreateInstance")) return reinterpret_cast<Fn>(create_instance);
  if (!instance) return nullptr;
  if (!std::strcmp(name, "vkDestroyInstance")) return reinterpret_cast<Fn>(destroy_instance);
  if (!std::strcmp(name, "vkEnumeratePhysicalDevices")) return reinterpret_cast<Fn>(enumerate_devices);
  if (!std::strcmp(name, "vkGetPhysicalDeviceProperties")) return reinterpret_cast<Fn>(get_properties);
  if (!std::strcmp(name, "vkGetPhysicalDeviceMemoryProperties")) return reinterpret_cast<Fn>(get_memory);
  return nullptr;
}
