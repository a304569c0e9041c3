// The per-tensor type plan of each mix, checked against expectations written
// by hand from llama.cpp's documented rules (src/llama-quant.cpp, no
// importance matrix). Each expectation says which rule it comes from.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "convert/mix.h"
#include "convert/plan.h"
#include "core/error.h"

namespace hearth::convert {
namespace {

using tensor::DType;

struct Shape {
  int64_t n_layer, n_embd, n_ff, n_head, n_head_kv, n_vocab;
  bool tied;
};

// The tensors of a llama model, in the order llama.cpp's converter lists them.
std::vector<PlanTensor> llama_tensors(const Shape& s) {
  const int64_t head = s.n_embd / s.n_head, kv = head * s.n_head_kv;
  std::vector<PlanTensor> t;
  t.push_back({"token_embd.weight", DType::F32, {s.n_embd, s.n_vocab}});
  t.push_back({"output_norm.weight", DType::F32, {s.n_embd}});
  if (!s.tied) t.push_back({"output.weight", DType::F32, {s.n_embd, s.n_vocab}});
  for (int64_t i = 0; i < s.n_layer; ++i) {
    const std::string b = "blk." + std::to_string(i) + ".";
    t.push_back({b + "attn_norm.weight", DType::F32, {s.n_embd}});
    t.push_back({b + "attn_q.weight", DType::F32, {s.n_embd, s.n_embd}});
    t.push_back({b + "attn_k.weight", DType::F32, {s.n_embd, kv}});
    t.push_back({b + "attn_v.weight", DType::F32, {s.n_embd, kv}});
    t.push_back({b + "attn_output.weight", DType::F32, {s.n_embd, s.n_embd}});
    t.push_back({b + "ffn_norm.weight", DType::F32, {s.n_embd}});
    t.push_back({b + "ffn_gate.weight", DType::F32, {s.n_embd, s.n_ff}});
    t.push_back({b + "ffn_down.weight", DType::F32, {s.n_ff, s.n_embd}});
    t.push_back({b + "ffn_up.weight", DType::F32, {s.n_embd, s.n_ff}});
  }
  return t;
}

ModelInfo llama_info(const Shape& s) {
  ModelInfo m;
  m.arch = "llama";
  m.n_layer = s.n_layer;
  m.n_head = s.n_head;
  m.n_head_kv = s.n_head_kv;
  return m;
}

std::map<std::string, DType> plan_of(const char* mix, const Shape& s) {
  const auto tensors = llama_tensors(s);
  const auto choices = plan_types(parse_mix(mix), llama_info(s), tensors);
  std::map<std::string, DType> out;
  for (size_t i = 0; i < tensors.size(); ++i) out[tensors[i].name] = choices[i].type;
  return out;
}

std::string layer(int64_t i, const char* role) { return "blk." + std::to_string(i) + "." + role + ".weight"; }

// Llama 2 7B: 32 layers, no grouped KV heads, separate output matrix.
const Shape kLlama7B{32, 4096, 11008, 32, 32, 32000, false};
// Llama 3.2 1B: 16 layers, 4 query heads per KV head, tied embeddings.
const Shape kLlama1B{16, 2048, 8192, 32, 8, 128256, true};
// stories260K: rows of 64 and 172, which no 256-block type fits.
const Shape kStories{5, 64, 172, 8, 4, 512, false};

// llama.cpp's "use more bits" layers: the first and last eighth, and every
// third layer from n/8 + 2 on. For 32 layers: 0-3, 6, 9, ..., 27, 28-31.
const std::set<int64_t> kMoreBits32{0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31};
// For 16 layers: 0-1, 4, 7, 10, 13, 14-15.
const std::set<int64_t> kMoreBits16{0, 1, 4, 7, 10, 13, 14, 15};

// Every layer tensor of `role` has type `want(i)`.
template <typename F>
void expect_layers(const std::map<std::string, DType>& plan, const Shape& s, const char* role, F want) {
  for (int64_t i = 0; i < s.n_layer; ++i)
    EXPECT_EQ(plan.at(layer(i, role)), want(i)) << layer(i, role);
}

void expect_norms_f32(const std::map<std::string, DType>& plan, const Shape& s) {
  // Norms are 1-D (and named *_norm.weight): never converted.
  EXPECT_EQ(plan.at("output_norm.weight"), DType::F32);
  expect_layers(plan, s, "attn_norm", [](int64_t) { return DType::F32; });
  expect_layers(plan, s, "ffn_norm", [](int64_t) { return DType::F32; });
}

TEST(Plan, FloatMixesConvertEveryMatrixAndKeepNorms) {
  for (auto [mix, type] : {std::pair{"F16", DType::F16}, std::pair{"BF16", DType::BF16}}) {
    const auto plan = plan_of(mix, kLlama7B);
    expect_norms_f32(plan, kLlama7B);
    // No per-tensor rules for float mixes: embeddings and output included.
    EXPECT_EQ(plan.at("token_embd.weight"), type);
    EXPECT_EQ(plan.at("output.weight"), type);
    for (const char* role : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up"})
      expect_layers(plan, kLlama7B, role, [type](int64_t) { return type; });
  }
}

TEST(Plan, LegacyMixesGiveTheOutputQ6K) {
  for (auto [mix, type] : {std::pair{"Q4_0", DType::Q4_0}, std::pair{"Q4_1", DType::Q4_1},
                           std::pair{"Q5_0", DType::Q5_0}, std::pair{"Q5_1", DType::Q5_1}}) {
    const auto plan = plan_of(mix, kLlama7B);
    expect_norms_f32(plan, kLlama7B);
    // The output matrix gets Q6_K in every quantized mix but Q8_0.
    EXPECT_EQ(plan.at("output.weight"), DType::Q6_K) << mix;
    // Untied embeddings keep the default type.
    EXPECT_EQ(plan.at("token_embd.weight"), type) << mix;
    // No layer rules for the legacy mixes.
    for (const char* role : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up"})
      expect_layers(plan, kLlama7B, role, [type](int64_t) { return type; });
  }
}

TEST(Plan, Q8_0KeepsTheOutputQ8_0) {
  const auto plan = plan_of("Q8_0", kLlama7B);
  expect_norms_f32(plan, kLlama7B);
  // The output rule only raises types below Q8_0.
  EXPECT_EQ(plan.at("output.weight"), DType::Q8_0);
  EXPECT_EQ(plan.at("token_embd.weight"), DType::Q8_0);
  for (const char* role : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up"})
    expect_layers(plan, kLlama7B, role, [](int64_t) { return DType::Q8_0; });
}

TEST(Plan, Q2_K) {
  const auto plan = plan_of("Q2_K", kLlama7B);
  expect_norms_f32(plan, kLlama7B);
  EXPECT_EQ(plan.at("output.weight"), DType::Q6_K);
  EXPECT_EQ(plan.at("token_embd.weight"), DType::Q2_K);
  // attn_v: Q3_K without grouped KV heads (Q4_K with 4 or more per group).
  expect_layers(plan, kLlama7B, "attn_v", [](int64_t) { return DType::Q3_K; });
  // ffn_down and attn_output: Q3_K in Q2_K mixes.
  expect_layers(plan, kLlama7B, "ffn_down", [](int64_t) { return DType::Q3_K; });
  expect_layers(plan, kLlama7B, "attn_output", [](int64_t) { return DType::Q3_K; });
  for (const char* role : {"attn_q", "attn_k", "ffn_gate", "ffn_up"})
    expect_layers(plan, kLlama7B, role, [](int64_t) { return DType::Q2_K; });

  const auto gqa = plan_of("Q2_K", kLlama1B);
  expect_layers(gqa, kLlama1B, "attn_v", [](int64_t) { return DType::Q4_K; });
}

TEST(Plan, Q3_K_M) {
  const auto plan = plan_of("Q3_K_M", kLlama7B);
  expect_norms_f32(plan, kLlama7B);
  EXPECT_EQ(plan.at("output.weight"), DType::Q6_K);
  EXPECT_EQ(plan.at("token_embd.weight"), DType::Q3_K);
  // attn_v: Q5_K for the first two, Q4_K after.
  expect_layers(plan, kLlama7B, "attn_v", [](int64_t i) { return i < 2 ? DType::Q5_K : DType::Q4_K; });
  // ffn_down: Q5_K in the first sixteenth of the layers (32/16 = 2), Q4_K after.
  expect_layers(plan, kLlama7B, "ffn_down", [](int64_t i) { return i < 2 ? DType::Q5_K : DType::Q4_K; });
  // attn_output: Q4_K.
  expect_layers(plan, kLlama7B, "attn_output", [](int64_t) { return DType::Q4_K; });
  for (const char* role : {"attn_q", "attn_k", "ffn_gate", "ffn_up"})
    expect_layers(plan, kLlama7B, role, [](int64_t) { return DType::Q3_K; });
}

TEST(Plan, Q4_K_MAndQ5_K_MGiveMoreBitsLayersQ6K) {
  for (auto [mix, type] : {std::pair{"Q4_K_M", DType::Q4_K}, std::pair{"Q5_K_M", DType::Q5_K}}) {
    const auto plan = plan_of(mix, kLlama7B);
    expect_norms_f32(plan, kLlama7B);
    EXPECT_EQ(plan.at("output.weight"), DType::Q6_K);
    EXPECT_EQ(plan.at("token_embd.weight"), type);
    // attn_v and ffn_down: Q6_K in the "use more bits" layers.
    auto more = [type](int64_t i) { return kMoreBits32.count(i) ? DType::Q6_K : type; };
    expect_layers(plan, kLlama7B, "attn_v", more);
    expect_layers(plan, kLlama7B, "ffn_down", more);
    for (const char* role : {"attn_q", "attn_k", "attn_output", "ffn_gate", "ffn_up"})
      expect_layers(plan, kLlama7B, role, [type](int64_t) { return type; });

    // Tied embeddings are quantized as the output is: Q6_K.
    const auto tied = plan_of(mix, kLlama1B);
    EXPECT_EQ(tied.count("output.weight"), 0u);
    EXPECT_EQ(tied.at("token_embd.weight"), DType::Q6_K);
    auto more16 = [type](int64_t i) { return kMoreBits16.count(i) ? DType::Q6_K : type; };
    expect_layers(tied, kLlama1B, "attn_v", more16);
    expect_layers(tied, kLlama1B, "ffn_down", more16);
  }
}

TEST(Plan, Q6_K) {
  const auto plan = plan_of("Q6_K", kLlama7B);
  expect_norms_f32(plan, kLlama7B);
  EXPECT_EQ(plan.at("output.weight"), DType::Q6_K);
  EXPECT_EQ(plan.at("token_embd.weight"), DType::Q6_K);
  for (const char* role : {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up"})
    expect_layers(plan, kLlama7B, role, [](int64_t) { return DType::Q6_K; });
}

TEST(Plan, IQ4Mixes) {
  for (auto [mix, type] : {std::pair{"IQ4_NL", DType::IQ4_NL}, std::pair{"IQ4_XS", DType::IQ4_XS}}) {
    const auto plan = plan_of(mix, kLlama7B);
    expect_norms_f32(plan, kLlama7B);
    EXPECT_EQ(plan.at("output.weight"), DType::Q6_K);
    EXPECT_EQ(plan.at("token_embd.weight"), type);
    // ffn_down: Q5_K in the first eighth of the layers (without an imatrix).
    expect_layers(plan, kLlama7B, "ffn_down", [type](int64_t i) { return i < 4 ? DType::Q5_K : type; });
    // attn_v: unchanged without grouped KV heads...
    expect_layers(plan, kLlama7B, "attn_v", [type](int64_t) { return type; });
    // ...Q5_K with 4 or more query heads per KV head.
    const auto gqa = plan_of(mix, kLlama1B);
    expect_layers(gqa, kLlama1B, "attn_v", [](int64_t) { return DType::Q5_K; });
    expect_layers(gqa, kLlama1B, "ffn_down", [type](int64_t i) { return i < 2 ? DType::Q5_K : type; });
  }
}

TEST(Plan, RowsThatDoNotFitTheBlockFallBack) {
  // stories260K: rows of 64 (attention, gate, up, embeddings) and 172 (ffn_down).
  {
    const auto plan = plan_of("Q4_K_M", kStories);
    // output: its row is not a multiple of Q4_K's 256, so Q8_0 (which fits 64).
    EXPECT_EQ(plan.at("output.weight"), DType::Q8_0);
    // Q4_K falls back to Q5_0.
    EXPECT_EQ(plan.at("token_embd.weight"), DType::Q5_0);
    expect_layers(plan, kStories, "attn_q", [](int64_t) { return DType::Q5_0; });
    // attn_v of a more-bits layer (2 and 4 of 5) is Q6_K, which falls back to Q8_0.
    expect_layers(plan, kStories, "attn_v", [](int64_t i) { return i == 2 || i == 4 ? DType::Q8_0 : DType::Q5_0; });
    // 172 is not a multiple of 32 either: F16.
    expect_layers(plan, kStories, "ffn_down", [](int64_t) { return DType::F16; });
  }
  {
    const auto plan = plan_of("Q4_0", kStories);
    // output: Q6_K by the output rule, then Q8_0 by the fallback.
    EXPECT_EQ(plan.at("output.weight"), DType::Q8_0);
    EXPECT_EQ(plan.at("token_embd.weight"), DType::Q4_0);
    // A 32-block type that does not fit becomes F16.
    expect_layers(plan, kStories, "ffn_down", [](int64_t) { return DType::F16; });
  }
  {
    const auto plan = plan_of("IQ4_XS", kStories);
    // IQ4_XS (256) falls back to IQ4_NL (32).
    expect_layers(plan, kStories, "attn_q", [](int64_t) { return DType::IQ4_NL; });
    // ffn_down of the first eighth (5/8 = 0: none) stays IQ4_XS, then F16.
    expect_layers(plan, kStories, "ffn_down", [](int64_t) { return DType::F16; });
  }
  {
    const auto plan = plan_of("Q2_K", kStories);
    // Q2_K and Q3_K fall back to Q4_0.
    expect_layers(plan, kStories, "attn_q", [](int64_t) { return DType::Q4_0; });
    expect_layers(plan, kStories, "attn_v", [](int64_t) { return DType::Q4_0; });
    expect_layers(plan, kStories, "attn_output", [](int64_t) { return DType::Q4_0; });
  }
  {
    const auto plan = plan_of("Q5_K_M", kStories);
    // Q5_K falls back to Q5_1.
    expect_layers(plan, kStories, "attn_q", [](int64_t) { return DType::Q5_1; });
  }
}

TEST(Plan, LayerCountersFollowLlamaCppOrderNotFileOrder) {
  auto tensors = llama_tensors(kLlama7B);
  const auto want = plan_types(parse_mix("Q4_K_M"), llama_info(kLlama7B), tensors);
  std::map<std::string, DType> by_name;
  for (size_t i = 0; i < tensors.size(); ++i) by_name[tensors[i].name] = want[i].type;
  std::mt19937 rng(7);
  std::shuffle(tensors.begin(), tensors.end(), rng);
  const auto got = plan_types(parse_mix("Q4_K_M"), llama_info(kLlama7B), tensors);
  for (size_t i = 0; i < tensors.size(); ++i) EXPECT_EQ(got[i].type, by_name[tensors[i].name]) << tensors[i].name;
}

TEST(Plan, Llama70BGivesAttnVQ5K) {
  // 80 llama layers with grouped KV heads is llama.cpp's "70B": attn_v's Q4_K becomes Q5_K.
  const Shape s{80, 8192, 28672, 64, 8, 128256, false};
  const auto plan = plan_of("Q4_K_M", s);
  std::set<int64_t> more;
  for (int64_t i = 0; i < 80; ++i)
    if (i < 10 || i >= 70 || (i - 10) % 3 == 2) more.insert(i);
  expect_layers(plan, s, "attn_v", [&](int64_t i) { return more.count(i) ? DType::Q6_K : DType::Q5_K; });
}

TEST(Plan, OnlyMatricesNamedWeightAreConverted) {
  const std::vector<PlanTensor> t = {
      {"rope_freqs.weight", DType::F32, {32}},           // 1-D
      {"blk.0.attn_q.bias", DType::F32, {896}},          // 1-D, not a weight
      {"blk.0.attn_q.weight", DType::F32, {256, 1}},     // trailing 1s do not count: 1-D
      {"blk.0.ffn_gate_inp.weight", DType::F32, {256, 8}},  // expert router
      {"blk.0.attn_k_norm.weight", DType::F32, {256, 4}},   // a norm
      {"blk.0.ffn_up.weight", DType::F16, {256, 256}},
  };
  ModelInfo m;
  m.arch = "llama";
  m.n_layer = 1;
  const auto plan = plan_types(parse_mix("Q8_0"), m, t);
  for (size_t i = 0; i + 1 < t.size(); ++i) EXPECT_EQ(plan[i].type, t[i].type) << t[i].name;
  EXPECT_EQ(plan.back().type, DType::Q8_0);
}

TEST(Mix, NamesAreCaseInsensitiveWithLlamaCppAliases) {
  EXPECT_STREQ(parse_mix("q4_k_m").name, "Q4_K_M");
  EXPECT_STREQ(parse_mix("Q4_K").name, "Q4_K_M");
  EXPECT_STREQ(parse_mix("mostly_q5_k_m").name, "Q5_K_M");
  EXPECT_STREQ(parse_mix("15").name, "Q4_K_M");
  EXPECT_STREQ(parse_mix("iq4_xs").name, "IQ4_XS");
  EXPECT_STREQ(parse_mix("bf16").name, "BF16");
  // llama.cpp's file type ids.
  const std::map<std::string, uint32_t> ids = {
      {"F16", 1},     {"BF16", 32},   {"Q4_0", 2},    {"Q4_1", 3},   {"Q5_0", 8},
      {"Q5_1", 9},    {"Q8_0", 7},    {"Q2_K", 10},   {"Q3_K_M", 12}, {"Q4_K_M", 15},
      {"Q5_K_M", 17}, {"Q6_K", 18},   {"IQ4_NL", 25}, {"IQ4_XS", 30}};
  for (const auto& [name, id] : ids) EXPECT_EQ(parse_mix(name).ftype, id) << name;
}

TEST(Mix, UnknownNameListsTheChoices) {
  try {
    parse_mix("Q7_K");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("unknown quantization type 'Q7_K'"), std::string::npos) << what;
    EXPECT_NE(what.find("Q4_K_M"), std::string::npos) << what;
  }
  EXPECT_THROW(parse_mix(""), Error);
  EXPECT_THROW(parse_mix("99"), Error);
}

}  // namespace
}  // namespace hearth::convert
