#include "hw/machine.h"

#include <cstdio>
#include <system_error>

#include "hw/system_paths.h"

namespace hearth::hw {

namespace {

nlohmann::json optional_bytes(const std::optional<uint64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

std::string hex_id(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%04x", v);
  return buf;
}

}  // namespace

const GpuInfo* Machine::best_gpu() const {
  const GpuInfo* best = nullptr;
  for (const GpuInfo& g : gpus)
    if (g.usable_bytes > 0 && (!best || g.usable_bytes > best->usable_bytes)) best = &g;
  return best;
}

Machine probe_machine() {
  Machine m;
  const auto sysfs = sysfs_root(), procfs = procfs_root();
  m.cpu = probe_cpu(procfs);
  m.ram = probe_memory(procfs);
  std::error_code ec;
  m.drm_listed = std::filesystem::is_directory(sysfs / "class/drm", ec);
  m.ttm = read_ttm_limits(sysfs);
  m.vulkan = probe_vulkan();
  m.gpus = combine_gpus(read_drm_gpus(sysfs), m.vulkan);
  return m;
}

nlohmann::json to_json(const Machine& m, double gpu_share) {
  nlohmann::json gpus = nlohmann::json::array();
  for (const GpuInfo& g : m.gpus) {
    nlohmann::json j = {{"name", g.name},
                        {"vendor_id", hex_id(g.vendor)},
                        {"device_id", hex_id(g.device)},
                        {"type", g.integrated ? "integrated" : "discrete"},
                        {"type_basis", g.integrated_basis},
                        {"card", g.card},
                        {"pci_slot", g.pci_slot},
                        {"driver", g.driver},
                        {"vram_total_bytes", optional_bytes(g.vram_total)},
                        {"vram_used_bytes", optional_bytes(g.vram_used)},
                        {"gtt_total_bytes", optional_bytes(g.gtt_total)},
                        {"gtt_used_bytes", optional_bytes(g.gtt_used)},
                        {"usable_bytes", g.usable_bytes}};
    if (g.vulkan) {
      nlohmann::json heaps = nlohmann::json::array();
      for (const VulkanHeap& h : g.vulkan->heaps) heaps.push_back({{"size_bytes", h.size}, {"device_local", h.device_local}});
      j["vulkan"] = {{"name", g.vulkan->name}, {"type", g.vulkan->type}, {"uma", g.vulkan->uma}, {"heaps", heaps}};
    }
    if (const auto advice = gtt_advice(g, m.ram, gpu_share))
      j["gtt_advice"] = {{"share", advice->share},
                         {"pages", advice->pages},
                         {"gtt_bytes", advice->gtt_bytes},
                         {"usable_bytes", advice->usable_bytes},
                         {"file", "/etc/modprobe.d/ttm.conf"},
                         {"lines", advice->conf_lines}};
    gpus.push_back(std::move(j));
  }
  return {{"cpu",
           {{"model", m.cpu.model_name},
            {"physical_cores", m.cpu.physical_cores},
            {"threads", m.cpu.threads},
            {"kernel_level", m.cpu.kernel_level},
            {"amx", m.cpu.amx},
            {"simd", m.cpu.simd()}}},
          {"ram", {{"total_bytes", m.ram.known ? nlohmann::json(m.ram.total) : nlohmann::json()},
                   {"available_bytes", m.ram.known ? nlohmann::json(m.ram.available) : nlohmann::json()}}},
          {"gpus", gpus},
          {"vulkan", {{"loader_found", m.vulkan.loader_found}, {"library", m.vulkan.library}, {"problem", m.vulkan.problem}}},
          {"sysfs_drm", m.drm_listed},
          {"ttm", {{"pages_limit", optional_bytes(m.ttm.pages_limit)}, {"page_pool_size", optional_bytes(m.ttm.page_pool_size)}}}};
}

}  // namespace hearth::hw
