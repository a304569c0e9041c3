#include "hw/drm_sysfs.h"

#include <algorithm>
#include <system_error>

#include "hw/system_paths.h"

namespace hearth::hw {

namespace {

// "card<digits>" only: connectors ("card0-DP-1") and render nodes are not devices.
std::optional<int> card_number(const std::string& name) {
  if (name.size() <= 4 || name.rfind("card", 0) != 0) return std::nullopt;
  if (!std::all_of(name.begin() + 4, name.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  return std::stoi(name.substr(4));
}

std::string uevent_value(const std::string& uevent, const std::string& key) {
  size_t at = 0;
  while ((at = uevent.find(key + "=", at)) != std::string::npos) {
    if (at == 0 || uevent[at - 1] == '\n') {
      const size_t b = at + key.size() + 1;
      return uevent.substr(b, uevent.find('\n', b) - b);
    }
    at += key.size();
  }
  return "";
}

}  // namespace

std::vector<DrmGpu> read_drm_gpus(const std::filesystem::path& sysfs) {
  std::vector<std::pair<int, DrmGpu>> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(sysfs / "class/drm", ec)) {
    const std::string name = entry.path().filename().string();
    const auto number = card_number(name);
    if (!number) continue;
    const std::filesystem::path dev = entry.path() / "device";
    const auto vendor = read_number_file(dev / "vendor");
    if (!vendor) continue;
    DrmGpu gpu;
    gpu.card = name;
    gpu.vendor = static_cast<uint32_t>(*vendor);
    gpu.device = static_cast<uint32_t>(read_number_file(dev / "device").value_or(0));
    const std::string uevent = read_text_file(dev / "uevent").value_or("");
    gpu.pci_slot = uevent_value(uevent, "PCI_SLOT_NAME");
    gpu.driver = uevent_value(uevent, "DRIVER");
    gpu.product_name = read_text_file(dev / "product_name").value_or("");
    gpu.vram_total = read_number_file(dev / "mem_info_vram_total");
    gpu.vram_used = read_number_file(dev / "mem_info_vram_used");
    gpu.gtt_total = read_number_file(dev / "mem_info_gtt_total");
    gpu.gtt_used = read_number_file(dev / "mem_info_gtt_used");
    found.emplace_back(*number, std::move(gpu));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<DrmGpu> gpus;
  for (auto& [n, gpu] : found) gpus.push_back(std::move(gpu));
  return gpus;
}

TtmLimits read_ttm_limits(const std::filesystem::path& sysfs) {
  const std::filesystem::path params = sysfs / "module/ttm/parameters";
  return {read_number_file(params / "pages_limit"), read_number_file(params / "page_pool_size")};
}

}  // namespace hearth::hw
