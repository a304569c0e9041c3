#pragma once
// The sampler chain: repeat penalty -> top-k -> top-p -> min-p -> temperature
// -> draw with a seeded RNG. Temperature <= 0 means greedy: the argmax of the
// model's logits, which the penalties and truncations do not touch (as in
// ollama, so `--temp 0` reproduces plain greedy decoding).
//
// With a TokenConstraint (structured output) only the tokens it allows are
// candidates: greedy takes the best allowed one, random sampling runs the
// same chain over the allowed tokens only.
#include <array>
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <vector>

namespace hearth::sampling {

class TokenConstraint;

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

  // Restricts sample() to the tokens `constraint` allows (nullptr: no
  // restriction). Not owned, and not advanced here: after sample(), the
  // caller passes the token to constraint->accept() (and to accept()).
  // sample() throws hearth::Error when the constraint allows no token.
  void set_constraint(const TokenConstraint* constraint) { constraint_ = constraint; }

  const Params& params() const { return params_; }

 private:
  struct Candidate {
    int32_t id;
    float logit;
    float p;
  };
  // With repeat_last_n == -1 ("the whole context") accept() keeps at most
  // this many tokens: the sampler does not know the context length, and 4096
  // bounds the per-token cost of the penalty.
  static constexpr size_t kMaxHistory = 4096;

  size_t history_cap() const;
  void collect_penalized(size_t n_vocab);
  size_t truncate_top_p(size_t n);
  int32_t draw(size_t n);
  int32_t finish(size_t n);
  int32_t sample_constrained(std::span<const float> logits);

  Params params_;
  const TokenConstraint* constraint_ = nullptr;
  uint64_t seed_ = 0;  // the seed in use (drawn once when random_seed)
  std::mt19937_64 rng_;
  std::deque<int32_t> recent_;
  std::vector<Candidate> candidates_;  // reused across calls
  std::vector<int32_t> penalized_;     // distinct recent ids, sorted; reused
  std::vector<Candidate> ranked_;      // constrained sampling: every token, as a heap; reused
  static constexpr size_t kTopPBuckets = 512;
  std::array<double, kTopPBuckets> bucket_mass_{};  // top-p's probability per logit bucket
};

}  // namespace hearth::sampling
