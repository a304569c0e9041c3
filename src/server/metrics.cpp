#include "server/metrics.h"

#include <cstdio>

namespace hearth::server {

namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Prometheus label values escape backslash, quote and newline.
std::string label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

}  // namespace

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

std::string Histogram::render(const std::string& name) const {
  std::string out;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += name + "_bucket{le=\"" + number(bounds_[i]) + "\"} " + std::to_string(cumulative) + "\n";
  }
  cumulative += counts_.back();
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += name + "_sum " + number(sum_) + "\n";
  out += name + "_count " + std::to_string(count_) + "\n";
  return out;
}

Metrics::Metrics()
    : ttft_({0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}),
      rate_({1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000}) {}

void Metrics::request(const std::string& endpoint, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::tokens(int64_t prompt, int64_t generated) {
  std::lock_guard<std::mutex> lock(mutex_);
  prompt_tokens_ += static_cast<uint64_t>(prompt);
  generated_tokens_ += static_cast<uint64_t>(generated);
}

void Metrics::first_token(double seconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  ttft_.observe(seconds);
}

void Metrics::generation_rate(double tokens_per_second) {
  std::lock_guard<std::mutex> lock(mutex_);
  rate_.observe(tokens_per_second);
}

std::string Metrics::render(size_t queued, size_t loaded_models, size_t running) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  out += "# HELP hearth_requests_total HTTP requests answered, by endpoint and status.\n";
  out += "# TYPE hearth_requests_total counter\n";
  for (const auto& [key, n] : requests_)
    out += "hearth_requests_total{endpoint=\"" + label(key.first) + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  out += "# HELP hearth_prompt_tokens_total Prompt tokens evaluated.\n# TYPE hearth_prompt_tokens_total counter\n";
  out += "hearth_prompt_tokens_total " + std::to_string(prompt_tokens_) + "\n";
  out += "# HELP hearth_generated_tokens_total Tokens generated.\n# TYPE hearth_generated_tokens_total counter\n";
  out += "hearth_generated_tokens_total " + std::to_string(generated_tokens_) + "\n";
  out += "# HELP hearth_queue_length Requests waiting for a model or a slot.\n# TYPE hearth_queue_length gauge\n";
  out += "hearth_queue_length " + std::to_string(queued) + "\n";
  out += "# HELP hearth_running_requests Requests holding a generation slot.\n# TYPE hearth_running_requests gauge\n";
  out += "hearth_running_requests " + std::to_string(running) + "\n";
  out += "# HELP hearth_loaded_models Models in memory.\n# TYPE hearth_loaded_models gauge\n";
  out += "hearth_loaded_models " + std::to_string(loaded_models) + "\n";
  out += "# HELP hearth_time_to_first_token_seconds From request to first generated text.\n";
  out += "# TYPE hearth_time_to_first_token_seconds histogram\n";
  out += ttft_.render("hearth_time_to_first_token_seconds");
  out += "# HELP hearth_generation_tokens_per_second Generated tokens per second, per request.\n";
  out += "# TYPE hearth_generation_tokens_per_second histogram\n";
  out += rate_.render("hearth_generation_tokens_per_second");
  return out;
}

}  // namespace hearth::server
