// Perplexity on the GPL-3 text agrees with llama.cpp's 72.2424 (n_ctx 128).
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "backend/backend.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/perplexity.h"

namespace hearth::runtime {
namespace {

TEST(Perplexity, MatchesLlamaCppOnTheGplText) {
  std::ifstream in(HEARTH_TEST_DATA "/gpl-3.0-first-20000-bytes.txt", std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(text.size(), 20000u);
  auto model = model::Model::load(HEARTH_SOURCE_DIR "/models/stories260K.gguf");
  auto backend = backend::make_cpu_backend(2);
  SessionParams sp;
  sp.n_ctx = 128;
  sp.n_batch = 128;
  Session session(*model, *backend, sp);
  auto result = perplexity(session, model->vocab().encode(text, true, false));
  EXPECT_NEAR(result.ppl, 72.2424, 0.05);
  EXPECT_EQ(result.scored_tokens, result.chunks * (128 / 2 - 1));
}

TEST(Perplexity, TooShortATextIsRefused) {
  auto model = model::Model::load(HEARTH_SOURCE_DIR "/models/stories260K.gguf");
  auto backend = backend::make_cpu_backend(1);
  SessionParams sp;
  sp.n_ctx = 128;
  Session session(*model, *backend, sp);
  EXPECT_THROW(perplexity(session, model->vocab().encode("Too short.", true, false)), Error);
}

}  // namespace
}  // namespace hearth::runtime
