#pragma once
// What GET /metrics reports, in Prometheus' text format: requests by
// endpoint and status, prompt and generated tokens, and histograms of the
// time to first token and of each request's generation rate. Gauges (queue
// length, loaded models) are read when the page is rendered.
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hearth::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}
  void observe(double v);
  // Lines "<name>_bucket{le=..} n", "_sum", "_count".
  std::string render(const std::string& name) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  void request(const std::string& endpoint, int status);
  void tokens(int64_t prompt, int64_t generated);
  void first_token(double seconds);
  void generation_rate(double tokens_per_second);
  std::string render(size_t queued, size_t loaded_models, size_t running) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  uint64_t prompt_tokens_ = 0, generated_tokens_ = 0;
  Histogram ttft_, rate_;
};

}  // namespace hearth::server
