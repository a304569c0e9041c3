#include "server/generation.h"

#include "core/clock.h"

namespace hearth::server {

std::shared_ptr<Generation> Generation::start(LoadedModel& model, std::vector<int32_t> prompt,
                                              const RequestOptions& options,
                                              std::unique_ptr<runtime::TokenConstraint> constraint) {
  std::shared_ptr<Generation> g(new Generation());
  auto job = std::make_shared<runtime::Job>();
  job->prompt = std::move(prompt);
  job->params = options.gen;
  job->constraint = std::move(constraint);
  // The generator outlives neither: it holds the job, the job holds weak
  // references back, so a finished request frees everything.
  std::weak_ptr<Generation> weak = g;
  job->on_text = [weak](std::string_view text) {
    auto self = weak.lock();
    if (!self) return false;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      if (self->first_text_ns_ == 0) self->first_text_ns_ = now_ns();
      self->events_.push_back(Event{std::string(text), std::nullopt});
    }
    self->ready_.notify_all();
    return true;
  };
  job->on_done = [weak](const runtime::JobResult& result) {
    auto self = weak.lock();
    if (!self) return;
    {
      std::lock_guard<std::mutex> lock(self->mutex_);
      self->events_.push_back(Event{{}, result});
    }
    self->ready_.notify_all();
  };
  g->job_ = job;
  g->submitted_ns_ = now_ns();
  model.generator().submit(std::move(job));
  return g;
}

std::optional<Generation::Event> Generation::next(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!ready_.wait_for(lock, wait, [&] { return !events_.empty(); })) return std::nullopt;
  Event e = std::move(events_.front());
  events_.pop_front();
  return e;
}

runtime::JobResult Generation::finish(std::string& text) {
  for (;;) {
    auto e = next(std::chrono::milliseconds(1000));
    if (!e) continue;
    if (e->end) return *e->end;
    text += e->text;
  }
}

int64_t Generation::first_text_ns() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return first_text_ns_;
}

}  // namespace hearth::server
