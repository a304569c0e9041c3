#include "runtime/perplexity.h"

#include <cmath>

#include "core/error.h"

namespace hearth::runtime {

namespace {

// -log softmax(logits)[target], computed stably in double.
double negative_log_likelihood(std::span<const float> logits, int32_t target) {
  float max = logits[0];
  for (float v : logits) max = std::max(max, v);
  double sum = 0.0;
  for (float v : logits) sum += std::exp(static_cast<double>(v) - max);
  return -(static_cast<double>(logits[target]) - max - std::log(sum));
}

}  // namespace

PerplexityResult perplexity(Session& session, const std::vector<int32_t>& tokens,
                            const std::function<void(int64_t, double)>& on_chunk) {
  const int64_t n_ctx = session.n_ctx();
  const int32_t bos = session.model().vocab().bos();
  if (n_ctx < 4) fail("perplexity needs a context of at least 4 tokens");
  if (static_cast<int64_t>(tokens.size()) < 2 * n_ctx)
    fail("the text has ", tokens.size(), " tokens; perplexity with a context of ", n_ctx, " needs at least ",
         2 * n_ctx);

  PerplexityResult result;
  result.chunks = static_cast<int64_t>(tokens.size()) / n_ctx;
  const int64_t first = n_ctx / 2;
  double sum_nll2 = 0.0;
  std::vector<BatchToken> batch(n_ctx);
  for (int64_t c = 0; c < result.chunks; ++c) {
    const int64_t start = c * n_ctx;
    for (int64_t j = 0; j < n_ctx; ++j) {
      int32_t token = tokens[start + j];
      if (j == 0 && bos >= 0) token = bos;
      // Logits are wanted for positions first .. n_ctx-2, each predicting the next token.
      batch[j] = {token, static_cast<int32_t>(j), 0, j >= first && j < n_ctx - 1};
    }
    session.truncate(0, 0);
    session.decode(batch);
    for (int64_t j = first; j < n_ctx - 1; ++j) {
      const double nll = negative_log_likelihood(session.logits(j - first), tokens[start + j + 1]);
      result.nll += nll;
      sum_nll2 += nll * nll;
      ++result.scored_tokens;
    }
    result.ppl = std::exp(result.nll / static_cast<double>(result.scored_tokens));
    if (on_chunk) on_chunk(c, result.ppl);
  }
  const double n = static_cast<double>(result.scored_tokens);
  const double mean = result.nll / n, mean2 = sum_nll2 / n;
  if (n > 1) result.ppl_stderr = result.ppl * std::sqrt(std::max(0.0, mean2 - mean * mean) / (n - 1));
  return result;
}

}  // namespace hearth::runtime
