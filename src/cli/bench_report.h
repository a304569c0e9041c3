#pragma once
// The results of `hearth bench` and how they are printed: llama-bench's
// markdown table and a JSON array with llama-bench's field names.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::cli {

// One test (pp or tg) of one model at one thread count, with its samples.
struct BenchRecord {
  std::string model_filename;
  std::string model_type;  // llama-bench's description: "qwen2 0.5B Q4_0"
  uint64_t model_size = 0;  // bytes of weights
  uint64_t model_n_params = 0;
  std::string cpu_info;     // hearth's backend and kernel level: "cpu (avx2)"
  int n_threads = 0;
  int64_t n_batch = 0;
  std::string type_k;       // KV cache type: "f16"
  int n_prompt = 0;         // tokens in the pp batch (0 for a tg test)
  int n_gen = 0;            // single-token steps (0 for a pp test)
  std::string test_time;    // RFC 3339, UTC
  std::vector<uint64_t> samples_ns;  // one per repetition

  std::string test_name() const;  // "pp512", "tg128", "pp512+tg128"
  std::vector<double> samples_ts() const;  // tokens per second of each sample
};

// Mean, and sample standard deviation (n - 1; 0 for fewer than two values).
double mean(std::span<const double> values);
double sample_stddev(std::span<const double> values);

// llama-bench's size and params cells: "468.64 MiB", "1.10 GiB", "494.03 M", "1.54 B".
std::string format_size(uint64_t bytes);
std::string format_params(uint64_t n_params);

// The markdown table, header first and then one row per record.
std::string markdown_header();
std::string markdown_row(const BenchRecord& record);

// One object per record with llama-bench's JSON fields, plus model, test,
// t_s and stddev.
nlohmann::ordered_json to_json(const BenchRecord& record);

}  // namespace hearth::cli
