// The measured-rates cache: entries kept per key, atomic rewrites, damaged
// files ignored rather than fatal.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "hw/rates_cache.h"

namespace hearth::hw {
namespace {

struct TempDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("hearth-hw-cache-" + std::to_string(::getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  TempDir() { std::filesystem::remove_all(path); }
  ~TempDir() { std::filesystem::remove_all(path); }
};

MeasuredRates sample_rates(double scale) {
  MeasuredRates r;
  r.threads = 4;
  r.read_gbps = 50 * scale;
  for (tensor::DType t : measured_types())
    r.kernels.push_back({t, {{1024, 1024, 100 * scale}, {4096, 8192, 150 * scale}}, 20 * scale, 12 * scale, 0.6});
  r.attention = {0.8, 0.03, 30 * scale};
  r.op_latency_us = 2;
  r.elementwise = {1, 0.5, 0.3, 1.2, 5, 1};
  r.seconds = 2.5;
  return r;
}

RatesKey key(const char* cpu, const char* version = "0.1.0") { return {cpu, 8, "avx512vnni+amx", 8, version}; }

TEST(RatesCache, RoundTripsAnEntry) {
  TempDir dir;
  const auto file = dir.path / "hearth/hw.json";  // directories are made
  EXPECT_FALSE(load_rates(file, key("cpu A")));
  save_rates(file, key("cpu A"), {sample_rates(1), "2025-01-01T00:00:00Z", true});
  const auto back = load_rates(file, key("cpu A"));
  ASSERT_TRUE(back);
  EXPECT_FALSE(back->fresh);
  EXPECT_EQ(back->measured_at, "2025-01-01T00:00:00Z");
  EXPECT_EQ(back->rates.read_gbps, 50);
  ASSERT_EQ(back->rates.kernels.size(), measured_types().size());
  EXPECT_EQ(back->rates.kernel(tensor::DType::Q4_K).prompt_gflops(1024, 1024), 100);
  EXPECT_EQ(back->rates.kernel(tensor::DType::Q4_K).prompt_gflops(4096, 8192), 150);
  EXPECT_EQ(back->rates.kernel(tensor::DType::Q4_K).small_decode_gbps, 12);
  EXPECT_EQ(back->rates.kernel(tensor::DType::Q4_K).few_tokens_ratio, 0.6);
  EXPECT_EQ(back->rates.attention.dimension_ns, 0.03);
  EXPECT_EQ(back->rates.elementwise.rope_angle_ns, 5);
}

TEST(RatesCache, KeepsOneEntryPerKey) {
  TempDir dir;
  const auto file = dir.path / "hw.json";
  save_rates(file, key("cpu A"), {sample_rates(1), "t1", true});
  save_rates(file, key("cpu B"), {sample_rates(2), "t2", true});
  save_rates(file, key("cpu A"), {sample_rates(3), "t3", true});  // replaces A's
  EXPECT_EQ(load_rates(file, key("cpu A"))->rates.read_gbps, 150);
  EXPECT_EQ(load_rates(file, key("cpu B"))->rates.read_gbps, 100);
  EXPECT_FALSE(load_rates(file, key("cpu A", "0.2.0")));  // another hearth version measures again
  std::ifstream in(file);
  EXPECT_EQ(nlohmann::json::parse(in)["entries"].size(), 2u);
}

TEST(RatesCache, ADamagedFileIsIgnoredAndReplaced) {
  TempDir dir;
  const auto file = dir.path / "hw.json";
  std::filesystem::create_directories(dir.path);
  std::ofstream(file) << "{ not json";
  EXPECT_FALSE(load_rates(file, key("cpu A")));
  save_rates(file, key("cpu A"), {sample_rates(1), "t", true});
  EXPECT_TRUE(load_rates(file, key("cpu A")));
}

TEST(RatesCache, AnEntryMissingAFieldIsMeasuredAgain) {
  TempDir dir;
  const auto file = dir.path / "hw.json";
  save_rates(file, key("cpu A"), {sample_rates(1), "t", true});
  nlohmann::json j;
  std::ifstream(file) >> j;
  j["entries"][0]["rates"]["matmul"]["q4_K"].erase("small_decode_gbps");  // as an older hearth wrote it
  std::ofstream(file) << j.dump();
  EXPECT_FALSE(load_rates(file, key("cpu A")));
}

TEST(RatesCache, UnmeasuredTypesBorrowAKindredKernelsRate) {
  const MeasuredRates r = sample_rates(1);
  EXPECT_EQ(r.kernel(tensor::DType::Q5_0).type, tensor::DType::Q4_0);
  EXPECT_EQ(r.kernel(tensor::DType::BF16).type, tensor::DType::F16);
  EXPECT_EQ(r.kernel(tensor::DType::Q3_K).type, tensor::DType::Q4_K);
}

}  // namespace
}  // namespace hearth::hw
