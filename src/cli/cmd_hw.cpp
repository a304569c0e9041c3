// `hearth hw [--json] [--refresh] [--gpu-share F] [-t N]`: this machine as
// hearth sees it: CPU (cores, the kernels' instruction set), RAM, GPUs with
// VRAM and GTT (through Vulkan and amdgpu's sysfs), the TTM settings that
// would give an integrated GPU more of RAM, and the measured speed of
// hearth's kernels (cached; --refresh measures again).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/hw_text.h"
#include "core/error.h"
#include "core/thread_pool.h"
#include "hw/machine.h"
#include "hw/rates_cache.h"
#include "hw/system_paths.h"

#ifndef HEARTH_VERSION
#define HEARTH_VERSION "0.0.0"
#endif

namespace hearth::cli {

namespace {

struct HwOptions {
  bool json = false, refresh = false;
  double gpu_share = 0.75;
  int threads = 0;
};

std::string gpu_text(const hw::GpuInfo& g, const hw::Machine& m, double share) {
  std::string s = "  " + g.name + ": " + (g.integrated ? "integrated" : "discrete");
  if (!g.integrated_basis.empty() && g.integrated_basis != "vulkan") s += " (" + g.integrated_basis + ")";
  if (!g.card.empty()) s += ", " + g.card + (g.driver.empty() ? "" : " (" + g.driver + ")");
  s += "\n";
  auto pool = [](const char* name, const std::optional<uint64_t>& total, const std::optional<uint64_t>& used) {
    if (!total) return std::string();
    return std::string(name) + " " + byte_size(*total) + (used ? " (" + byte_size(*used) + " used)" : "");
  };
  const std::string vram = pool("VRAM", g.vram_total, g.vram_used), gtt = pool("GTT", g.gtt_total, g.gtt_used);
  if (!vram.empty() || !gtt.empty()) s += "    " + vram + (vram.empty() || gtt.empty() ? "" : ", ") + gtt + "\n";
  if (g.vulkan) {
    s += "    Vulkan heaps:";
    for (const hw::VulkanHeap& h : g.vulkan->heaps) s += " " + byte_size(h.size) + (h.device_local ? " (device-local)" : "");
    s += g.vulkan->uma ? "; unified memory\n" : "\n";
  }
  if (g.usable_bytes > 0)
    s += "    usable by a GPU backend: " + byte_size(g.usable_bytes) + (g.integrated ? " (VRAM + GTT)\n" : " (VRAM)\n");
  if (g.integrated && m.ttm.pages_limit)
    s += "    ttm pages_limit " + std::to_string(*m.ttm.pages_limit) + " (" + byte_size(*m.ttm.pages_limit * 4096) + ")" +
         (m.ttm.page_pool_size ? ", page_pool_size " + std::to_string(*m.ttm.page_pool_size) : "") + "\n";
  if (const auto advice = hw::gtt_advice(g, m.ram, share)) {
    char pct[64];
    std::snprintf(pct, sizeof pct, "%.0f%% of RAM; to let it map %.0f%% (", 100.0 * static_cast<double>(*g.gtt_total) / static_cast<double>(m.ram.total), 100 * share);
    s += "    GTT is " + std::string(pct) + byte_size(advice->gtt_bytes) + ", usable " + byte_size(advice->usable_bytes) +
         "), put in /etc/modprobe.d/ttm.conf:\n";
    s += "      " + advice->conf_lines;
    s += "    then `sudo update-initramfs -u` and reboot: it takes effect at the next boot (Linux 6.10 and later\n"
         "    size amdgpu's GTT from ttm's pages_limit).\n";
  }
  return s;
}

void run(const HwOptions& o) {
  if (!(o.gpu_share > 0 && o.gpu_share <= 1)) fail("--gpu-share must be in (0, 1], got ", o.gpu_share);
  const hw::Machine m = hw::probe_machine();
  const int threads = o.threads > 0 ? o.threads : ThreadPool::default_threads();
  auto progress = [](const std::string& s) { std::fprintf(stderr, "hearth hw: %s\n", s.c_str()); };
  const hw::CachedRates rates = hw::cached_or_measured_rates(
      hw::hw_cache_path(), hw::RatesKey::of(m.cpu, threads, HEARTH_VERSION), o.refresh, progress);
  if (o.json) {
    nlohmann::json j = to_json(m, o.gpu_share);
    j["measured"] = to_json(rates.rates);
    j["measured"]["measured_at"] = rates.measured_at;
    j["measured"]["cache"] = hw::hw_cache_path().string();
    j["hearth_version"] = HEARTH_VERSION;
    std::cout << j.dump(2) << "\n";
    return;
  }
  std::string out = "CPU  " + m.cpu.model_name + ": " + std::to_string(m.cpu.physical_cores) + " cores, " +
                    std::to_string(m.cpu.threads) + " threads\n";
  out += "  hearth's kernels: " + m.cpu.simd() + " (" + m.cpu.kernel_level + ")\n";
  out += m.ram.known ? "RAM  " + byte_size(m.ram.total) + " total, " + byte_size(m.ram.available) + " available\n"
                     : "RAM  unknown (no /proc/meminfo)\n";
  out += "Measured (" + hw::hw_cache_path().string() + "; --refresh measures again)\n" + rates_text(rates);
  if (m.gpus.empty()) {
    out += "GPU  none found (" + m.vulkan.problem + "; " +
           (m.drm_listed ? "no GPU in sysfs class/drm" : "no sysfs class/drm") + ")\n";
  } else {
    out += m.gpus.size() == 1 ? "GPU\n" : "GPUs\n";
    for (const hw::GpuInfo& g : m.gpus) out += gpu_text(g, m, o.gpu_share);
    if (!m.vulkan.loader_found) out += "  (" + m.vulkan.problem + ")\n";
  }
  out += "hearth computes on the CPU; a GPU backend is yet to come.\n";
  std::cout << out;
}

}  // namespace

void register_hw(CLI::App& app) {
  auto opts = std::make_shared<HwOptions>();
  CLI::App* cmd = app.add_subcommand("hw", "Show this machine's CPU, RAM and GPUs and the measured speed of hearth's kernels");
  cmd->add_flag("--json", opts->json, "Print JSON");
  cmd->add_flag("--refresh", opts->refresh, "Measure again rather than use the cached figures");
  cmd->add_option("--gpu-share", opts->gpu_share,
                  "Share of RAM an integrated GPU should be able to map, for the TTM advice (default 0.75)");
  cmd->add_option("-t,--threads", opts->threads, "Threads to measure with (default: physical cores)");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hearth::cli
