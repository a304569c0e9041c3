#include "cli/bench_report.h"

#include <cmath>
#include <cstdio>
#include <numeric>

namespace hearth::cli {

namespace {

std::string printf_string(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

// A cell padded to width; negative widths align left. Widths count code
// points, so the "±" of the t/s column takes one place.
std::string cell(const std::string& text, int width) {
  size_t shown = 0;
  for (unsigned char c : text) shown += (c & 0xC0) != 0x80;
  const size_t w = static_cast<size_t>(std::abs(width));
  const size_t pad = shown < w ? w - shown : 0;
  std::string out = " ";
  if (width > 0) out.append(pad, ' ');
  out += text;
  if (width < 0) out.append(pad, ' ');
  out += " |";
  return out;
}

struct Column {
  const char* title;
  int width;  // llama-bench's widths
};
constexpr Column kColumns[] = {{"model", -30}, {"size", 10}, {"params", 10}, {"backend", -10},
                               {"threads", 7}, {"test", 15}, {"t/s", 20}};

}  // namespace

std::string BenchRecord::test_name() const {
  if (n_gen == 0) return "pp" + std::to_string(n_prompt);
  if (n_prompt == 0) return "tg" + std::to_string(n_gen);
  return "pp" + std::to_string(n_prompt) + "+tg" + std::to_string(n_gen);
}

std::vector<double> BenchRecord::samples_ts() const {
  std::vector<double> ts;
  const double tokens = n_prompt + n_gen;
  for (uint64_t ns : samples_ns) ts.push_back(ns > 0 ? 1e9 * tokens / static_cast<double>(ns) : 0.0);
  return ts;
}

double mean(std::span<const double> values) {
  if (values.empty()) return 0;
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double sample_stddev(std::span<const double> values) {
  if (values.size() < 2) return 0;
  const double m = mean(values);
  double squares = 0;
  for (double v : values) squares += (v - m) * (v - m);
  return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

std::string format_size(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (bytes < (uint64_t{1} << 30)) return printf_string("%.2f MiB", b / 1024 / 1024);
  return printf_string("%.2f GiB", b / 1024 / 1024 / 1024);
}

std::string format_params(uint64_t n_params) {
  const double n = static_cast<double>(n_params);
  if (n_params < 1000000000) return printf_string("%.2f M", n / 1e6);
  return printf_string("%.2f B", n / 1e9);
}

std::string markdown_header() {
  std::string titles = "|", rule = "|";
  for (const Column& c : kColumns) {
    titles += cell(c.title, c.width);
    rule.append(" ").append(std::abs(c.width) - 1, '-').append(c.width > 0 ? ":" : "-").append(" |");
  }
  return titles + "\n" + rule + "\n";
}

std::string markdown_row(const BenchRecord& r) {
  const std::vector<double> ts = r.samples_ts();
  char speed[96];
  std::snprintf(speed, sizeof speed, "%.2f ± %.2f", mean(ts), sample_stddev(ts));
  const std::string values[] = {r.model_type, format_size(r.model_size), format_params(r.model_n_params),
                                "CPU",        std::to_string(r.n_threads), r.test_name(), speed};
  std::string row = "|";
  for (size_t i = 0; i < std::size(kColumns); ++i) row += cell(values[i], kColumns[i].width);
  return row + "\n";
}

nlohmann::ordered_json to_json(const BenchRecord& r) {
  std::vector<double> ns(r.samples_ns.begin(), r.samples_ns.end());
  const std::vector<double> ts = r.samples_ts();
  nlohmann::ordered_json j;
  j["model"] = r.model_type;
  j["test"] = r.test_name();
  j["t_s"] = mean(ts);
  j["stddev"] = sample_stddev(ts);
  j["cpu_info"] = r.cpu_info;
  j["backends"] = "CPU";
  j["model_filename"] = r.model_filename;
  j["model_type"] = r.model_type;
  j["model_size"] = r.model_size;
  j["model_n_params"] = r.model_n_params;
  j["n_batch"] = r.n_batch;
  j["n_ubatch"] = r.n_batch;
  j["n_threads"] = r.n_threads;
  j["type_k"] = r.type_k;
  j["type_v"] = r.type_k;
  j["n_prompt"] = r.n_prompt;
  j["n_gen"] = r.n_gen;
  j["n_depth"] = 0;
  j["test_time"] = r.test_time;
  j["avg_ns"] = static_cast<uint64_t>(std::llround(mean(ns)));
  j["stddev_ns"] = static_cast<uint64_t>(std::llround(sample_stddev(ns)));
  j["avg_ts"] = mean(ts);
  j["stddev_ts"] = sample_stddev(ts);
  j["samples_ns"] = r.samples_ns;
  j["samples_ts"] = ts;
  return j;
}

}  // namespace hearth::cli
