// The sampler chain, checked through its only output: the tokens it draws.
//
// Distribution tests compare empirical frequencies over N draws with the
// distribution the chain should produce, computed here independently in
// double precision. The count of token i is Binomial(N, p_i), so its frequency
// has standard error sqrt(p_i (1 - p_i) / N); we allow 5 standard errors. A
// correct sampler would fail such a check with probability below 1e-6 per
// token (and the seeds are fixed, so the tests are deterministic), while every
// wrong variant the tests guard against (a step skipped, applied in the wrong
// order, or with the wrong rule) moves some frequency by far more than that;
// the margins are noted where it matters.
#include "sampling/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "core/error.h"

// Counts calls of the global operator new (alloc_count.cpp replaces it).
long allocation_count();

namespace hearth::sampling {
namespace {

// Plain sampling at temperature 1 with every truncation and penalty off.
Params plain(uint64_t seed = 1234) {
  Params p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.repeat_last_n = 64;
  p.seed = seed;
  p.random_seed = false;
  return p;
}

std::vector<double> softmax(const std::vector<double>& logits, double t = 1.0) {
  const double mx = *std::max_element(logits.begin(), logits.end());
  std::vector<double> p(logits.size());
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp((logits[i] - mx) / t);
  for (double& v : p) v /= sum;
  return p;
}

std::vector<float> to_float(const std::vector<double>& v) { return {v.begin(), v.end()}; }

std::vector<int> histogram(Sampler& s, const std::vector<float>& logits, int n) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < n; ++i) {
    const int32_t t = s.sample(logits);
    EXPECT_GE(t, 0);
    EXPECT_LT(t, static_cast<int32_t>(logits.size()));
    if (t >= 0 && t < static_cast<int32_t>(logits.size())) ++counts[static_cast<size_t>(t)];
  }
  return counts;
}

// Frequencies within 5 standard errors of p; tokens with p == 0 never drawn.
void expect_distribution(const std::vector<int>& counts, const std::vector<double>& p, int n) {
  ASSERT_EQ(counts.size(), p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " must never be drawn";
      continue;
    }
    const double freq = static_cast<double>(counts[i]) / n;
    const double se = std::sqrt(p[i] * (1 - p[i]) / n);
    EXPECT_NEAR(freq, p[i], 5 * se) << "token " << i;
  }
}

// The distribution after keeping only `keep` and renormalising.
std::vector<double> restrict_to(const std::vector<double>& logits, const std::vector<bool>& keep, double t = 1.0) {
  std::vector<double> l = logits;
  for (size_t i = 0; i < l.size(); ++i)
    if (!keep[i]) l[i] = -INFINITY;
  return softmax(l, t);
}

constexpr int kDraws = 20000;

// ------------------------------------------------------------------ greedy

TEST(Sampler, GreedyIsArgmaxIgnoringPenalties) {
  Params p = plain();
  p.temperature = 0.0f;
  p.repeat_penalty = 10.0f;  // would push token 2 far below token 0 if applied
  p.top_k = 1;
  p.top_p = 0.1f;
  p.min_p = 0.5f;
  Sampler s(p);
  const std::vector<float> logits = {1.0f, -3.0f, 5.0f, 4.9f, 0.0f};
  for (int i = 0; i < 5; ++i) s.accept(2);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(s.sample(logits), 2);
  p.temperature = -1.0f;  // negative is greedy too
  Sampler s2(p);
  s2.accept(2);
  EXPECT_EQ(s2.sample(logits), 2);
}

TEST(Sampler, GreedyTiesGoToTheLowestId) {
  Params p = plain();
  p.temperature = 0.0f;
  Sampler s(p);
  EXPECT_EQ(s.sample(std::vector<float>{1.0f, 3.0f, 2.0f, 3.0f, 3.0f}), 1);
  EXPECT_EQ(s.sample(std::vector<float>{-2.0f, -2.0f}), 0);
  EXPECT_EQ(s.sample(std::vector<float>{7.0f}), 0);
}

TEST(Sampler, TopK1IsArgmax) {
  Params p = plain(99);
  p.top_k = 1;
  Sampler s(p);
  Params g = plain();
  g.temperature = 0.0f;
  Sampler greedy(g);
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  for (int round = 0; round < 200; ++round) {
    std::vector<float> logits(1000);
    for (float& l : logits) l = dist(rng);
    if (round % 10 == 0) logits[17] = logits[900] = 100.0f;  // a tie: lowest id
    EXPECT_EQ(s.sample(logits), greedy.sample(logits)) << "round " << round;
  }
}

TEST(Sampler, EmptyLogitsThrow) {
  Sampler s(plain());
  EXPECT_THROW(s.sample(std::span<const float>()), Error);
}

// ------------------------------------------------------------------ seeds

std::vector<int32_t> run_sequence(const Params& p, int steps) {
  Sampler s(p);
  std::mt19937 rng(77);  // the same logits sequence every time
  std::normal_distribution<float> dist(0.0f, 1.5f);
  std::vector<int32_t> out;
  std::vector<float> logits(500);
  for (int i = 0; i < steps; ++i) {
    for (float& l : logits) l = dist(rng);
    out.push_back(s.sample(logits));
    s.accept(out.back());
  }
  return out;
}

TEST(Sampler, SameSeedSameTokens) {
  Params p = plain(42);
  p.top_k = 50;
  p.top_p = 0.95f;
  p.min_p = 0.01f;
  p.repeat_penalty = 1.3f;
  p.temperature = 0.9f;
  const auto a = run_sequence(p, 1000);
  const auto b = run_sequence(p, 1000);
  EXPECT_EQ(a, b);
  // Not a constant sequence: the draws do depend on the random stream.
  EXPECT_GT(std::set<int32_t>(a.begin(), a.end()).size(), 100u);
}

TEST(Sampler, ResetReplaysTheSameTokens) {
  Params p = plain(5);
  p.repeat_penalty = 1.5f;
  Sampler s(p);
  const std::vector<float> logits(300, 0.0f);
  std::vector<int32_t> first, second;
  for (int i = 0; i < 100; ++i) first.push_back(s.sample(logits)), s.accept(first.back());
  s.reset();
  for (int i = 0; i < 100; ++i) second.push_back(s.sample(logits)), s.accept(second.back());
  EXPECT_EQ(first, second);
}

TEST(Sampler, DifferentSeedsDiffer) {
  const auto a = run_sequence(plain(1), 200);
  const auto b = run_sequence(plain(2), 200);
  // 500 near-uniform tokens: two independent streams agree on a draw rarely.
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  EXPECT_LT(same, 40);
}

TEST(Sampler, RandomSeedsDiffer) {
  Params p = plain();
  p.random_seed = true;
  const std::vector<float> logits(1000, 0.0f);
  Sampler a(p), b(p);
  int same = 0;
  for (int i = 0; i < 64; ++i) same += a.sample(logits) == b.sample(logits);
  EXPECT_LT(same, 10);
}

// ------------------------------------------------------------------ softmax

TEST(Sampler, FrequenciesMatchSoftmaxOverTemperature) {
  const std::vector<double> logits = {1.0, 2.0, 0.5, -1.0, 3.0, 0.0};
  for (double t : {0.7, 1.0, 2.0}) {
    SCOPED_TRACE(t);
    Params p = plain(static_cast<uint64_t>(t * 1000));
    p.temperature = static_cast<float>(t);
    Sampler s(p);
    // With t = 0.7 vs 1.0 the top token's probability is 0.75 vs 0.61, some
    // 40 standard errors apart: an ignored temperature cannot pass.
    expect_distribution(histogram(s, to_float(logits), kDraws), softmax(logits, t), kDraws);
  }
}

// ------------------------------------------------------------------ top-k

TEST(Sampler, TopKNeverDrawsBeyondK) {
  // Nearly flat logits, so without top-k every token would be drawn often.
  const std::vector<double> logits = {1.00, 1.05, 0.90, 1.10, 0.95, 1.02, 0.80, 1.08, 0.99, 0.70};
  Params p = plain(11);
  p.top_k = 3;
  Sampler s(p);
  // The three highest: ids 3 (1.10), 7 (1.08), 1 (1.05).
  std::vector<bool> keep(logits.size(), false);
  keep[3] = keep[7] = keep[1] = true;
  expect_distribution(histogram(s, to_float(logits), kDraws), restrict_to(logits, keep), kDraws);
}

TEST(Sampler, TopKLargerThanVocabKeepsAll) {
  const std::vector<double> logits = {0.0, 1.0, 2.0};
  Params p = plain(12);
  p.top_k = 40;
  Sampler s(p);
  expect_distribution(histogram(s, to_float(logits), kDraws), softmax(logits), kDraws);
}

// ------------------------------------------------------------------ top-p

// Probabilities 0.5, 0.3, 0.15, 0.05, stored out of order.
const std::vector<double> kFour = {std::log(0.15), std::log(0.5), std::log(0.05), std::log(0.3)};

TEST(Sampler, TopPKeepsTheSmallestNucleus) {
  Params p = plain(21);
  p.top_p = 0.75f;  // 0.5 < 0.75 <= 0.5 + 0.3: keep ids 1 and 3
  Sampler s(p);
  expect_distribution(histogram(s, to_float(kFour), kDraws),
                      restrict_to(kFour, {false, true, false, true}), kDraws);
}

TEST(Sampler, TopPKeepsAtLeastOne) {
  for (float top_p : {0.0f, 0.3f}) {
    Params p = plain(22);
    p.top_p = top_p;
    Sampler s(p);
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(s.sample(to_float(kFour)), 1);
  }
}

TEST(Sampler, TopPBeforeTemperature) {
  // A high temperature flattens the distribution, but the nucleus is chosen
  // from the untempered probabilities: still ids 1 and 3 only, in the ratio
  // (0.5 : 0.3)^(1/T).
  Params p = plain(23);
  p.top_p = 0.75f;
  p.temperature = 5.0f;
  Sampler s(p);
  expect_distribution(histogram(s, to_float(kFour), kDraws),
                      restrict_to(kFour, {false, true, false, true}, 5.0), kDraws);
}

// 150k tokens: every draw must come from the nucleus, computed here by a full
// sort in double; `min_distinct` draws must differ, so the test also fails if
// the nucleus is cut short.
void check_large_nucleus(double sd, int boosted, double top_p, size_t min_k, size_t max_k,
                         size_t min_distinct) {
  const size_t n = 150000;
  std::mt19937 rng(3);
  std::normal_distribution<double> dist(0.0, sd);
  std::vector<double> logits(n);
  for (double& l : logits) l = dist(rng);
  for (int i = 0; i < boosted; ++i) logits[rng() % n] += 12.0;  // a few strong candidates
  const auto lf = to_float(logits);
  // The nucleus from the float logits the sampler sees, in double. A token
  // whose inclusion hinges on the last 1e-6 of cumulative probability could
  // go either way with the sampler's float arithmetic, so the boundary is
  // taken 1e-6 generously.
  for (size_t i = 0; i < n; ++i) logits[i] = lf[i];
  const auto prob = softmax(logits);
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prob[a] > prob[b]; });
  std::vector<bool> nucleus(n, false);
  double cum = 0;
  size_t k = 0;
  while (cum < top_p + 1e-6) cum += prob[order[k]], nucleus[order[k++]] = true;
  ASSERT_GE(k, min_k);  // the scenario has the nucleus size it is meant to
  ASSERT_LE(k, max_k);
  Params p = plain(24);
  p.top_p = static_cast<float>(top_p);
  Sampler s(p);
  std::set<int32_t> seen;
  for (int i = 0; i < 200; ++i) {
    const int32_t t = s.sample(lf);
    ASSERT_TRUE(nucleus[static_cast<size_t>(t)]) << "token " << t << " is outside the nucleus";
    seen.insert(t);
  }
  EXPECT_GE(seen.size(), min_distinct);
}

TEST(Sampler, TopPOnALargeVocabulary) {
  // Peaked: a nucleus of a few dozen tokens.
  check_large_nucleus(2.0, 30, 0.9, 10, 100, 4);
  // Flat: a nucleus of thousands (past the sampler's first sorted chunks)
  // and a tail of most of the vocabulary.
  check_large_nucleus(1.0, 0, 0.3, 5000, 60000, 150);
}

// ------------------------------------------------------------------ min-p

TEST(Sampler, MinPExcludesBelowThreshold) {
  Params p = plain(31);
  p.min_p = 0.25f;  // threshold 0.125: drops only 0.05 (id 2)
  Sampler s(p);
  expect_distribution(histogram(s, to_float(kFour), kDraws),
                      restrict_to(kFour, {true, true, false, true}), kDraws);
}

TEST(Sampler, MinPBeforeTemperature) {
  // At T = 5 the ratio 0.05/0.5 would become 0.63 > 0.25 if min-p looked at
  // tempered probabilities; the chain applies temperature last.
  Params p = plain(32);
  p.min_p = 0.25f;
  p.temperature = 5.0f;
  Sampler s(p);
  expect_distribution(histogram(s, to_float(kFour), kDraws),
                      restrict_to(kFour, {true, true, false, true}, 5.0), kDraws);
}

// ------------------------------------------------------------------ penalty

// llama.cpp's rule: positive logits divided by the penalty, others multiplied.
double penalized(double l, double penalty) { return l > 0 ? l / penalty : l * penalty; }

TEST(Sampler, RepeatPenaltyFollowsTheRule) {
  const std::vector<double> logits = {2.0, -1.0, 1.0, 0.5, 0.0};
  Params p = plain(41);
  p.repeat_penalty = 2.0f;
  Sampler s(p);
  s.accept(0);  // positive: 2 -> 1
  s.accept(1);  // negative: -1 -> -2
  s.accept(4);  // zero stays zero
  s.accept(0);  // repeated: still penalised once, not twice
  s.accept(0);
  std::vector<double> want = logits;
  for (size_t i : {0, 1, 4}) want[i] = penalized(want[i], 2.0);
  // p(0) is 0.56 unpenalised, 0.33 penalised once, 0.19 if penalised three
  // times; p(1) is 0.016 with -1 * 2 but 0.070 with -1 / 2: all tens of
  // standard errors apart.
  expect_distribution(histogram(s, to_float(logits), kDraws), softmax(want), kDraws);
}

TEST(Sampler, RepeatPenaltyComesBeforeTopK) {
  // Token 0 leads until penalised: 2.0 / 2 = 1.0 < 1.9, so top-1 is token 1.
  Params p = plain(42);
  p.repeat_penalty = 2.0f;
  p.top_k = 1;
  Sampler s(p);
  const std::vector<float> logits = {2.0f, 1.9f, 0.0f};
  EXPECT_EQ(s.sample(logits), 0);
  s.accept(0);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(s.sample(logits), 1);
}

TEST(Sampler, RepeatPenaltyWindow) {
  const std::vector<float> logits = {2.0f, 1.9f, -5.0f, -5.0f};
  Params p = plain(43);
  p.repeat_penalty = 2.0f;
  p.top_k = 1;
  p.repeat_last_n = 2;
  Sampler s(p);
  s.accept(0);
  EXPECT_EQ(s.sample(logits), 1);  // 0 is in the window
  s.accept(2);
  EXPECT_EQ(s.sample(logits), 1);  // still (window: 0, 2)
  s.accept(3);
  EXPECT_EQ(s.sample(logits), 0);  // window (2, 3): 0 has left it
  // 0 disables the penalty.
  p.repeat_last_n = 0;
  Sampler off(p);
  off.accept(0);
  EXPECT_EQ(off.sample(logits), 0);
  // -1: the whole history (up to the documented cap of 4096 tokens).
  p.repeat_last_n = -1;
  Sampler all(p);
  all.accept(0);
  for (int i = 0; i < 3000; ++i) all.accept(2);
  EXPECT_EQ(all.sample(logits), 1);
  for (int i = 0; i < 2000; ++i) all.accept(3);
  EXPECT_EQ(all.sample(logits), 0);  // 5001 tokens later, 0 is beyond the cap
  // reset() forgets the history.
  Params rp = plain(44);
  rp.repeat_penalty = 2.0f;
  rp.top_k = 1;
  Sampler rs(rp);
  rs.accept(0);
  EXPECT_EQ(rs.sample(logits), 1);
  rs.reset();
  EXPECT_EQ(rs.sample(logits), 0);
}

TEST(Sampler, RepeatPenaltyOneIsOff) {
  const std::vector<double> logits = {1.0, 0.0, -1.0};
  Params p = plain(45);
  p.repeat_penalty = 1.0f;
  Sampler s(p);
  s.accept(0);
  s.accept(2);
  expect_distribution(histogram(s, to_float(logits), kDraws), softmax(logits), kDraws);
}

TEST(Sampler, TokensOutsideTheVocabularyAreIgnored) {
  Params p = plain(46);
  p.repeat_penalty = 2.0f;
  p.top_k = 1;
  Sampler s(p);
  s.accept(-7);
  s.accept(3);
  s.accept(1 << 30);
  EXPECT_EQ(s.sample(std::vector<float>{2.0f, 1.9f, 0.0f}), 0);
}

// ------------------------------------------------------------------ cost

TEST(Sampler, NoAllocationPerCallOnALargeVocabulary) {
  const size_t n = 151936;
  std::mt19937 rng(8);
  std::normal_distribution<float> dist(0.0f, 3.0f);
  std::vector<float> logits(n);
  for (float& l : logits) l = dist(rng);
  Params p;  // ollama's defaults: top-k 40, top-p 0.9, penalty 1.1 over 64
  p.random_seed = false;
  p.seed = 9;
  Sampler s(p);
  for (int i = 0; i < 64; ++i) s.accept(static_cast<int32_t>(rng() % n));
  s.sample(logits);  // warm up: buffers reach their size
  Params q = plain(10);
  q.top_p = 0.5f;
  q.repeat_penalty = 1.2f;
  Sampler nucleus(q);
  for (int i = 0; i < 64; ++i) nucleus.accept(static_cast<int32_t>(rng() % n));
  nucleus.sample(logits);
  const long before = allocation_count();
  for (int i = 0; i < 20; ++i) {
    s.sample(logits);
    nucleus.sample(logits);
  }
  EXPECT_EQ(allocation_count() - before, 0);
}

}  // namespace
}  // namespace hearth::sampling
