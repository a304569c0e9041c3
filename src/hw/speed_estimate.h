#pragma once
// Predicted prompt processing and generation speed on the CPU, from the rates
// measured on this machine (measured_rates.h), for the tests hearth bench runs:
//
//   pp P: one forward step over P tokens, logits of the last one. Per weight
//         matrix the larger of compute (2 * K * R * tokens / its type's
//         prompt FLOP/s at that shape and token count) and its bytes /
//         decode bandwidth (for a matrix of its size); plus causal
//         attention (4 * heads * head_dim * sum of each token's visible
//         positions / attention FLOP/s) and the element-wise ops (norms,
//         rope, residual adds, the GLU, KV writes) at their measured cost
//         per element. The output matrix meets one token. Experts each meet
//         P * n_expert_used / n_expert tokens on average.
//   tg N: N single-token steps. Per step the bytes of every matrix a token
//         multiplies with (the routed experts only) / that type's decode
//         bandwidth for a matrix of its size, the KV cache read by attention at that step's context
//         length / attention bandwidth, and a fixed cost per thread-pool
//         dispatch (matmuls and attention).
#include <cstdint>
#include <string>

#include "hw/measured_rates.h"
#include "hw/model_shape.h"
#include "tensor/dtype.h"

namespace hearth::hw {

struct SpeedPlan {
  int n_prompt = 512;
  int n_gen = 128;
  int64_t depth = 0;  // tokens already in the context before each test (hearth bench: 0)
  tensor::DType kv_type = tensor::DType::F16;
};

struct PhaseEstimate {
  double seconds = 0;
  double tokens_per_s = 0;
  double compute_s = 0;      // matmul time where arithmetic bounds it
  double bandwidth_s = 0;    // matmul time where reading weights bounds it
  double attention_s = 0;
  double elementwise_s = 0;  // element-wise ops (pp) or dispatch overhead (tg)
  std::string bottleneck;    // "compute" or "memory bandwidth"
};

struct SpeedEstimate {
  PhaseEstimate pp, tg;
  uint64_t bytes_per_token = 0;   // weights a generated token reads
  uint64_t active_params = 0;     // parameters a token multiplies with
  double flops_per_prompt_token = 0;
};

SpeedEstimate estimate_speed(const ModelShape& shape, const MeasuredRates& rates, const SpeedPlan& plan);

}  // namespace hearth::hw
