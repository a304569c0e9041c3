// hearth's llama forward pass against the independent reference in
// reference_llama.h, and the loader's refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <unistd.h>

#include "backend/backend.h"
#include "convert/synth.h"
#include "core/error.h"
#include "gguf/writer.h"
#include "model/model.h"
#include "model/reference_llama.h"
#include "runtime/session.h"

namespace hearth {
namespace {

const std::string kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

float max_abs_diff(std::span<const float> a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < b.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// All-position logits from hearth for tokens, decoded in one batch.
void expect_matches_reference(tensor::DType kv_type, float tolerance, int threads) {
  auto model = model::Model::load(kModel);
  const auto tokens = model->vocab().encode("Once upon a time, a little cat sat in the sun and smiled", true, false);
  ASSERT_GT(tokens.size(), 10u);
  testing::ReferenceLlama reference(model->file());
  const auto expected = reference.forward(tokens);

  auto backend = backend::make_cpu_backend(threads);
  runtime::SessionParams sp;
  sp.n_ctx = 64;
  sp.kv_type = kv_type;
  runtime::Session session(*model, *backend, sp);
  std::vector<runtime::BatchToken> batch;
  for (size_t i = 0; i < tokens.size(); ++i) batch.push_back({tokens[i], static_cast<int32_t>(i), 0, true});
  session.decode(batch);
  ASSERT_EQ(session.n_logits(), static_cast<int64_t>(tokens.size()));
  for (size_t t = 0; t < tokens.size(); ++t)
    EXPECT_LT(max_abs_diff(session.logits(t), expected[t]), tolerance) << "position " << t;
}

// The logits are O(10); f32 sums over 64-172 terms in a different order
// differ by ~1e-5 relative, so 1e-3 absolute leaves room only for rounding.
TEST(Llama, LogitsMatchTheReferenceWithAnF32Cache) { expect_matches_reference(tensor::DType::F32, 1e-3f, 1); }
TEST(Llama, LogitsMatchTheReferenceWithAnF32CacheMultiThreaded) { expect_matches_reference(tensor::DType::F32, 1e-3f, 3); }
// An f16 cache rounds K and V to 11 significant bits (relative 2^-11 ~ 5e-4);
// through 5 layers that moves logits by a few 1e-3 at most.
TEST(Llama, LogitsMatchTheReferenceWithAnF16Cache) { expect_matches_reference(tensor::DType::F16, 2e-2f, 2); }

// Synths of the small test shapes in f32 (random weights scaled like a trained
// model's, so each architecture's differences — biases, rotation style, q/k
// norms, rope frequency factors — move the logits far beyond the tolerance)
// against the reference. 256-wide rows: sums over 256-512 terms in another
// order differ by ~1e-5 relative on logits of O(1-10).
void expect_synth_matches_reference(const std::string& like, const std::string& arch) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("hearth-test-" + like + "-" + std::to_string(::getpid()) + ".gguf")).string();
  convert::synth_file(convert::find_known_model(like), convert::parse_mix("F32"), path, {});
  auto model = model::Model::load(path);
  std::remove(path.c_str());  // the mapping stays valid
  EXPECT_EQ(model->hparams().arch, arch);
  std::vector<int32_t> tokens;
  for (int i = 0; i < 40; ++i) tokens.push_back((i * 37 + 11) % 512);
  testing::ReferenceLlama reference(model->file(), 64);
  const auto expected = reference.forward(tokens);

  auto backend = backend::make_cpu_backend(2);
  runtime::SessionParams sp;
  sp.n_ctx = 64;
  sp.kv_type = tensor::DType::F32;
  runtime::Session session(*model, *backend, sp);
  std::vector<runtime::BatchToken> batch;
  for (size_t i = 0; i < tokens.size(); ++i) batch.push_back({tokens[i], static_cast<int32_t>(i), 0, true});
  session.decode(batch);
  float spread = 0;
  for (size_t t = 0; t < tokens.size(); ++t) {
    EXPECT_LT(max_abs_diff(session.logits(t), expected[t]), 2e-3f) << "position " << t;
    for (float v : expected[t]) spread = std::max(spread, std::fabs(v));
  }
  EXPECT_GT(spread, 0.5f) << "logits too flat for the comparison to mean anything";
}

TEST(Qwen2, LogitsMatchTheReference) { expect_synth_matches_reference("test-qwen2", "qwen2"); }
TEST(Qwen3, LogitsMatchTheReference) { expect_synth_matches_reference("test-qwen3", "qwen3"); }
TEST(Llama3, RopeFrequencyFactorsMatchTheReference) { expect_synth_matches_reference("test-llama3", "llama"); }
TEST(Qwen3Moe, LogitsMatchTheReference) { expect_synth_matches_reference("test-qwen3moe", "qwen3moe"); }
TEST(Mixtral, LogitsMatchTheReference) { expect_synth_matches_reference("test-mixtral", "llama"); }
// 7 layers (five windowed, one global, one windowed), a window of 8 under a
// 40-token prompt.
// Fused matrices, LongRoPE's long factors (original context 32 < 64) and magnitude.
TEST(Phi3, LogitsMatchTheReference) { expect_synth_matches_reference("test-phi3", "phi3"); }
// Every other layer windowed (8 cells under a 40-token prompt), soft-capped
// attention scores and logits.
TEST(Gemma2, LogitsMatchTheReference) { expect_synth_matches_reference("test-gemma2", "gemma2"); }
TEST(Gemma3, LogitsMatchTheReference) { expect_synth_matches_reference("test-gemma3", "gemma3"); }

TEST(Llama, HparamsOfStories260K) {
  auto model = model::Model::load(kModel);
  const auto& hp = model->hparams();
  EXPECT_EQ(hp.arch, "llama");
  EXPECT_EQ(hp.n_vocab, 512);
  EXPECT_EQ(hp.n_embd, 64);
  EXPECT_EQ(hp.n_layer, 5);
  EXPECT_EQ(hp.n_head, 8);
  EXPECT_EQ(hp.n_head_kv, 4);
  EXPECT_EQ(hp.n_ff, 172);
  EXPECT_EQ(hp.n_ctx_train, 2048);  // llama.context_length in the file (REFERENCE.md ran with 512)
  EXPECT_EQ(hp.head_dim, 8);
}

// Writes a copy of stories260K with metadata or one tensor changed.
class ModelVariant : public ::testing::Test {
 protected:
  std::string path_ = (std::filesystem::temp_directory_path() /
                       ("hearth-model-variant-" + std::to_string(::getpid()) + ".gguf")).string();
  void TearDown() override { std::remove(path_.c_str()); }

  void write(const std::function<void(gguf::Writer&)>& change_metadata, const std::string& tensor_to_replace = "",
             tensor::DType new_type = tensor::DType::F32, std::vector<int64_t> new_dims = {}) {
    gguf::File src = gguf::File::open(kModel);
    gguf::Writer w;
    for (const auto& kv : src.metadata()) w.set(kv.key, kv.value);
    if (change_metadata) change_metadata(w);
    for (const auto& t : src.tensors()) {
      if (t.name == tensor_to_replace) {
        int64_t n = 1;
        for (int64_t d : new_dims) n *= d;
        std::vector<uint8_t> zeros(tensor::row_bytes(new_type, new_dims[0]) * (n / new_dims[0]));
        w.add_tensor(t.name, new_type, new_dims, zeros);
      } else {
        w.add_tensor(t.name, t.type, t.dims, std::span<const uint8_t>(src.tensor_data(t), t.nbytes));
      }
    }
    w.write(path_);
  }

  std::string load_error() {
    try {
      model::Model::load(path_);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
};

TEST_F(ModelVariant, UnsupportedArchitectureIsNamed) {
  write([](gguf::Writer& w) { w.set("general.architecture", gguf::Value{std::string("mamba9")}); });
  const std::string msg = load_error();
  EXPECT_NE(msg.find("unsupported architecture 'mamba9'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("llama"), std::string::npos) << msg;
}

TEST_F(ModelVariant, UnsupportedTensorTypeIsNamed) {
  write(nullptr, "blk.0.attn_q.weight", tensor::DType::Q8_1, {64, 64});
  const std::string msg = load_error();
  EXPECT_NE(msg.find("blk.0.attn_q.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("q8_1"), std::string::npos) << msg;
}

TEST_F(ModelVariant, MisshapenTensorIsRefused) {
  write(nullptr, "blk.1.ffn_up.weight", tensor::DType::F32, {64, 100});
  const std::string msg = load_error();
  EXPECT_NE(msg.find("blk.1.ffn_up.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shape"), std::string::npos) << msg;
}

TEST_F(ModelVariant, MissingHyperparameterIsNamed) {
  gguf::File src = gguf::File::open(kModel);
  gguf::Writer w;
  for (const auto& kv : src.metadata())
    if (kv.key != "llama.block_count") w.set(kv.key, kv.value);
  for (const auto& t : src.tensors())
    w.add_tensor(t.name, t.type, t.dims, std::span<const uint8_t>(src.tensor_data(t), t.nbytes));
  w.write(path_);
  const std::string msg = load_error();
  EXPECT_NE(msg.find("llama.block_count"), std::string::npos) << msg;
}

}  // namespace
}  // namespace hearth
