// hearth synth: the known models' shapes and metadata (checked against their
// published parameter counts without writing them), and small test shapes
// written, loaded and run.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "backend/backend.h"
#include "cli/run_hearth.h"
#include "convert/quantize.h"
#include "convert/synth.h"
#include "core/error.h"
#include "gguf/file.h"
#include "model/model.h"
#include "runtime/generate.h"
#include "tensor/dequantize.h"

namespace hearth::convert {
namespace {

using tensor::DType;
namespace fs = std::filesystem;

uint64_t params_of(const char* name) {
  uint64_t n = 0;
  for (const auto& t : synth_tensors(find_known_model(name), parse_mix("F16"))) n += t.n_elements();
  return n;
}

const SynthTensor& tensor_named(const std::vector<SynthTensor>& ts, const std::string& name) {
  for (const auto& t : ts)
    if (t.name == name) return t;
  throw Error("no tensor " + name);
}

const gguf::Value* find(const std::vector<gguf::KeyValue>& kv, const std::string& key) {
  for (const auto& e : kv)
    if (e.key == key) return &e.value;
  return nullptr;
}

TEST(SynthShapes, ParameterCountsMatchThePublishedModels) {
  // Published: Qwen2.5-0.5B 0.49B (494,032,768), Qwen2.5-1.5B 1.54B,
  // Llama 3.2 1B 1.24B, Llama 3.1 8B 8.03B; llama's GGUF adds rope_freqs
  // (head_dim / 2 floats).
  EXPECT_EQ(params_of("qwen2.5-0.5b"), 494032768u);
  EXPECT_EQ(params_of("qwen2.5-1.5b"), 1543714304u);
  EXPECT_EQ(params_of("llama3.2-1b"), 1235814400u + 32);
  EXPECT_EQ(params_of("llama3.1-8b"), 8030261248u + 64);
  EXPECT_NEAR(params_of("qwen2.5-3b") / 1e9, 3.09, 0.01);
  EXPECT_NEAR(params_of("qwen2.5-7b") / 1e9, 7.62, 0.01);
  EXPECT_NEAR(params_of("llama3.2-3b") / 1e9, 3.21, 0.01);
}

TEST(SynthShapes, TensorListsAreTheConvertersOnes) {
  // Tensor counts of llama.cpp's GGUF files of these models.
  EXPECT_EQ(synth_tensors(find_known_model("qwen2.5-0.5b"), parse_mix("F16")).size(), 290u);
  EXPECT_EQ(synth_tensors(find_known_model("llama3.2-1b"), parse_mix("F16")).size(), 147u);
  EXPECT_EQ(synth_tensors(find_known_model("llama3.1-8b"), parse_mix("F16")).size(), 292u);

  const auto llama = synth_tensors(find_known_model("llama3.2-1b"), parse_mix("F16"));
  EXPECT_EQ(tensor_named(llama, "token_embd.weight").dims, (std::vector<int64_t>{2048, 128256}));
  EXPECT_EQ(tensor_named(llama, "blk.0.attn_q.weight").dims, (std::vector<int64_t>{2048, 2048}));
  EXPECT_EQ(tensor_named(llama, "blk.0.attn_k.weight").dims, (std::vector<int64_t>{2048, 512}));
  EXPECT_EQ(tensor_named(llama, "blk.15.ffn_down.weight").dims, (std::vector<int64_t>{8192, 2048}));
  EXPECT_EQ(tensor_named(llama, "rope_freqs.weight").dims, (std::vector<int64_t>{32}));
  EXPECT_EQ(tensor_named(llama, "rope_freqs.weight").type, DType::F32);
  EXPECT_EQ(tensor_named(llama, "blk.0.attn_norm.weight").type, DType::F32);
  EXPECT_EQ(tensor_named(llama, "blk.0.attn_q.weight").type, DType::F16);
  for (const auto& t : llama) EXPECT_NE(t.name, "output.weight");  // tied

  const auto qwen = synth_tensors(find_known_model("qwen2.5-0.5b"), parse_mix("F16"));
  EXPECT_EQ(tensor_named(qwen, "blk.0.attn_k.weight").dims, (std::vector<int64_t>{896, 128}));
  EXPECT_EQ(tensor_named(qwen, "blk.0.attn_k.bias").dims, (std::vector<int64_t>{128}));
  EXPECT_EQ(tensor_named(qwen, "blk.23.ffn_up.weight").dims, (std::vector<int64_t>{896, 4864}));
  EXPECT_EQ(tensor_named(qwen, "blk.0.attn_q.bias").type, DType::F32);

  const auto big = synth_tensors(find_known_model("llama3.1-8b"), parse_mix("F16"));
  EXPECT_EQ(tensor_named(big, "output.weight").dims, (std::vector<int64_t>{4096, 128256}));
  EXPECT_EQ(tensor_named(big, "blk.31.ffn_gate.weight").dims, (std::vector<int64_t>{4096, 14336}));
}

TEST(SynthShapes, KMixUsesTheQuantizePlan) {
  // Llama 3.2 1B in Q4_K_M: tied embeddings as the output (Q6_K), attn_v and
  // ffn_down Q6_K in the more-bits layers of 16 (0, 1, 4, 7, 10, 13, 14, 15).
  const auto ts = synth_tensors(find_known_model("llama3.2-1b"), parse_mix("Q4_K_M"));
  EXPECT_EQ(tensor_named(ts, "token_embd.weight").type, DType::Q6_K);
  for (int i = 0; i < 16; ++i) {
    const bool more = i < 2 || i >= 14 || (i - 2) % 3 == 2;
    const std::string b = "blk." + std::to_string(i) + ".";
    EXPECT_EQ(tensor_named(ts, b + "attn_v.weight").type, more ? DType::Q6_K : DType::Q4_K) << i;
    EXPECT_EQ(tensor_named(ts, b + "ffn_down.weight").type, more ? DType::Q6_K : DType::Q4_K) << i;
    EXPECT_EQ(tensor_named(ts, b + "attn_q.weight").type, DType::Q4_K) << i;
  }
  // Qwen2.5 0.5B: rows of 896 are not a multiple of 256: Q4_K -> Q5_0,
  // Q6_K -> Q8_0; ffn_down rows (4864 = 19 * 256) keep the K types.
  const auto q = synth_tensors(find_known_model("qwen2.5-0.5b"), parse_mix("Q4_K_M"));
  EXPECT_EQ(tensor_named(q, "token_embd.weight").type, DType::Q8_0);  // output rule: 896 % 256 != 0
  EXPECT_EQ(tensor_named(q, "blk.0.attn_q.weight").type, DType::Q5_0);
  EXPECT_EQ(tensor_named(q, "blk.0.attn_v.weight").type, DType::Q8_0);  // more-bits layer: Q6_K -> Q8_0
  EXPECT_EQ(tensor_named(q, "blk.0.ffn_down.weight").type, DType::Q6_K);
  EXPECT_EQ(tensor_named(q, "blk.4.ffn_down.weight").type, DType::Q4_K);  // 24 layers: 0-2, 5, 8, ..., 20, 21-23 get more bits
}

TEST(SynthMetadata, KeysOfTheRealModels) {
  const auto kv = synth_metadata(find_known_model("llama3.2-1b"), parse_mix("Q4_K_M"), nullptr);
  EXPECT_EQ(find(kv, "general.architecture")->as_string(""), "llama");
  EXPECT_EQ(find(kv, "general.file_type")->as_uint(""), 15u);
  EXPECT_EQ(find(kv, "general.quantization_version")->as_uint(""), 2u);
  EXPECT_EQ(find(kv, "llama.block_count")->as_uint(""), 16u);
  EXPECT_EQ(find(kv, "llama.context_length")->as_uint(""), 131072u);
  EXPECT_EQ(find(kv, "llama.embedding_length")->as_uint(""), 2048u);
  EXPECT_EQ(find(kv, "llama.feed_forward_length")->as_uint(""), 8192u);
  EXPECT_EQ(find(kv, "llama.attention.head_count")->as_uint(""), 32u);
  EXPECT_EQ(find(kv, "llama.attention.head_count_kv")->as_uint(""), 8u);
  EXPECT_EQ(find(kv, "llama.attention.key_length")->as_uint(""), 64u);
  EXPECT_EQ(find(kv, "llama.rope.dimension_count")->as_uint(""), 64u);
  EXPECT_EQ(find(kv, "llama.vocab_size")->as_uint(""), 128256u);
  EXPECT_EQ(find(kv, "llama.rope.freq_base")->as_double(""), 500000.0);
  EXPECT_FLOAT_EQ(static_cast<float>(find(kv, "llama.attention.layer_norm_rms_epsilon")->as_double("")), 1e-5f);
  EXPECT_EQ(find(kv, "tokenizer.ggml.tokens")->as_array("").items.size(), 128256u);

  const auto q = synth_metadata(find_known_model("qwen2.5-0.5b"), parse_mix("F16"), nullptr);
  EXPECT_EQ(find(q, "general.architecture")->as_string(""), "qwen2");
  EXPECT_EQ(find(q, "qwen2.attention.head_count")->as_uint(""), 14u);
  EXPECT_EQ(find(q, "qwen2.attention.head_count_kv")->as_uint(""), 2u);
  EXPECT_EQ(find(q, "qwen2.rope.freq_base")->as_double(""), 1e6);
  EXPECT_FLOAT_EQ(static_cast<float>(find(q, "qwen2.attention.layer_norm_rms_epsilon")->as_double("")), 1e-6f);
  EXPECT_EQ(find(q, "qwen2.vocab_size"), nullptr);  // the converter writes it for llama only
  EXPECT_EQ(find(q, "general.file_type")->as_uint(""), 1u);
}

TEST(SynthMetadata, Llama3RopeFactors) {
  // head_dim 64, theta 500000, factor 32, low 1, high 4, original context
  // 8192: wavelengths under 8192/4 keep factor 1 (pairs 0-14), over 8192 get
  // 32 (pairs 18-31), the three between are smoothed.
  const auto f = llama3_rope_factors(find_known_model("llama3.2-1b"));
  ASSERT_EQ(f.size(), 32u);
  for (int i = 0; i <= 14; ++i) EXPECT_EQ(f[i], 1.0f) << i;
  for (int i = 18; i < 32; ++i) EXPECT_EQ(f[i], 32.0f) << i;
  for (int i = 15; i <= 17; ++i) {
    EXPECT_GT(f[i], f[i - 1]) << i;
    EXPECT_LT(f[i], 32.0f) << i;
  }
}

TEST(SynthMetadata, VocabularyFromAFileIsCopiedOrPadded) {
  const gguf::File qwen = gguf::File::open(HEARTH_TEST_DATA "/ggml-vocab-qwen2.gguf");
  const auto kv = synth_metadata(find_known_model("qwen2.5-0.5b"), parse_mix("F16"), &qwen);
  for (const auto& e : qwen.metadata()) {
    if (e.key.rfind("tokenizer.", 0) == 0) {
      EXPECT_EQ(*find(kv, e.key), e.value) << e.key;
    }
  }
  EXPECT_EQ(find(kv, "general.architecture")->as_string(""), "qwen2");
  EXPECT_EQ(find(kv, "qwen2.block_count")->as_uint(""), 24u);  // the model's, not the vocabulary file's

  // A shorter vocabulary is padded as llama.cpp's converter pads it.
  const gguf::File spm = gguf::File::open(HEARTH_TEST_DATA "/ggml-vocab-llama-spm.gguf");
  KnownModel m = find_known_model("test-llama");
  m.n_vocab = 32003;
  const auto padded = synth_metadata(m, parse_mix("F16"), &spm);
  const auto& tokens = find(padded, "tokenizer.ggml.tokens")->as_array("").items;
  ASSERT_EQ(tokens.size(), 32003u);
  EXPECT_EQ(tokens[32000].as_string(""), "[PAD32000]");
  EXPECT_EQ(tokens[32002].as_string(""), "[PAD32002]");
  EXPECT_EQ(find(padded, "tokenizer.ggml.token_type")->as_array("").items[32001].as_int(""), 5);
  EXPECT_EQ(find(padded, "tokenizer.ggml.scores")->as_array("").items.size(), 32003u);

  // A longer one is refused.
  try {
    synth_metadata(find_known_model("test-qwen2"), parse_mix("F16"), &qwen);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("151936 tokens, more than the model's vocabulary of 512"), std::string::npos)
        << e.what();
  }
}

class SynthFiles : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& p : cleanup_) std::remove(p.c_str());
  }
  std::string synth(const char* like, const char* mix, uint64_t seed = 1, const std::string& vocab = "") {
    const std::string path = hearth::testing::temp_path(std::string(like) + "-" + mix + "-" + std::to_string(seed) + ".gguf");
    cleanup_.push_back(path);
    SynthOptions o;
    o.seed = seed;
    o.threads = 2;
    o.vocab_path = vocab;
    synth_file(find_known_model(like), parse_mix(mix), path, o);
    return path;
  }
  std::vector<std::string> cleanup_;
};

TEST_F(SynthFiles, FileMatchesThePlanAndTheMetadata) {
  const KnownModel& m = find_known_model("test-qwen2");
  const gguf::File f = gguf::File::open(synth("test-qwen2", "Q4_K_M"));
  const auto plan = synth_tensors(m, parse_mix("Q4_K_M"));
  ASSERT_EQ(f.tensors().size(), plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    EXPECT_EQ(f.tensors()[i].name, plan[i].name);
    EXPECT_EQ(f.tensors()[i].dims, plan[i].dims);
    EXPECT_EQ(f.tensors()[i].type, plan[i].type);
  }
  const auto kv = synth_metadata(m, parse_mix("Q4_K_M"), nullptr);
  ASSERT_EQ(f.metadata().size(), kv.size());
  for (size_t i = 0; i < kv.size(); ++i) EXPECT_EQ(f.metadata()[i], kv[i]);
}

TEST_F(SynthFiles, WeightsAreScaledLikeATrainedModel) {
  const gguf::File f = gguf::File::open(synth("test-qwen2", "F32"));
  for (const auto& t : f.tensors()) {
    const float* x = reinterpret_cast<const float*>(f.tensor_data(t));
    const int64_t n = t.n_elements();
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < n; ++i) {
      sum += x[i];
      sq += double(x[i]) * x[i];
    }
    const double mean = sum / n, var = sq / n - mean * mean;
    if (t.name.find("norm") != std::string::npos) {
      EXPECT_NEAR(mean, 1.0, 0.02) << t.name;  // near 1
    } else if (t.name.find(".bias") != std::string::npos) {
      EXPECT_LT(std::sqrt(sq / n), 0.05) << t.name;  // small
    } else {
      // variance 1/fan_in (fan_in = the row length)
      EXPECT_NEAR(var * t.dims[0], 1.0, 0.05) << t.name;
      EXPECT_NEAR(mean, 0.0, 0.01) << t.name;
    }
  }
}

TEST_F(SynthFiles, SeededAndEqualToQuantizingTheF32Synth) {
  const gguf::File a = gguf::File::open(synth("test-llama", "Q4_K_M", 5));
  const gguf::File b = gguf::File::open(synth("test-llama", "Q4_K_M", 5));
  const gguf::File c = gguf::File::open(synth("test-llama", "Q4_K_M", 6));
  // The same seed gives the same bytes; quantizing the f32 synth gives them too.
  const std::string f32 = synth("test-llama", "F32", 5);
  const std::string requant = hearth::testing::temp_path("requant.gguf");
  cleanup_.push_back(requant);
  quantize_file(f32, requant, parse_mix("Q4_K_M"), QuantizeOptions{2, nullptr});
  const gguf::File d = gguf::File::open(requant);
  ASSERT_EQ(a.bytes().size(), b.bytes().size());
  EXPECT_EQ(0, std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size()));
  int differ = 0;
  for (size_t i = 0; i < a.tensors().size(); ++i) {
    const auto& t = a.tensors()[i];
    EXPECT_EQ(d.tensors()[i].type, t.type) << t.name;
    EXPECT_EQ(0, std::memcmp(a.tensor_data(t), d.tensor_data(d.tensors()[i]), t.nbytes)) << t.name;
    differ += std::memcmp(a.tensor_data(t), c.tensor_data(c.tensors()[i]), t.nbytes) != 0;
  }
  EXPECT_EQ(differ, static_cast<int>(a.tensors().size()));  // another seed changes every tensor
}

TEST_F(SynthFiles, LlamaShapedSynthLoadsAndGenerates) {
  auto backend = backend::make_cpu_backend(2);
  for (const char* mix : {"F16", "Q8_0", "Q4_K_M", "IQ4_XS"}) {
    auto model = model::Model::load(synth("test-llama", mix));
    const KnownModel& m = find_known_model("test-llama");
    EXPECT_EQ(model->hparams().n_layer, m.n_layer);
    EXPECT_EQ(model->hparams().n_vocab, m.n_vocab);
    EXPECT_EQ(model->vocab().size(), m.n_vocab);
    runtime::Session session(*model, *backend, runtime::SessionParams{});
    runtime::GenerateParams gp;
    gp.num_predict = 6;
    gp.sampling.temperature = 0.0f;
    const auto prompt = model->vocab().encode("Once upon a time", true, false);
    ASSERT_GT(prompt.size(), 1u);
    auto result = runtime::generate(session, prompt, gp, nullptr);
    EXPECT_EQ(result.tokens.size(), 6u) << mix;
    for (int32_t t : result.tokens) EXPECT_TRUE(t >= 0 && t < m.n_vocab);
  }
}

TEST(SynthCli, WritesListsAndRefuses) {
  const std::string out = hearth::testing::temp_path("cli-synth.gguf");
  auto o = hearth::testing::run_hearth("synth --like test-llama -o '" + out + "' --type q4_k_m --seed 3 -t 2");
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("blk.3.ffn_down.weight"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("random -> q6_K"), std::string::npos) << o.out;
  EXPECT_EQ(gguf::File::open(out).get_uint("general.file_type"), 15u);
  std::remove(out.c_str());

  o = hearth::testing::run_hearth("synth --list");
  EXPECT_EQ(o.status, 0);
  EXPECT_NE(o.out.find("qwen2.5-0.5b"), std::string::npos);
  EXPECT_NE(o.out.find("494032768"), std::string::npos) << o.out;

  o = hearth::testing::run_hearth("synth --like llama3.1-8b --type Q4_K_M --dry-run");
  EXPECT_EQ(o.status, 0) << o.err;
  EXPECT_NE(o.out.find("292 tensors, 8030261312 parameters"), std::string::npos) << o.out;

  o = hearth::testing::run_hearth("synth --like gpt-5 -o '" + out + "'");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("unknown model 'gpt-5' for --like (known: qwen2.5-0.5b"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(out));

  o = hearth::testing::run_hearth("synth --like test-llama -o '" + out + "' --type Q9");
  EXPECT_EQ(o.status, 1);
  EXPECT_NE(o.err.find("unknown quantization type 'Q9'"), std::string::npos) << o.err;
  EXPECT_FALSE(fs::exists(out));
}

}  // namespace
}  // namespace hearth::convert
