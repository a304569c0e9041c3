#pragma once
// Continuous batching: many generations at once on one Session, one
// sequence (slot) each. A thread runs forward steps that mix every running
// job: one token for each job that is generating, and as much of the new
// jobs' prompts as the step has room for. A job that arrives joins at the
// next step; one that finishes leaves its slot to the next in the queue.
//
// Each job's text is what generate() (generate.h) would give for the same
// prompt and parameters alone: the same sampler chain and seed, the same
// stop rules, and forward passes whose result for a token does not depend
// on the other tokens of the batch (the backend's matmul and attention work
// row by row and sequence by sequence).
//
// A free slot keeps the tokens of its last job in the cache; a new job goes
// to the free slot whose tokens share the longest prefix with its prompt, and
// only the rest of the prompt is evaluated.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/error.h"
#include "runtime/generate.h"
#include "runtime/session.h"

namespace hearth::runtime {

// Decides, per step, which tokens a job may sample (structured output);
// nullptr in a Job means no constraint.
class TokenConstraint {
 public:
  virtual ~TokenConstraint() = default;
  // Sampling with the constraint; the sampler is the job's own.
  virtual int32_t sample(sampling::Sampler& sampler, std::span<const float> logits) = 0;
  // Records a sampled token.
  virtual void accept(int32_t token) = 0;
  // Nothing may follow what was sampled: the job ends (as at end of
  // generation) before sampling again.
  virtual bool finished() const { return false; }
};

struct JobResult {
  StopReason reason = StopReason::EndOfGeneration;
  Timings timings;               // prompt_tokens: evaluated (not reused from the cache)
  int64_t cached_tokens = 0;     // prompt tokens reused from the slot's cache
  std::vector<int32_t> context;  // prompt + generated tokens
  std::string error;             // non-empty: the job failed (reason is Cancelled)
};

struct Job {
  std::vector<int32_t> prompt;
  GenerateParams params;  // params.seq is ignored: the generator picks the slot
  std::unique_ptr<TokenConstraint> constraint;
  // Called on the generator's thread. on_text receives settled text (never
  // a broken UTF-8 sequence or part of a stop string) and returns false to
  // cancel; on_done is called exactly once, last.
  std::function<bool(std::string_view)> on_text;
  std::function<void(const JobResult&)> on_done;
  // Set from any thread to cancel; seen at the next step.
  std::atomic<bool> cancelled{false};
};

// Jobs waiting for a slot, counted across generators (a server's queue
// limit covers all its models): submit() refuses a job that would make
// `waiting` exceed `max`.
struct QueueLimit {
  std::shared_ptr<std::atomic<int64_t>> waiting;
  int64_t max = 0;
};

struct QueueFull : Error {
  using Error::Error;
};

class BatchGenerator {
 public:
  // Slots: one per sequence of the session. Starts the thread.
  explicit BatchGenerator(Session& session, QueueLimit limit = {});
  ~BatchGenerator();  // cancels every job (their on_done runs) and joins
  BatchGenerator(const BatchGenerator&) = delete;
  BatchGenerator& operator=(const BatchGenerator&) = delete;

  // Queues a job (FIFO). Throws hearth::Error for an empty prompt or one that
  // does not fit in a slot's context, and QueueFull past the queue limit,
  // before queueing anything.
  void submit(std::shared_ptr<Job> job);

  int slots() const { return session_.n_seq(); }
  // Jobs waiting for a slot / holding one.
  size_t waiting() const;
  size_t running() const;

 private:
  struct Slot;
  void loop();
  void admit_waiting();
  bool step();
  void finish(Slot& slot, StopReason reason, std::string error = {});
  void sample_and_emit(Slot& slot, std::span<const float> logits);

  Session& session_;
  QueueLimit limit_;
  std::vector<std::unique_ptr<Slot>> slots_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Job>> waiting_;
  std::atomic<size_t> running_{0};
  bool stopping_ = false;
  std::vector<BatchToken> batch_;
  std::vector<Slot*> batch_owner_;  // per logits row: the slot it belongs to
  std::thread thread_;
};

}  // namespace hearth::runtime
