// Encoders (bert, nomic-bert): hearth's pooled, normalised embedding against
// the independent reference in reference_bert.h, and the refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "backend/backend.h"
#include "convert/synth.h"
#include "core/error.h"
#include "model/model.h"
#include "model/reference_bert.h"
#include "runtime/embed.h"
#include "runtime/session.h"

namespace hearth {
namespace {

std::unique_ptr<model::Model> synth_model(const std::string& like) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("hearth-test-" + like + "-" + std::to_string(::getpid()) + ".gguf")).string();
  convert::synth_file(convert::find_known_model(like), convert::parse_mix("F32"), path, {});
  auto model = model::Model::load(path);
  std::remove(path.c_str());  // the mapping stays valid
  return model;
}

// Unit vectors of 256 floats summed in another order: components agree to
// ~1e-6; 1e-4 leaves room only for rounding, and a wrong pooling, norm,
// rotation or activation moves components by ~1e-2 or more.
void expect_embedding_matches_reference(const std::string& like, const std::string& arch) {
  auto model = synth_model(like);
  EXPECT_EQ(model->hparams().arch, arch);
  std::vector<int32_t> tokens;
  for (int i = 0; i < 30; ++i) tokens.push_back((i * 53 + 7) % 512);
  const auto expected = testing::ReferenceBert(model->file()).embed(tokens);
  auto backend = backend::make_cpu_backend(2);
  const auto got = runtime::embed(*model, *backend, tokens);
  ASSERT_EQ(got.size(), expected.size());
  double norm = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], 1e-4) << "component " << i;
    norm += double(got[i]) * got[i];
  }
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST(Bert, EmbeddingMatchesTheReference) { expect_embedding_matches_reference("test-bert", "bert"); }
TEST(NomicBert, EmbeddingMatchesTheReference) { expect_embedding_matches_reference("test-nomic-bert", "nomic-bert"); }

TEST(Bert, DecoderModelsAndBadInputAreRefused) {
  auto encoder = synth_model("test-bert");
  auto backend = backend::make_cpu_backend(1);
  EXPECT_THROW(runtime::embed(*encoder, *backend, std::vector<int32_t>{}), Error);
  EXPECT_THROW(runtime::embed(*encoder, *backend, std::vector<int32_t>(129, 5)), Error);  // context 128
  EXPECT_THROW(runtime::embed(*encoder, *backend, std::vector<int32_t>{1, 600}), Error);
  runtime::SessionParams sp;
  EXPECT_THROW(runtime::Session(*encoder, *backend, sp), Error);  // cannot generate
  auto decoder = model::Model::load(HEARTH_SOURCE_DIR "/models/stories260K.gguf");
  EXPECT_THROW(runtime::embed(*decoder, *backend, std::vector<int32_t>{1, 2}), Error);
}

}  // namespace
}  // namespace hearth
