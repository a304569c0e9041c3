// `hearth hw` and `hearth fit` as a user runs them, on fixture machines: the
// rates are put in the cache first, so nothing is measured here.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/run_hearth.h"
#include "hw/cpu_probe.h"
#include "hw/rates_cache.h"

namespace hearth::testing {
namespace {

const std::filesystem::path kFixtures = HEARTH_FIXTURES;
constexpr uint64_t kMiB = uint64_t{1} << 20, kGiB = uint64_t{1} << 30;

hw::MeasuredRates made_up_rates() {
  hw::MeasuredRates r;
  r.threads = 1;
  r.read_gbps = 60;
  for (tensor::DType t : hw::measured_types()) r.kernels.push_back({t, {{1024, 1024, 400}, {4096, 8192, 500}}, 50});
  r.attention = {0.5, 0.02, 40};
  r.op_latency_us = 2;
  r.elementwise = {0.5, 0.2, 0.2, 0.5, 3, 0.5};
  return r;
}

// A fixture machine with its rates cached for one thread: the environment
// prefix of the commands.
std::string machine(const std::string& name, const std::string& cache_dir) {
  const hw::CpuInfo cpu = hw::probe_cpu(kFixtures / name / "proc");
  hw::save_rates(std::filesystem::path(cache_dir) / "hearth/hw.json", hw::RatesKey::of(cpu, 1, HEARTH_VERSION),
                 {made_up_rates(), "2025-01-01T00:00:00Z", false});
  return "HEARTH_SYSFS_ROOT='" + (kFixtures / name / "sys").string() + "' HEARTH_PROCFS_ROOT='" +
         (kFixtures / name / "proc").string() + "' HEARTH_VULKAN_LIBRARY=/nonexistent XDG_CACHE_HOME='" + cache_dir + "' ";
}

Outcome hearth(const std::string& env, const std::string& args) {
  return run_hearth_raw(env + "'" HEARTH_BINARY "' " + args + " </dev/null");
}

struct Cache {
  std::string dir = temp_path("cache-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  ~Cache() { std::filesystem::remove_all(dir); }
};

TEST(HwCommand, ReportsTheApusTotalsAndTheTtmAdvice) {
  Cache cache;
  const std::string env = machine("apu", cache.dir);
  Outcome o = hearth(env, "hw --json -t 1");
  ASSERT_EQ(o.status, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["cpu"]["model"], "AMD Ryzen 7 8700G w/ Radeon 780M Graphics");
  EXPECT_EQ(j["cpu"]["physical_cores"], 2);
  EXPECT_EQ(j["ram"]["total_bytes"], uint64_t{100139008} * 1024);
  ASSERT_EQ(j["gpus"].size(), 1u);
  const auto& g = j["gpus"][0];
  EXPECT_EQ(g["type"], "integrated");
  EXPECT_EQ(g["vram_total_bytes"], 512 * kMiB);
  EXPECT_EQ(g["gtt_total_bytes"], 48 * kGiB);
  EXPECT_EQ(g["usable_bytes"], 512 * kMiB + 48 * kGiB);
  EXPECT_EQ(g["gtt_advice"]["lines"], "options ttm pages_limit=18776064 page_pool_size=18776064\n");
  EXPECT_EQ(j["measured"]["read_gbps"], 60);  // from the cache, not measured

  o = hearth(env, "hw -t 1 --gpu-share 0.9");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("      options ttm pages_limit=22531276 page_pool_size=22531276\n"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("/etc/modprobe.d/ttm.conf"), std::string::npos);
  EXPECT_NE(o.out.find("update-initramfs"), std::string::npos);
  EXPECT_NE(o.out.find("usable by a GPU backend: 48.5 GiB (VRAM + GTT)"), std::string::npos) << o.out;
}

TEST(HwCommand, ADiscreteCardHasNoTtmAdvice) {
  Cache cache;
  Outcome o = hearth(machine("discrete", cache.dir), "hw --json -t 1");
  ASSERT_EQ(o.status, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  ASSERT_EQ(j["gpus"].size(), 2u);
  EXPECT_EQ(j["gpus"][1]["name"], "AMD Radeon RX 7900 XTX");
  EXPECT_EQ(j["gpus"][1]["usable_bytes"], uint64_t{25753026560});
  EXPECT_FALSE(j["gpus"][1].contains("gtt_advice"));
}

TEST(HwCommand, NoGpuIsSaidAndIsNoError) {
  Cache cache;
  Outcome o = hearth(machine("none", cache.dir), "hw -t 1");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("GPU  none found (no Vulkan loader"), std::string::npos) << o.out;
}

TEST(FitCommand, JsonHasTheAgreedFields) {
  Cache cache;
  Outcome o = hearth(machine("apu", cache.dir), "fit --like qwen2.5-0.5b --type Q4_0 --ctx 640 --json -t 1");
  ASSERT_EQ(o.status, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  for (const char* key : {"memory_bytes", "placement", "pp512_tokens_per_s", "tg128_tokens_per_s", "bottleneck"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_GT(j["memory_bytes"].get<uint64_t>(), j["memory"]["weights"].get<uint64_t>());
  EXPECT_EQ(j["placement"]["runs_on"], "cpu");
  EXPECT_EQ(j["placement"]["gpu_backend"]["kind"], "gpu");  // half a GB fits 48.5 GiB
  EXPECT_EQ(j["bottleneck"]["tg128"], "memory bandwidth");
  EXPECT_GT(j["pp512_tokens_per_s"].get<double>(), j["tg128_tokens_per_s"].get<double>());
}

TEST(FitCommand, TooLargeForTheGpuSplitsByLayers) {
  Cache cache;
  Outcome o = hearth(machine("discrete", cache.dir), "fit --params 70b --type Q4_K_M --json -t 1");
  ASSERT_EQ(o.status, 0) << o.err;
  const auto j = nlohmann::json::parse(o.out);
  const auto& g = j["placement"]["gpu_backend"];
  EXPECT_EQ(g["kind"], "split");
  EXPECT_EQ(g["gpu"], "AMD Radeon RX 7900 XTX");
  EXPECT_GT(g["gpu_layers"].get<int>(), 0);
  EXPECT_LT(g["gpu_layers"].get<int>(), g["n_layer"].get<int>());
  EXPECT_LE(g["gpu_bytes"].get<uint64_t>(), uint64_t{25753026560});
}

TEST(FitCommand, ListCoversEverySizeAndType) {
  Cache cache;
  Outcome o = hearth(machine("apu", cache.dir), "fit --list -t 1");
  ASSERT_EQ(o.status, 0) << o.err;
  int rows = 0;
  std::istringstream in(o.out);
  for (std::string line; std::getline(in, line);) rows += line.rfind("| ", 0) == 0;
  EXPECT_EQ(rows, 1 + 8 * 5) << o.out;  // header + 8 shapes x 5 types
  EXPECT_NE(o.out.find("| 30B-A3B | qwen3-30b-a3b | Q4_K_M |"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("| 70B | dense, "), std::string::npos) << o.out;
}

TEST(FitCommand, BadRequestsGetOneClearError) {
  Cache cache;
  const std::string env = machine("none", cache.dir);
  Outcome o = hearth(env, "fit -t 1");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("fit needs a model"), std::string::npos) << o.err;
  o = hearth(env, "fit --params big -t 1");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("not a parameter count"), std::string::npos) << o.err;
  o = hearth(env, "fit '" HEARTH_SOURCE_DIR "/models/stories260K.gguf' --type Q4_0 -t 1");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("--type applies to --like and --params"), std::string::npos) << o.err;
  o = hearth(env, "fit /nonexistent/model.gguf -t 1");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("cannot open"), std::string::npos) << o.err;
}

}  // namespace
}  // namespace hearth::testing
