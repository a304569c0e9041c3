// Continuous batching (batch_generator.h) against generate() run alone on a
// one-sequence session: every job's text, tokens and stop reason must be
// the same whatever else shares its forward steps, for random sampling with
// per-job seeds, stop strings and token limits; prefixes held by a free slot
// are reused; cancellation frees the slot.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/batch_generator.h"
#include "runtime/generate.h"
#include "runtime/session.h"

namespace hearth::runtime {
namespace {

const char* kModel = HEARTH_SOURCE_DIR "/models/stories260K.gguf";

struct Collected {
  std::mutex mutex;
  std::condition_variable done_cv;
  std::string text;
  bool done = false;
  JobResult result;
};

std::shared_ptr<Job> make_job(std::vector<int32_t> prompt, const GenerateParams& params,
                              std::shared_ptr<Collected> out, int stop_after_pieces = -1) {
  auto job = std::make_shared<Job>();
  job->prompt = std::move(prompt);
  job->params = params;
  auto pieces = std::make_shared<int>(0);
  job->on_text = [out, pieces, stop_after_pieces](std::string_view t) {
    std::lock_guard<std::mutex> lock(out->mutex);
    out->text += t;
    return stop_after_pieces < 0 || ++*pieces < stop_after_pieces;
  };
  job->on_done = [out](const JobResult& r) {
    std::lock_guard<std::mutex> lock(out->mutex);
    out->result = r;
    out->done = true;
    out->done_cv.notify_all();
  };
  return job;
}

void wait_done(Collected& c) {
  std::unique_lock<std::mutex> lock(c.mutex);
  ASSERT_TRUE(c.done_cv.wait_for(lock, std::chrono::seconds(60), [&] { return c.done; })) << "job did not finish";
}

class BatchGeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = model::Model::load(kModel);
    backend_ = backend::make_cpu_backend(2);
  }
  std::vector<int32_t> tokens(const std::string& text) const { return model_->vocab().encode(text, true, false); }
  // generate() alone, on a fresh session of one sequence.
  GenerateResult alone(const std::vector<int32_t>& prompt, const GenerateParams& params) {
    SessionParams sp;
    sp.n_ctx = 256;
    Session s(*model_, *backend_, sp);
    return generate(s, prompt, params, nullptr);
  }
  static GenerateParams sampled(uint64_t seed, int64_t n) {
    GenerateParams p;
    p.num_predict = n;
    p.sampling.temperature = 0.9f;
    p.sampling.seed = seed;
    p.sampling.random_seed = false;
    return p;
  }

  std::unique_ptr<model::Model> model_;
  std::unique_ptr<backend::Backend> backend_;
};

TEST_F(BatchGeneratorTest, EveryJobMatchesGenerateAlone) {
  const std::vector<std::string> prompts = {"Once upon a time", "The cat", "Lily and Tom went to the park",
                                            "One day, a little", "The sun", "Ben had a red ball and"};
  std::vector<std::pair<std::vector<int32_t>, GenerateParams>> jobs;
  for (size_t i = 0; i < 12; ++i) {
    GenerateParams p = sampled(100 + i, 24 + static_cast<int64_t>(i % 4) * 7);
    if (i % 5 == 2) p.stop = {"."};
    if (i % 6 == 3) p.sampling.temperature = 0.0f;  // greedy among sampled ones
    jobs.emplace_back(tokens(prompts[i % prompts.size()]), p);
  }
  std::vector<GenerateResult> want;
  for (const auto& [prompt, params] : jobs) want.push_back(alone(prompt, params));

  SessionParams sp;
  sp.n_ctx = 256;
  sp.n_seq = 4;
  Session session(*model_, *backend_, sp);
  std::vector<std::shared_ptr<Collected>> got;
  {
    BatchGenerator gen(session);
    for (const auto& [prompt, params] : jobs) {
      got.push_back(std::make_shared<Collected>());
      gen.submit(make_job(prompt, params, got.back()));
    }
    for (auto& c : got) wait_done(*c);
  }
  for (size_t i = 0; i < jobs.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i));
    EXPECT_EQ(got[i]->text, want[i].text);
    EXPECT_EQ(got[i]->result.reason, want[i].reason);
    EXPECT_EQ(got[i]->result.timings.eval_tokens, want[i].timings.eval_tokens);
    EXPECT_TRUE(got[i]->result.error.empty()) << got[i]->result.error;
    std::vector<int32_t> context = jobs[i].first;
    context.insert(context.end(), want[i].tokens.begin(), want[i].tokens.end());
    EXPECT_EQ(got[i]->result.context, context);
  }
}

TEST_F(BatchGeneratorTest, AFreeSlotsPrefixIsReused) {
  SessionParams sp;
  sp.n_ctx = 256;
  sp.n_seq = 2;
  Session session(*model_, *backend_, sp);
  BatchGenerator gen(session);
  const GenerateParams p = sampled(7, 16);
  auto first = std::make_shared<Collected>();
  const std::vector<int32_t> prompt = tokens("Once upon a time");
  gen.submit(make_job(prompt, p, first));
  wait_done(*first);
  EXPECT_EQ(first->result.cached_tokens, 0);
  // The next turn: the whole first exchange plus new text.
  std::vector<int32_t> next = first->result.context;
  const auto more = model_->vocab().encode(" Then", false, false);
  next.insert(next.end(), more.begin(), more.end());
  auto second = std::make_shared<Collected>();
  gen.submit(make_job(next, p, second));
  wait_done(*second);
  // All but the last generated token (never evaluated) came from the cache.
  EXPECT_EQ(second->result.cached_tokens, static_cast<int64_t>(first->result.context.size()) - 1);
  EXPECT_EQ(second->result.timings.prompt_tokens, static_cast<int64_t>(next.size()) - second->result.cached_tokens);
  EXPECT_EQ(second->text, alone(next, p).text);
}

TEST_F(BatchGeneratorTest, CancellingFreesTheSlot) {
  SessionParams sp;
  sp.n_ctx = 256;
  sp.n_seq = 1;
  Session session(*model_, *backend_, sp);
  BatchGenerator gen(session);
  auto stopped = std::make_shared<Collected>();
  gen.submit(make_job(tokens("Once upon a time"), sampled(1, 200), stopped, 3));
  auto flagged = std::make_shared<Collected>();
  auto job = make_job(tokens("The cat"), sampled(2, 200), flagged);
  job->cancelled.store(true);
  gen.submit(job);
  auto after = std::make_shared<Collected>();
  const GenerateParams p = sampled(3, 20);
  gen.submit(make_job(tokens("The dog"), p, after));
  wait_done(*stopped);
  wait_done(*flagged);
  wait_done(*after);
  EXPECT_EQ(stopped->result.reason, StopReason::Cancelled);
  EXPECT_EQ(stopped->result.timings.eval_tokens, 3);
  EXPECT_EQ(flagged->result.reason, StopReason::Cancelled);
  EXPECT_EQ(flagged->result.timings.eval_tokens, 0);
  EXPECT_EQ(after->text, alone(tokens("The dog"), p).text);
  EXPECT_EQ(gen.running(), 0u);
  EXPECT_EQ(gen.waiting(), 0u);
}

TEST_F(BatchGeneratorTest, BadPromptsAreRefusedAtSubmit) {
  SessionParams sp;
  sp.n_ctx = 16;
  sp.n_seq = 1;
  Session session(*model_, *backend_, sp);
  BatchGenerator gen(session);
  auto c = std::make_shared<Collected>();
  EXPECT_THROW(gen.submit(make_job({}, sampled(1, 4), c)), Error);
  EXPECT_THROW(gen.submit(make_job(std::vector<int32_t>(17, 300), sampled(1, 4), c)), Error);
  EXPECT_THROW(gen.submit(make_job({1, 100000}, sampled(1, 4), c)), Error);
  EXPECT_FALSE(c->done);
  // A prompt that fills the context exactly ends at once, as generate() does.
  auto full = std::make_shared<Collected>();
  gen.submit(make_job(std::vector<int32_t>(16, 300), sampled(1, 4), full));
  wait_done(*full);
  EXPECT_EQ(full->result.reason, StopReason::ContextFull);
}

TEST_F(BatchGeneratorTest, UnloadingEndsRunningAndWaitingJobs) {
  SessionParams sp;
  sp.n_ctx = 256;
  sp.n_seq = 1;
  Session session(*model_, *backend_, sp);
  auto running = std::make_shared<Collected>(), queued = std::make_shared<Collected>();
  {
    BatchGenerator gen(session);
    gen.submit(make_job(tokens("Once upon a time"), sampled(1, -1), running));
    gen.submit(make_job(tokens("The cat"), sampled(2, -1), queued));
  }
  EXPECT_TRUE(running->done);
  EXPECT_TRUE(queued->done);
  EXPECT_FALSE(queued->result.error.empty());
}

}  // namespace
}  // namespace hearth::runtime
