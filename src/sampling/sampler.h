#pragma once
// The sampler chain: repeat penalty -> top-k -> top-p -> min-p -> temperature
// -> draw with a seeded RNG. Temperature <= 0 means greedy: the argmax of the
// model's logits, which the penalties and truncations do not touch (as in
// ollama, so `--temp 0` reproduces plain greedy decoding).
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <vector>

namespace hearth::sampling {

struct Params {
  // Defaults are ollama's.
  float temperature = 0.8f;
  int top_k = 40;            // <= 0: off
  float top_p = 0.9f;        // >= 1: off
  float min_p = 0.0f;        // <= 0: off
  float repeat_penalty = 1.1f;  // 1: off
  int repeat_last_n = 64;    // 0: off, -1: the whole context
  uint64_t seed = 0;
  bool random_seed = true;   // seed from the clock instead of `seed`
};

class Sampler {
 public:
  explicit Sampler(const Params& params);

  // Picks the next token from the logits of one position.
  int32_t sample(std::span<const float> logits);
  // Records a token of the context (prompt or generated) for the penalties.
  void accept(int32_t token);
  void reset();

  const Params& params() const { return params_; }

 private:
  struct Candidate {
    int32_t id;
    float logit;
    float p;
  };
  Params params_;
  std::mt19937_64 rng_;
  std::deque<int32_t> recent_;
  std::vector<Candidate> candidates_;  // reused across calls
};

}  // namespace hearth::sampling
