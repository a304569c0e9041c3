// Sampler with a TokenConstraint: greedy takes the best allowed token, random
// sampling follows the chain's distribution restricted to allowed tokens,
// and generation with it gives valid JSON.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/error.h"
#include "sampling/constraint.h"
#include "sampling/fake_vocab.h"
#include "sampling/json_schema.h"
#include "sampling/sampler.h"
#include "sampling/schema_oracle.h"

namespace hearth::sampling {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const test::FakeVocab& vocab() {
  static const test::FakeVocab v = test::fake_vocab();
  return v;
}

Params plain(uint64_t seed) {
  Params p;
  p.temperature = 1.0f;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  p.repeat_penalty = 1.0f;
  p.seed = seed;
  p.random_seed = false;
  return p;
}

std::vector<float> random_logits(std::mt19937& rng, float sd = 2.0f) {
  std::normal_distribution<float> dist(0.0f, sd);
  std::vector<float> l(vocab().pieces.size());
  for (float& x : l) x = dist(rng);
  return l;
}

TokenConstraint constraint_for(const char* schema) {
  return TokenConstraint(grammar_from_json_schema(ordered_json::parse(schema)), vocab().pieces, vocab().end_tokens);
}

TEST(SamplerConstraint, GreedyTakesTheBestAllowedToken) {
  const char* schema = R"({"type":"object","properties":{"tags":{"type":"array","items":{"enum":["red","green"]}},
                           "n":{"type":"integer"}},"required":["tags","n"]})";
  TokenConstraint c = constraint_for(schema);
  Params p = plain(1);
  p.temperature = 0.0f;
  Sampler s(p);
  s.set_constraint(&c);
  std::mt19937 rng(5);
  std::string text;
  int steps = 0;
  while (!c.done() && steps++ < 500) {
    std::vector<float> logits = random_logits(rng);
    // Make the end tokens likely once they are allowed, so that the text ends.
    for (int32_t e : vocab().end_tokens) logits[static_cast<size_t>(e)] += 3.0f;
    int32_t best = -1;
    for (int32_t t = 0; t < static_cast<int32_t>(logits.size()); ++t)
      if (c.allowed(t) && (best < 0 || logits[static_cast<size_t>(t)] > logits[static_cast<size_t>(best)])) best = t;
    const int32_t got = s.sample(logits);
    ASSERT_EQ(got, best) << "after " << text;
    c.accept(got);
    s.accept(got);
    if (!c.done()) text += vocab().pieces[static_cast<size_t>(got)];
  }
  ASSERT_TRUE(c.done()) << text;
  EXPECT_EQ(test::schema_violation(json::parse(text), json::parse(schema)), "") << text;
}

// Frequencies of `draws` samples at one constraint state.
std::vector<int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::vector<int> counts(logits.size(), 0);
  for (int i = 0; i < draws; ++i) ++counts[static_cast<size_t>(s.sample(logits))];
  return counts;
}

void expect_distribution(const std::vector<int>& counts, const std::vector<double>& p, int n) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0) {
      EXPECT_EQ(counts[i], 0) << "token " << i << " (" << vocab().pieces[i] << ") must never be drawn";
      continue;
    }
    const double se = std::sqrt(p[i] * (1 - p[i]) / n);
    EXPECT_NEAR(static_cast<double>(counts[i]) / n, p[i], 5 * se) << "token " << i;
  }
}

std::vector<double> softmax_over(const std::vector<float>& logits, const std::vector<bool>& keep, double t) {
  double mx = -INFINITY;
  for (size_t i = 0; i < logits.size(); ++i)
    if (keep[i]) mx = std::max(mx, static_cast<double>(logits[i]));
  std::vector<double> p(logits.size(), 0.0);
  double sum = 0;
  for (size_t i = 0; i < logits.size(); ++i)
    if (keep[i]) sum += p[i] = std::exp((logits[i] - mx) / t);
  for (double& x : p) x /= sum;
  return p;
}

TEST(SamplerConstraint, RandomSamplingIsTheChainOverAllowedTokens) {
  TokenConstraint c = constraint_for(R"({"type":"boolean"})");
  std::vector<bool> allowed(vocab().pieces.size());
  size_t n_allowed = 0;
  for (size_t t = 0; t < allowed.size(); ++t) n_allowed += allowed[t] = c.allowed(static_cast<int32_t>(t));
  ASSERT_GE(n_allowed, 5u);  // t, f, tru, true, fal, false
  std::mt19937 rng(9);
  std::vector<float> logits = random_logits(rng, 1.0f);
  // A disallowed token with the highest logit of all must never be drawn.
  logits[0] = 50.0f;
  constexpr int kDraws = 20000;
  {
    Params p = plain(3);
    p.temperature = 0.7f;
    Sampler s(p);
    s.set_constraint(&c);
    expect_distribution(histogram(s, logits, kDraws), softmax_over(logits, allowed, 0.7), kDraws);
  }
  {
    // top-k counts allowed tokens only: the 3 best of them.
    Params p = plain(4);
    p.top_k = 3;
    Sampler s(p);
    s.set_constraint(&c);
    std::vector<size_t> order;
    for (size_t t = 0; t < allowed.size(); ++t)
      if (allowed[t]) order.push_back(t);
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return logits[a] > logits[b]; });
    std::vector<bool> top3(allowed.size(), false);
    for (size_t i = 0; i < 3; ++i) top3[order[i]] = true;
    expect_distribution(histogram(s, logits, kDraws), softmax_over(logits, top3, 1.0), kDraws);
  }
}

TEST(SamplerConstraint, NoAllowedTokenIsAnError) {
  // A vocabulary that cannot spell the grammar's values.
  TokenConstraint c(grammar_from_json_schema(ordered_json::parse(R"({"type":"boolean"})")),
                    std::vector<std::string>{"x", "y", "1", ""}, std::vector<int32_t>{3});
  for (float t : {0.0f, 1.0f}) {
    Params p = plain(1);
    p.temperature = t;
    p.top_k = t > 0 ? 2 : 0;
    Sampler s(p);
    s.set_constraint(&c);
    try {
      s.sample(std::vector<float>{1.0f, 2.0f, 3.0f, 4.0f});
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("the grammar allows no token"), std::string::npos) << e.what();
    }
  }
}

TEST(SamplerConstraint, WithoutAConstraintNothingChanges) {
  TokenConstraint c = constraint_for("{}");
  Params p = plain(42);
  p.top_k = 40;
  p.top_p = 0.9f;
  p.repeat_penalty = 1.2f;
  Sampler a(p), b(p);
  b.set_constraint(&c);
  std::mt19937 rng(3);
  const std::vector<float> logits = random_logits(rng);
  (void)b.sample(logits);
  b.set_constraint(nullptr);
  b.reset();
  for (int i = 0; i < 200; ++i) {
    const int32_t x = a.sample(logits), y = b.sample(logits);
    ASSERT_EQ(x, y) << i;
    a.accept(x);
    b.accept(y);
  }
}

TEST(SamplerConstraint, GeneratesValidJsonWithTheDefaultChain) {
  const char* schema = R"({"type":"object","properties":{
      "name":{"type":"string","maxLength":8},"ok":{"type":"boolean"},
      "list":{"type":"array","items":{"type":"integer","minimum":0,"maximum":99},"maxItems":3}},
    "required":["name","ok","list"]})";
  for (uint64_t seed = 0; seed < 10; ++seed) {
    TokenConstraint c = constraint_for(schema);
    Params p;  // ollama's defaults: top-k 40, top-p 0.9, temperature 0.8, penalty 1.1
    p.random_seed = false;
    p.seed = seed;
    Sampler s(p);
    s.set_constraint(&c);
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::string text;
    for (int step = 0; step < 2000 && !c.done(); ++step) {
      std::vector<float> logits = random_logits(rng);
      for (size_t t = 0; t < logits.size(); ++t)
        if (vocab().pieces[t].find_first_of("\"]}") != std::string::npos) logits[t] += 3.0f;
      for (int32_t e : vocab().end_tokens) logits[static_cast<size_t>(e)] += 5.0f;
      const int32_t tok = s.sample(logits);
      c.accept(tok);
      s.accept(tok);
      if (!c.done()) text += vocab().pieces[static_cast<size_t>(tok)];
    }
    ASSERT_TRUE(c.done()) << text;
    json value;
    ASSERT_NO_THROW(value = json::parse(text)) << text;
    EXPECT_EQ(test::schema_violation(value, json::parse(schema)), "") << text;
  }
}

TEST(SamplerConstraint, LargeVocabularyChecksFewTokens) {
  // 150k tokens of which a handful fit: top-k over allowed tokens has to
  // look deep into the ranking, greedy only as far as the first fit.
  std::vector<std::string> pieces;
  for (int i = 0; i < 150000; ++i) pieces.push_back(std::string("w").append(std::to_string(i)));
  for (const char* s : {"true", "false", "t", "f", "tr", "ue"}) pieces.push_back(s);
  const int32_t end = static_cast<int32_t>(pieces.size());
  pieces.push_back("");
  TokenConstraint c(grammar_from_json_schema(ordered_json::parse(R"({"type":"boolean"})")), pieces, {end});
  std::mt19937 rng(1);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<float> logits(pieces.size());
  for (float& l : logits) l = dist(rng);
  for (float t : {0.0f, 0.8f}) {
    Params p;
    p.temperature = t;
    p.random_seed = false;
    Sampler s(p);
    s.set_constraint(&c);
    for (int i = 0; i < 5; ++i) {
      const int32_t tok = s.sample(logits);
      EXPECT_GE(tok, 150000);
      EXPECT_LT(tok, end);
    }
  }
}

}  // namespace
}  // namespace hearth::sampling
