// Memory and speed predictions against hand-computed figures: KV cache bytes
// as kv_cache.cpp allocates them, panel sizes from quant_panel.h's layout,
// the speed formulas on a one-layer shape with made-up rates, and parameter
// counts against the model makers' published ones.
#include <gtest/gtest.h>

#include <cmath>

#include "backend/cpu/cpu_features.h"
#include "convert/synth.h"
#include "core/error.h"
#include "hw/cpu_packing.h"
#include "hw/memory_estimate.h"
#include "hw/model_shape.h"
#include "hw/speed_estimate.h"

namespace hearth::hw {
namespace {

using tensor::DType;

ModelShape known(const char* name, const char* mix) {
  return shape_of_known(convert::find_known_model(name), convert::parse_mix(mix));
}

bool vnni_panels() {
  return backend::cpu::chosen_level() == backend::cpu::Level::Avx512Vnni && !std::getenv("HEARTH_PANELS");
}

TEST(MemoryEstimate, KvCacheHoldsEveryLayerForEveryCell) {
  const ModelShape s = known("qwen2.5-0.5b", "Q4_0");  // 24 layers, 2 KV heads of 64
  MemoryPlan p;
  p.n_ctx = 640;
  EXPECT_EQ(kv_cache_bytes(s, p), 24u * 2 * 640 * 128 * 2);
  p.n_ctx = 4096, p.n_parallel = 2, p.kv_type = DType::Q8_0;  // 128 values: 4 blocks of 34 bytes
  EXPECT_EQ(kv_cache_bytes(s, p), 24u * 2 * 8192 * 136);
}

TEST(MemoryEstimate, SlidingWindowLayersStillHoldTheWholeContext) {
  const ModelShape s = known("gemma2-2b", "Q8_0");  // 26 layers, 4 KV heads of 256, window 4096
  ASSERT_EQ(s.n_swa_layers, 13);
  MemoryPlan p;
  p.n_ctx = 8192;
  EXPECT_EQ(kv_cache_bytes(s, p), 26u * 2 * 8192 * 1024 * 2);
}

TEST(CpuPacking, PanelSizesFollowTheLayout) {
  if (!vnni_panels()) {
    EXPECT_EQ(cpu_packed_bytes(DType::Q4_0, 896, 4864), 0u);
    return;
  }
  // q4_0: per panel of 16 rows, 16 f16 scales per pair of blocks (64 bytes)
  // and 16 x 16 level bytes per block: 14 * 64 + 28 * 256 = 8064.
  EXPECT_EQ(cpu_packed_bytes(DType::Q4_0, 896, 4864), 304u * 8064);
  // q4_K: 2368 bytes per super-block and panel; 6 super-blocks, 560 panels.
  EXPECT_EQ(cpu_packed_bytes(DType::Q4_K, 1536, 8960), 560u * 6 * 2368);
  // q6_K: 3392; rows that do not fill the last panel still take a whole one.
  EXPECT_EQ(cpu_packed_bytes(DType::Q6_K, 256, 17), 2u * 3392);
  // No panel layout: read as stored.
  EXPECT_EQ(cpu_packed_bytes(DType::Q3_K, 256, 16), 0u);
}

TEST(MemoryEstimate, PackedWeightsAreCountedOnceInRamAndOnceAsReclaimableFilePages) {
  const ModelShape s = known("qwen2.5-0.5b", "Q4_0");  // tied token table (q8_0)
  const MemoryEstimate m = estimate_memory(s, MemoryPlan{});
  EXPECT_EQ(m.weights, s.weight_bytes());
  EXPECT_EQ(m.resident(), m.weights + m.metadata + m.packed + m.kv_cache + m.compute + m.runtime);
  if (!vnni_panels()) return;
  uint64_t table = 0;
  for (const WeightTensor& w : s.weights)
    if (w.name == "token_embd.weight") table = w.bytes;
  ASSERT_GT(table, 0u);
  // Every matrix is packed; the tied table is looked up in the file as well,
  // so only the others' file pages may be dropped.
  EXPECT_NEAR(static_cast<double>(m.packed), static_cast<double>(m.weights), 0.01 * m.weights);
  EXPECT_GT(m.packed_source, m.weights - table - m.weights / 50);
  EXPECT_LT(m.packed_source, m.weights - table);
  EXPECT_EQ(m.required(), m.resident() - m.packed_source - m.metadata);
}

TEST(ModelShape, ParameterCountsMatchThePublishedOnes) {
  // Llama 3.1 8B: 8.03 B; Qwen3 30B-A3B: 30.5 B, 3.3 B activated (embeddings included).
  EXPECT_NEAR(known("llama3.1-8b", "F16").parameter_count() / 1e9, 8.03, 0.02);
  const ModelShape moe = known("qwen3-30b-a3b", "Q4_K_M");
  EXPECT_NEAR(moe.parameter_count() / 1e9, 30.5, 0.2);
  const double embeddings = static_cast<double>(moe.n_vocab * moe.n_embd);
  EXPECT_NEAR((static_cast<double>(moe.active_parameter_count()) + embeddings) / 1e9, 3.3, 0.15);
}

TEST(ModelShape, GenericDenseShapesHaveTheAskedSize) {
  for (double b : {1.0, 3.0, 7.0, 14.0, 32.0, 70.0}) {
    const ModelShape s = shape_of_known(generic_dense_model(b), convert::parse_mix("Q4_K_M"));
    EXPECT_NEAR(static_cast<double>(s.parameter_count()) / 1e9, b, 0.06 * b) << b;
  }
  EXPECT_EQ(parse_parameter_count("14b"), 14.0);
  EXPECT_EQ(parse_parameter_count("0.5B"), 0.5);
  EXPECT_EQ(parse_parameter_count("500m"), 0.5);
  EXPECT_THROW(parse_parameter_count("big"), Error);
  EXPECT_THROW(parse_parameter_count("14"), Error);
}

// One layer of one Q4_0 matrix [1024 x 1024], an output matrix Q8_0 [1024 x
// 1000], 8 heads of 128, with round-number rates; no element-wise cost.
ModelShape one_layer() {
  ModelShape s;
  s.arch = "llama";
  s.n_layer = 1, s.n_embd = 1024, s.n_head = 8, s.n_head_kv = 8, s.head_dim = 128, s.n_rot = 128, s.n_vocab = 1000;
  s.weights.push_back({"blk.0.attn_q.weight", DType::Q4_0, {1024, 1024}, 1024 * 32 * 18, WeightUse::Matrix, false});
  s.weights.push_back({"output.weight", DType::Q8_0, {1024, 1000}, 1000 * 32 * 34, WeightUse::Matrix, true});
  return s;
}

MeasuredRates round_rates() {
  MeasuredRates r;
  r.threads = 1;
  r.kernels = {{DType::Q4_0, {{1024, 1024, 1000}}, 10}, {DType::Q8_0, {{1024, 1024, 500}}, 20}};
  r.attention = {0, 0.04, 5};  // 4 FLOPs per position and dimension in 0.04 ns: 100 GFLOP/s
  return r;
}

TEST(SpeedEstimate, PromptIsComputeOfMatricesAndAttentionPlusTheOutputRead) {
  const SpeedEstimate e = estimate_speed(one_layer(), round_rates(), SpeedPlan{});
  const double matrix = 2.0 * 1024 * 1024 * 512 / 1e12;         // compute-bound
  const double output = 1000.0 * 32 * 34 / 20e9;               // one token: reading-bound
  const double attention = 4.0 * 8 * 128 * (512.0 * 513 / 2) / 100e9;
  EXPECT_NEAR(e.pp.compute_s, matrix, 1e-12);
  EXPECT_NEAR(e.pp.bandwidth_s, output, 1e-12);
  EXPECT_NEAR(e.pp.attention_s, attention, 1e-12);
  EXPECT_NEAR(e.pp.tokens_per_s, 512 / (matrix + output + attention), 1e-6);
  EXPECT_EQ(e.pp.bottleneck, "compute");
}

TEST(SpeedEstimate, GenerationReadsEveryWeightAndTheKvCacheOncePerToken) {
  const SpeedEstimate e = estimate_speed(one_layer(), round_rates(), SpeedPlan{});
  const double weights = 1024.0 * 32 * 18 / 10e9 + 1000.0 * 32 * 34 / 20e9;
  const double kv = 2 * 64.5 * 1024 * 2 / 5e9;  // K and V rows of f16 at the mean context of 128 steps
  EXPECT_EQ(e.bytes_per_token, 1024u * 32 * 18 + 1000u * 32 * 34);
  EXPECT_NEAR(e.tg.tokens_per_s, 1 / (weights + kv), 1e-6);
  EXPECT_EQ(e.tg.bottleneck, "memory bandwidth");
}

TEST(SpeedEstimate, ExpertsCountOnlyTheRoutedOnes) {
  MeasuredRates r = round_rates();
  r.kernels.push_back({DType::Q4_K, {{1024, 1024, 800}}, 10});
  r.kernels.push_back({DType::Q6_K, {{1024, 1024, 700}}, 10});
  r.kernels.push_back({DType::F16, {{1024, 1024, 300}}, 10});
  const ModelShape moe = known("qwen3-30b-a3b", "Q4_K_M");
  const SpeedEstimate e = estimate_speed(moe, r, SpeedPlan{});
  // Per token: the 8 routed experts of 128 and the shared parts, not all 30 B.
  EXPECT_LT(e.bytes_per_token, moe.weight_bytes() / 5);
  const double expert_share = 8.0 / 128;
  uint64_t experts = 0, rest = 0;
  for (const WeightTensor& w : moe.weights) {
    if (w.use == WeightUse::Experts) experts += w.bytes;
    else if (w.multiplied()) rest += w.bytes;
  }
  EXPECT_NEAR(static_cast<double>(e.bytes_per_token), experts * expert_share + rest, 1e-3 * e.bytes_per_token);
}

TEST(MeasuredRates, PromptRatesInterpolateBetweenShapesAndClampOutside) {
  const KernelRate k{DType::Q4_0, {{1024, 1024, 100}, {1024, 8192, 200}, {4096, 1024, 300}, {4096, 8192, 400}}, 10};
  EXPECT_DOUBLE_EQ(k.prompt_gflops(1024, 1024), 100);
  EXPECT_DOUBLE_EQ(k.prompt_gflops(4096, 8192), 400);
  EXPECT_DOUBLE_EQ(k.prompt_gflops(2048, 1024), 200);   // halfway in log2 K
  EXPECT_DOUBLE_EQ(k.prompt_gflops(1024, 2048), 100 + 100.0 / 3);  // a third of the way in log2 rows
  EXPECT_DOUBLE_EQ(k.prompt_gflops(2048, 8192), 300);
  EXPECT_DOUBLE_EQ(k.prompt_gflops(256, 128), 100);     // clamped
  EXPECT_DOUBLE_EQ(k.prompt_gflops(16384, 65536), 400);
  const KernelRate one{DType::F16, {{2048, 2048, 250}}, 10};
  EXPECT_DOUBLE_EQ(one.prompt_gflops(896, 4864), 250);
}

TEST(MeasuredRates, FewTokensAndSmallMatricesGetTheirOwnRates) {
  KernelRate k{DType::Q4_K, {{1024, 1024, 400}}, 30, 20, 0.5};
  EXPECT_DOUBLE_EQ(k.prompt_gflops(1024, 1024, kPromptTokens), 400);
  EXPECT_DOUBLE_EQ(k.prompt_gflops(1024, 1024, 4096), 400);
  EXPECT_DOUBLE_EQ(k.prompt_gflops(1024, 1024, kFewTokens), 200);
  EXPECT_DOUBLE_EQ(k.prompt_gflops(1024, 1024, 4), 200);     // clamped
  EXPECT_DOUBLE_EQ(k.prompt_gflops(1024, 1024, 128), 300);   // halfway in log2 of 32 .. 512
  const double small = static_cast<double>(tensor::row_bytes(DType::Q4_K, kSmallDecodeK) * kSmallDecodeRows);
  const double large = static_cast<double>(tensor::row_bytes(DType::Q4_K, kDecodeK) * kDecodeRows);
  EXPECT_DOUBLE_EQ(k.decode_gbps_for(large), 30);
  EXPECT_DOUBLE_EQ(k.decode_gbps_for(large * 100), 30);
  EXPECT_DOUBLE_EQ(k.decode_gbps_for(small), 20);
  EXPECT_DOUBLE_EQ(k.decode_gbps_for(small / 100), 20);
  EXPECT_NEAR(k.decode_gbps_for(std::sqrt(small * large)), 25, 1e-9);
  // Not measured (an older cache or a hand-made table): the large figures.
  const KernelRate old{DType::Q4_K, {{1024, 1024, 400}}, 30};
  EXPECT_DOUBLE_EQ(old.prompt_gflops(1024, 1024, kFewTokens), 400);
  EXPECT_DOUBLE_EQ(old.decode_gbps_for(small), 30);
}

TEST(SpeedEstimate, ExpertsOfAPromptRunAtTheFewTokenRate) {
  MeasuredRates r = round_rates();
  for (DType t : {DType::Q4_K, DType::Q6_K, DType::F16}) r.kernels.push_back({t, {{1024, 1024, 800}}, 10});
  const ModelShape moe = known("qwen3-30b-a3b", "Q4_K_M");
  const SpeedEstimate full = estimate_speed(moe, r, SpeedPlan{});
  for (KernelRate& k : r.kernels) k.few_tokens_ratio = 0.5, k.small_decode_gbps = 5;
  const SpeedEstimate slow = estimate_speed(moe, r, SpeedPlan{});
  // 512 tokens x 8 routed of 128 experts: 32 tokens each, at half the rate.
  EXPECT_GT(slow.pp.compute_s, 1.5 * full.pp.compute_s);
  // An expert's matrix (2048 x 768) is expert-sized: read at the small rate.
  EXPECT_GT(slow.tg.bandwidth_s, 1.5 * full.tg.bandwidth_s);
}

TEST(MeasuredRates, AttentionRateFromItsTwoCosts) {
  const AttentionRates a{1.0, 0.05, 10};  // 1 ns per position and 0.05 ns per dimension
  EXPECT_DOUBLE_EQ(a.prompt_gflops(64), 4.0 * 64 / (1.0 + 0.05 * 64));
  EXPECT_DOUBLE_EQ(a.prompt_gflops(128), 4.0 * 128 / (1.0 + 0.05 * 128));
}

}  // namespace
}  // namespace hearth::hw
