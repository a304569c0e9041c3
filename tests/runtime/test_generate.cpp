// Greedy generation reproduces llama.cpp's reference continuations; limits,
// stop strings and an over-long prompt behave as documented.
#include <gtest/gtest.h>

#include "backend/backend.h"
#include "core/error.h"
#include "model/model.h"
#include "reference_texts.h"
#include "runtime/generate.h"

namespace hearth::runtime {
namespace {

class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = model::Model::load(HEARTH_SOURCE_DIR "/models/stories260K.gguf");
    backend_ = backend::make_cpu_backend(1);
  }
  GenerateResult greedy(const std::string& prompt, int64_t n, std::vector<std::string> stop = {}) {
    SessionParams sp;
    Session session(*model_, *backend_, sp);
    GenerateParams gp;
    gp.num_predict = n;
    gp.sampling.temperature = 0.0f;
    gp.stop = std::move(stop);
    std::string streamed;
    auto result = generate(session, model_->vocab().encode(prompt, true, false), gp, [&](std::string_view t) {
      streamed += t;
      return true;
    });
    EXPECT_EQ(streamed, result.text);
    return result;
  }
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<backend::Backend> backend_;
};

TEST_F(GenerateTest, GreedyMatchesLlamaCppReferences) {
  const auto refs = testing::load_reference_texts(HEARTH_TEST_DATA "/stories260K-REFERENCE.md");
  ASSERT_EQ(refs.size(), 3u);
  for (const auto& ref : refs) {
    auto result = greedy(ref.prompt, 48);
    EXPECT_EQ(result.text, ref.continuation) << "prompt: " << ref.prompt;
    EXPECT_EQ(result.tokens.size(), 48u);
    EXPECT_EQ(result.reason, StopReason::Length);
    EXPECT_EQ(result.timings.eval_tokens, 48);
  }
}

TEST_F(GenerateTest, StopStringEndsGenerationBeforeIt) {
  // The greedy continuation of "Once upon a time" begins ", there was a little girl".
  auto result = greedy("Once upon a time", 48, {"little"});
  EXPECT_EQ(result.text, ", there was a ");
  EXPECT_EQ(result.reason, StopReason::StopString);
}

TEST_F(GenerateTest, NumPredictLimitsTheTokens) {
  auto result = greedy("Once upon a time", 3);
  EXPECT_EQ(result.tokens.size(), 3u);
  EXPECT_EQ(result.reason, StopReason::Length);
}

TEST_F(GenerateTest, SeededSamplingIsReproducible) {
  SessionParams sp;
  Session session(*model_, *backend_, sp);
  GenerateParams gp;
  gp.num_predict = 30;
  gp.sampling.temperature = 1.0f;
  gp.sampling.random_seed = false;
  gp.sampling.seed = 1234;
  const auto prompt = model_->vocab().encode("The cat", true, false);
  auto first = generate(session, prompt, gp, nullptr);
  session.truncate(0, 0);
  auto second = generate(session, prompt, gp, nullptr);
  EXPECT_EQ(first.tokens, second.tokens);
  gp.sampling.seed = 99;
  session.truncate(0, 0);
  auto third = generate(session, prompt, gp, nullptr);
  EXPECT_NE(first.tokens, third.tokens);
}

TEST_F(GenerateTest, PromptLongerThanTheContextIsAClearError) {
  SessionParams sp;
  sp.n_ctx = 16;
  Session session(*model_, *backend_, sp);
  std::string text;
  for (int i = 0; i < 20; ++i) text += "the big dog ";
  try {
    generate(session, model_->vocab().encode(text, true, false), GenerateParams{}, nullptr);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("context"), std::string::npos) << e.what();
  }
  EXPECT_EQ(session.length(0), 0);
}

TEST_F(GenerateTest, ContextFullEndsGeneration) {
  SessionParams sp;
  sp.n_ctx = 12;
  Session session(*model_, *backend_, sp);
  GenerateParams gp;
  gp.sampling.temperature = 0.0f;
  auto result = generate(session, model_->vocab().encode("Once upon a time", true, false), gp, nullptr);
  EXPECT_EQ(result.reason, StopReason::ContextFull);
  EXPECT_EQ(session.length(0), 12);
}

TEST_F(GenerateTest, ASecondTurnEvaluatesOnlyTheNewTokens) {
  SessionParams sp;
  Session session(*model_, *backend_, sp);
  GenerateParams gp;
  gp.num_predict = 10;
  gp.sampling.temperature = 0.0f;
  const auto prompt = model_->vocab().encode("Once upon a time", true, false);
  auto first = generate(session, prompt, gp, nullptr);
  EXPECT_EQ(first.timings.prompt_tokens, static_cast<int64_t>(prompt.size()));

  // Continue from the prompt plus the reply plus new text: the held prefix
  // (prompt and all generated tokens but the last, never evaluated) is reused.
  auto next = prompt;
  next.insert(next.end(), first.tokens.begin(), first.tokens.end());
  const auto more = model_->vocab().encode("Then", false, false);
  next.insert(next.end(), more.begin(), more.end());
  auto second = generate(session, next, gp, nullptr);
  EXPECT_EQ(second.timings.prompt_tokens, static_cast<int64_t>(1 + more.size()));

  // And the text equals a fresh session's continuation of the same tokens.
  Session fresh(*model_, *backend_, sp);
  auto expected = generate(fresh, next, gp, nullptr);
  EXPECT_EQ(second.text, expected.text);
  EXPECT_EQ(expected.timings.prompt_tokens, static_cast<int64_t>(next.size()));
}

}  // namespace
}  // namespace hearth::runtime
