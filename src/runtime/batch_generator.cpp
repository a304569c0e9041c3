#include "runtime/batch_generator.h"

#include <algorithm>
#include <optional>

#include "core/clock.h"
#include "core/error.h"
#include "runtime/stop_matcher.h"
#include "tokenizer/vocab.h"

namespace hearth::runtime {

struct BatchGenerator::Slot {
  int seq = 0;
  std::shared_ptr<Job> job;  // nullptr: free
  // The job's state; reset on admission.
  size_t prompt_done = 0;   // prompt tokens in the cache
  bool generating = false;  // the prompt is in; sampling from the last logits
  int32_t last_token = -1;  // sampled, to be evaluated at the next step
  int64_t generated = 0;
  int64_t prompt_start_ns = 0, eval_start_ns = 0;
  JobResult result;
  std::optional<sampling::Sampler> sampler;
  std::optional<tokenizer::StreamDecoder> decoder;
  std::optional<StopMatcher> stops;
};

BatchGenerator::BatchGenerator(Session& session, QueueLimit limit) : session_(session), limit_(std::move(limit)) {
  for (int s = 0; s < session_.n_seq(); ++s) {
    slots_.push_back(std::make_unique<Slot>());
    slots_.back()->seq = s;
  }
  thread_ = std::thread([this] { loop(); });
}

BatchGenerator::~BatchGenerator() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void BatchGenerator::submit(std::shared_ptr<Job> job) {
  if (job->prompt.empty()) fail("the prompt is empty: there is nothing to continue from");
  if (static_cast<int64_t>(job->prompt.size()) > session_.n_ctx())
    fail("the prompt has ", job->prompt.size(), " tokens but the context holds ", session_.n_ctx());
  for (int32_t t : job->prompt)
    if (t < 0 || t >= session_.n_vocab()) fail("token id ", t, " is outside the vocabulary of ", session_.n_vocab());
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) fail("the model is being unloaded");
    if (limit_.waiting) {
      if (limit_.waiting->fetch_add(1) >= limit_.max) {
        limit_.waiting->fetch_sub(1);
        throw QueueFull(cat("server busy, please try again: ", limit_.max,
                            " requests are already waiting (HEARTH_MAX_QUEUE)"));
      }
    }
    waiting_.push_back(std::move(job));
  }
  wake_.notify_all();
}

size_t BatchGenerator::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

size_t BatchGenerator::running() const { return running_.load(); }

void BatchGenerator::loop() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !waiting_.empty() || running_.load() > 0; });
      if (stopping_) break;
    }
    admit_waiting();
    step();
  }
  // Unloading: every job still here ends as cancelled.
  for (auto& slot : slots_)
    if (slot->job) finish(*slot, StopReason::Cancelled, "the model was unloaded");
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(waiting_);
    if (limit_.waiting) limit_.waiting->fetch_sub(static_cast<int64_t>(left.size()));
  }
  for (auto& job : left) {
    JobResult r;
    r.reason = StopReason::Cancelled;
    r.error = "the model was unloaded";
    if (job->on_done) job->on_done(r);
  }
}

// Moves waiting jobs into free slots, each to the free slot that already
// holds the longest prefix of its prompt.
void BatchGenerator::admit_waiting() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (waiting_.empty()) return;
      const bool any_free = std::any_of(slots_.begin(), slots_.end(), [](const auto& s) { return !s->job; });
      if (!any_free) return;
      job = std::move(waiting_.front());
      waiting_.pop_front();
      if (limit_.waiting) limit_.waiting->fetch_sub(1);
    }
    Slot* best = nullptr;
    size_t best_common = 0;
    for (auto& s : slots_) {
      if (s->job) continue;
      const auto held = session_.tokens(s->seq);
      size_t n = 0;
      const size_t limit = std::min(held.size(), job->prompt.size());
      while (n < limit && held[n] == job->prompt[n]) ++n;
      if (!best || n > best_common) best = s.get(), best_common = n;
    }
    Slot& slot = *best;
    slot.job = std::move(job);
    Job& j = *slot.job;
    slot.prompt_done = static_cast<size_t>(session_.keep_common_prefix(slot.seq, j.prompt));
    slot.generating = false;
    slot.last_token = -1;
    slot.generated = 0;
    slot.result = JobResult{};
    slot.result.cached_tokens = static_cast<int64_t>(slot.prompt_done);
    slot.result.context = j.prompt;
    slot.sampler.emplace(j.params.sampling);
    for (int32_t t : j.prompt) slot.sampler->accept(t);
    slot.decoder.emplace(session_.model().vocab());
    slot.stops.emplace(j.params.stop);
    slot.prompt_start_ns = now_ns();
    ++running_;
  }
}

void BatchGenerator::finish(Slot& slot, StopReason reason, std::string error) {
  Job& job = *slot.job;
  JobResult& r = slot.result;
  r.reason = reason;
  r.error = std::move(error);
  if (slot.generating) r.timings.eval_ns = now_ns() - slot.eval_start_ns;
  if (reason != StopReason::StopString && r.error.empty() && job.on_text) {
    bool hit = false;
    std::string rest = slot.stops->push(slot.decoder->flush(), hit);
    rest += slot.stops->flush();
    if (!rest.empty()) job.on_text(rest);
  }
  std::shared_ptr<Job> keep = std::move(slot.job);
  slot.job.reset();
  --running_;
  if (keep->on_done) keep->on_done(r);
}

// One forward step over every running job; false when there was nothing to do.
bool BatchGenerator::step() {
  const int64_t n_ctx = session_.n_ctx();
  // Cancellations, and jobs whose sequence is full, end before the step.
  for (auto& s : slots_) {
    if (!s->job) continue;
    if (s->job->cancelled.load()) finish(*s, StopReason::Cancelled);
    else if (s->generating && session_.length(s->seq) >= n_ctx) finish(*s, StopReason::ContextFull);
  }
  batch_.clear();
  batch_owner_.clear();
  for (auto& s : slots_) {
    if (!s->job || !s->generating) continue;
    batch_.push_back({s->last_token, static_cast<int32_t>(session_.length(s->seq)), s->seq, true});
    batch_owner_.push_back(s.get());
  }
  // Prompts fill the rest of one step, oldest admission first (slot order
  // is admission order only roughly; every prompt gets its turn as the
  // others finish).
  const auto budget = static_cast<size_t>(std::max<int64_t>(512, static_cast<int64_t>(batch_.size())));
  for (auto& s : slots_) {
    if (!s->job || s->generating || batch_.size() >= budget) continue;
    const auto& prompt = s->job->prompt;
    const size_t take = std::min(budget - batch_.size(), prompt.size() - s->prompt_done);
    for (size_t i = 0; i < take; ++i) {
      const size_t at = s->prompt_done + i;
      const bool last = at + 1 == prompt.size();
      batch_.push_back({prompt[at], static_cast<int32_t>(at), s->seq, last});
      if (last) batch_owner_.push_back(s.get());
    }
    s->prompt_done += take;
  }
  if (batch_.empty()) return false;

  try {
    session_.decode(batch_);
  } catch (const std::exception& e) {
    // The cache of the jobs in this step is no longer what they think it is.
    for (auto& s : slots_)
      if (s->job) {
        session_.truncate(s->seq, 0);
        finish(*s, StopReason::Cancelled, e.what());
      }
    return true;
  }
  for (size_t i = 0; i < batch_owner_.size(); ++i) {
    Slot& s = *batch_owner_[i];
    if (!s.generating) {
      s.generating = true;
      s.result.timings.prompt_tokens = static_cast<int64_t>(s.job->prompt.size()) - s.result.cached_tokens;
      s.eval_start_ns = now_ns();
      s.result.timings.prompt_ns = s.eval_start_ns - s.prompt_start_ns;
    }
    sample_and_emit(s, session_.logits(static_cast<int64_t>(i)));
  }
  return true;
}

// As generate(): sample, end at end of generation, emit settled text, end
// at a stop string, a refused callback or the token limit.
void BatchGenerator::sample_and_emit(Slot& slot, std::span<const float> logits) {
  Job& job = *slot.job;
  if (job.params.num_predict >= 0 && slot.generated >= job.params.num_predict) return finish(slot, StopReason::Length);
  if (job.constraint && job.constraint->finished()) return finish(slot, StopReason::EndOfGeneration);
  const tokenizer::Vocab& vocab = session_.model().vocab();
  int32_t token;
  try {
    token = job.constraint ? job.constraint->sample(*slot.sampler, logits) : slot.sampler->sample(logits);
    if (job.constraint && !vocab.is_eog(token)) job.constraint->accept(token);
  } catch (const std::exception& e) {
    return finish(slot, StopReason::Cancelled, e.what());
  }
  if (vocab.is_eog(token)) return finish(slot, StopReason::EndOfGeneration);
  slot.result.context.push_back(token);
  slot.sampler->accept(token);
  ++slot.result.timings.eval_tokens;
  ++slot.generated;
  bool hit = false;
  const std::string text = slot.stops->push(slot.decoder->push(token), hit);
  if (!text.empty() && job.on_text && !job.on_text(text)) return finish(slot, StopReason::Cancelled);
  if (hit) return finish(slot, StopReason::StopString);
  if (job.params.num_predict >= 0 && slot.generated >= job.params.num_predict) return finish(slot, StopReason::Length);
  slot.last_token = token;
}

}  // namespace hearth::runtime
