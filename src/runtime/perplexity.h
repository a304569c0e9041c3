#pragma once
// Perplexity with llama.cpp's method, so figures compare: the tokens (BOS
// first) are cut into chunks of n_ctx; each chunk is evaluated from scratch
// with its first token replaced by BOS; only the second half of each chunk's
// predictions is scored.
#include <cstdint>
#include <functional>
#include <vector>

#include "runtime/session.h"

namespace hearth::runtime {

struct PerplexityResult {
  int64_t chunks = 0;
  int64_t scored_tokens = 0;
  double nll = 0.0;         // sum of negative log-likelihoods
  double ppl = 0.0;         // exp(nll / scored_tokens)
  double ppl_stderr = 0.0;  // error estimate of ppl, as llama.cpp reports it
};

// session must hold one sequence with n_ctx() == the chunk size. on_chunk,
// when set, receives the running estimate after each chunk.
PerplexityResult perplexity(Session& session, const std::vector<int32_t>& tokens,
                            const std::function<void(int64_t chunk, double ppl)>& on_chunk = {});

}  // namespace hearth::runtime
