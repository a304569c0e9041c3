#pragma once
// One generation request in flight: submitted to its model's
// BatchGenerator, its text and final result handed from the generator's
// thread to the HTTP thread that answers the client.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/batch_generator.h"
#include "server/loaded_model.h"
#include "server/options.h"

namespace hearth::server {

class Generation {
 public:
  struct Event {
    std::string text;                       // a piece of text, or
    std::optional<runtime::JobResult> end;  // the end (last event)
  };

  // Submits prompt to the model's generator. constraint: nullptr or the
  // structured-output constraint.
  static std::shared_ptr<Generation> start(LoadedModel& model, std::vector<int32_t> prompt,
                                           const RequestOptions& options,
                                           std::unique_ptr<runtime::TokenConstraint> constraint);

  // The next event, waiting at most `wait`; nullopt on timeout.
  std::optional<Event> next(std::chrono::milliseconds wait);
  // Waits for the end, collecting the text.
  runtime::JobResult finish(std::string& text);
  // The client is gone: the generator drops the job at its next step.
  void cancel() { job_->cancelled.store(true); }
  int64_t submitted_ns() const { return submitted_ns_; }
  // When the first text arrived (0: not yet).
  int64_t first_text_ns() const;

 private:
  Generation() = default;
  std::shared_ptr<runtime::Job> job_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Event> events_;
  int64_t submitted_ns_ = 0;
  int64_t first_text_ns_ = 0;
};

}  // namespace hearth::server
