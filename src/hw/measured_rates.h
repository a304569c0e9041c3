#pragma once
// What this machine's CPU does with hearth's own kernels, measured through
// the CPU backend: memory read bandwidth, and per weight type the arithmetic
// rate of a prompt-sized matmul and the weight bandwidth of a decode-sized
// one, plus attention. Speed predictions (speed_estimate.h) are built on them.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tensor/dtype.h"

namespace hearth::hw {

// A prompt matmul's rate at one shape: 2*K*R*T / time, T = kPromptTokens,
// weights already packed. It depends on the shape (wide outputs of a short K
// run slower), so it is measured at the corners of the shapes models have.
struct PromptRate {
  int64_t k = 0, rows = 0;
  double gflops = 0;
};

struct KernelRate {
  tensor::DType type;
  std::vector<PromptRate> prompt;  // at prompt_shapes(), T = kPromptTokens
  double decode_gbps = 0;          // weight bytes (as stored in the file) / time, T = 1, weights from DRAM
  // The same for a matrix the size of an expert's (kSmallDecodeK x
  // kSmallDecodeRows): a short matrix streams slower. 0: not measured.
  double small_decode_gbps = 0;
  // GFLOP/s at kFewTokens tokens / at kPromptTokens (K 4096, 1024 rows), as
  // the experts of a prompt see a few tokens each. 0: not measured.
  double few_tokens_ratio = 0;

  // Interpolated log-linearly in K and rows between the measured shapes,
  // clamped to them.
  double prompt_gflops(int64_t k, int64_t rows) const;
  // The same at `tokens` tokens: scaled by few_tokens_ratio at kFewTokens or
  // fewer, log-linearly between kFewTokens and kPromptTokens.
  double prompt_gflops(int64_t k, int64_t rows, double tokens) const;
  // Decode bandwidth for a matrix of `bytes`: log-linear in bytes between the
  // small and the large measured matrix, clamped to them.
  double decode_gbps_for(double bytes) const;
};

// Causal attention over a prompt costs, per head and visible position, a
// fixed part (scores, softmax) and a part per head dimension (q.k, v sum).
struct AttentionRates {
  double position_ns = 0;      // per head and visible position
  double dimension_ns = 0;     // per head, visible position and head dimension
  double decode_gbps = 0;      // KV bytes read / time, one token over a long f16 cache
  double prompt_gflops(int64_t head_dim) const;  // 4 * head_dim FLOPs per head and position
};

// The element-wise ops of a layer, in nanoseconds per element as the CPU
// backend runs them at prompt size (most on one thread).
struct ElementwiseRates {
  double norm_ns = 0;        // rms_norm, per element
  double add_ns = 0;         // add (residuals, biases), per element
  double glu_ns = 0;         // swiglu, per output element
  double store_ns = 0;       // store_rows into an f16 KV cache, per element
  double rope_angle_ns = 0;  // rope: per token and rotated pair (the sin/cos, shared by a call's heads)
  double rope_pair_ns = 0;   // rope: per token, head and rotated pair
};

struct MeasuredRates {
  int threads = 0;
  double read_gbps = 0;                 // all threads summing a 1 GiB array
  std::vector<KernelRate> kernels;      // the types of measured_types()
  AttentionRates attention;             // f16 KV cache
  double op_latency_us = 0;             // one small matmul through the thread pool (decode's fixed cost)
  ElementwiseRates elementwise;
  double seconds = 0;                   // how long measuring took
  double load_average = -1;             // the 1-minute load average when measuring began (-1: unknown)

  // The rate for type t: its own, else that of the measured type whose kernel is most alike.
  const KernelRate& kernel(tensor::DType t) const;
};

constexpr int kPromptTokens = 512, kFewTokens = 32;
// The matrices decode bandwidth is measured on: a large one and one of an
// expert's size (qwen3-30b-a3b's ffn_gate_exps).
constexpr int64_t kDecodeK = 4096, kDecodeRows = 4096, kSmallDecodeK = 2048, kSmallDecodeRows = 768;
// The (K, rows) shapes prompt matmuls are measured at.
std::vector<std::pair<int64_t, int64_t>> prompt_shapes();
// The weight types measured: those of the common mixes (F16, Q8_0, Q6_K, Q5_K_M, Q4_K_M, Q4_0).
std::vector<tensor::DType> measured_types();

// Measures with `threads` threads (a few seconds); progress gets a line per step.
MeasuredRates measure_rates(int threads, const std::function<void(const std::string&)>& progress = {});

nlohmann::json to_json(const MeasuredRates& rates);
// Throws hearth::Error when a field is missing or of the wrong kind.
MeasuredRates rates_from_json(const nlohmann::json& j);

}  // namespace hearth::hw
