// TokenConstraint: which token ids a grammar allows, given only their bytes;
// and the property that matters: random walks through the allowed tokens of
// a realistic fake vocabulary always end in JSON that the independent
// validator accepts.
#include "sampling/constraint.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "sampling/fake_vocab.h"
#include "sampling/json_schema.h"
#include "sampling/schema_oracle.h"

namespace hearth::sampling {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

const test::FakeVocab& vocab() {
  static const test::FakeVocab v = test::fake_vocab();
  return v;
}

int32_t token_of(const std::string& piece) {
  const auto& p = vocab().pieces;
  for (size_t i = 0; i < p.size(); ++i)
    if (!p[i].empty() && p[i] == piece) return static_cast<int32_t>(i);
  ADD_FAILURE() << "no token " << piece;
  return -1;
}

TokenConstraint constraint_for(const char* schema) {
  return TokenConstraint(grammar_from_json_schema(ordered_json::parse(schema)), vocab().pieces, vocab().end_tokens);
}

std::set<int32_t> allowed_set(const TokenConstraint& c) {
  std::set<int32_t> out;
  for (int32_t t = 0; t < static_cast<int32_t>(vocab().pieces.size()); ++t)
    if (c.allowed(t)) out.insert(t);
  return out;
}

TEST(TokenConstraint, EndTokensOnlyWhenComplete) {
  TokenConstraint c = constraint_for(R"({"type":"integer"})");
  const int32_t end = vocab().end_tokens[0];
  EXPECT_FALSE(c.allowed(end));
  EXPECT_TRUE(c.allowed(token_of("42")));
  EXPECT_TRUE(c.allowed(token_of("-1")));
  EXPECT_FALSE(c.allowed(token_of("\"")));
  EXPECT_THROW(c.accept(end), Error);
  c.accept(token_of("12"));
  EXPECT_TRUE(c.allowed(end));
  EXPECT_TRUE(c.allowed(vocab().end_tokens[1]));
  EXPECT_TRUE(c.allowed(token_of("0")));
  c.accept(end);
  EXPECT_TRUE(c.done());
  EXPECT_TRUE(allowed_set(c).empty());
  EXPECT_THROW(c.accept(token_of("1")), Error);
}

TEST(TokenConstraint, ControlTokensAndIdsOutsideTheVocabularyAreNeverAllowed) {
  TokenConstraint c = constraint_for("{}");
  EXPECT_FALSE(c.allowed(vocab().control));
  EXPECT_FALSE(c.allowed(-1));
  EXPECT_FALSE(c.allowed(static_cast<int32_t>(vocab().pieces.size())));
  EXPECT_THROW(c.accept(vocab().control), Error);
  EXPECT_THROW(c.accept(1 << 30), Error);
  EXPECT_TRUE(c.allowed(token_of("{\"")));
}

TEST(TokenConstraint, OnlyEndTokensOnceNothingCanFollow) {
  TokenConstraint c = constraint_for(R"({"const":"red"})");
  c.accept(token_of("\"red\""));
  // Trailing whitespace may still come, up to its bound.
  EXPECT_TRUE(c.allowed(token_of(" ")));
  for (int i = 0; i < 5; ++i) c.accept(token_of("    "));
  const std::set<int32_t> want(vocab().end_tokens.begin(), vocab().end_tokens.end());
  EXPECT_EQ(allowed_set(c), want);
}

TEST(TokenConstraint, RefusedTokensChangeNothing) {
  TokenConstraint c = constraint_for(R"({"type":"boolean"})");
  EXPECT_THROW(c.accept(token_of("null")), Error);
  c.accept(token_of("tru"));
  EXPECT_THROW(c.accept(token_of("true")), Error);
  c.accept(token_of("e"));
  EXPECT_TRUE(c.allowed(vocab().end_tokens[0]));
}

TEST(TokenConstraint, MultiByteCharactersAcrossTokens) {
  TokenConstraint c = constraint_for(R"({"type":"string","maxLength":2})");
  c.accept(token_of("\""));
  EXPECT_TRUE(c.allowed(token_of("\xE2")));
  EXPECT_FALSE(c.allowed(token_of("\xA9")));  // a continuation byte cannot start a character
  EXPECT_FALSE(c.allowed(token_of("\xFF")));
  EXPECT_FALSE(c.allowed(token_of("\xED\xA0\x80")));  // a surrogate
  c.accept(token_of("\xE2"));
  EXPECT_FALSE(c.allowed(token_of("a")));
  EXPECT_FALSE(c.allowed(token_of("\"")));
  EXPECT_FALSE(c.allowed(vocab().end_tokens[0]));
  EXPECT_TRUE(c.allowed(token_of("\x82\xAC")));
  c.accept(token_of("\x82\xAC"));  // €
  c.accept(token_of("\xC3"));
  c.accept(token_of("\xA9"));  // é: two characters now
  EXPECT_FALSE(c.allowed(token_of("a")));
  EXPECT_FALSE(c.allowed(token_of("\xC3")));
  c.accept(token_of("\""));
  EXPECT_TRUE(c.allowed(vocab().end_tokens[0]));
}

// ------------------------------------------------------------------ random walks

// A random walk through the allowed tokens until an end token. As the text
// grows it leans towards tokens that close something (quotes, brackets) and
// towards ending, so that walks finish; any allowed token stays possible.
struct Walk {
  std::string text;
  bool done = false;
  std::string stuck;  // why the walk stopped early
};

bool closes(const std::string& piece) { return piece.find_first_of("\"]}") != std::string::npos; }

Walk random_walk(const std::shared_ptr<const Grammar>& grammar, uint64_t seed) {
  const auto& v = vocab();
  TokenConstraint c(grammar, v.pieces, v.end_tokens);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  Walk w;
  std::vector<int32_t> allowed, closing;
  for (int step = 0; step < 3000; ++step) {
    allowed.clear();
    closing.clear();
    bool end_ok = false;
    for (int32_t t = 0; t < static_cast<int32_t>(v.pieces.size()); ++t) {
      if (!c.allowed(t)) continue;
      if (t == v.end_tokens[0]) end_ok = true;
      allowed.push_back(t);
      if (closes(v.pieces[static_cast<size_t>(t)])) closing.push_back(t);
    }
    if (allowed.empty()) {
      w.stuck = "no token allowed after: " + w.text;
      return w;
    }
    const double lean = step < 30 ? 0.3 : 0.85;
    int32_t pick;
    if (end_ok && coin(rng) < lean) {
      pick = v.end_tokens[rng() % 2];
    } else if (!closing.empty() && coin(rng) < lean) {
      pick = closing[rng() % closing.size()];
    } else {
      pick = allowed[rng() % allowed.size()];
    }
    c.accept(pick);
    if (c.done()) {
      w.done = true;
      return w;
    }
    w.text += v.pieces[static_cast<size_t>(pick)];
  }
  w.stuck = "no end after 3000 tokens: " + w.text.substr(0, 300);
  return w;
}

void walk_many(const char* schema_text, int seeds) {
  SCOPED_TRACE(schema_text);
  const auto grammar = grammar_from_json_schema(ordered_json::parse(schema_text));
  const json schema = json::parse(schema_text);
  std::set<std::string> distinct;
  for (int seed = 0; seed < seeds; ++seed) {
    const Walk w = random_walk(grammar, static_cast<uint64_t>(seed) * 7919 + 1);
    ASSERT_TRUE(w.done) << "seed " << seed << ": " << w.stuck;
    json value;
    ASSERT_NO_THROW(value = json::parse(w.text)) << "seed " << seed << ": " << w.text;
    ASSERT_EQ(test::schema_violation(value, schema), "") << "seed " << seed << ": " << w.text;
    distinct.insert(w.text);
  }
  // The walks explore: most of them differ.
  EXPECT_GT(distinct.size(), static_cast<size_t>(seeds) / 2);
}

constexpr int kSeeds = 30;

TEST(TokenConstraint, WalksGiveValidNestedObjects) {
  walk_many(R"({"type":"object","properties":{
      "name":{"type":"string","maxLength":12},
      "age":{"type":"integer","minimum":0,"maximum":150},
      "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string","minLength":3,"maxLength":5}},
                 "required":["city"]},
      "score":{"type":"number","minimum":-1,"maximum":1}},
    "required":["name","address"]})",
            kSeeds);
}

TEST(TokenConstraint, WalksGiveValidArrays) {
  walk_many(R"({"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":4})", kSeeds);
  walk_many(R"({"type":"array","prefixItems":[{"type":"boolean"},{"type":"string"}],"items":{"type":"null"},"minItems":1})", kSeeds);
}

TEST(TokenConstraint, WalksGiveValidEnumsAndUnions) {
  walk_many(R"({"type":"object","properties":{
      "color":{"enum":["red","green","blue",null,42]},
      "shape":{"oneOf":[
        {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"],"additionalProperties":false},
        {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"integer","exclusiveMinimum":0}},"required":["kind","side"]}]},
      "id":{"anyOf":[{"type":"string","format":"uuid"},{"type":"integer"},{"type":"null"}]}},
    "required":["color","shape","id"]})",
            kSeeds);
}

TEST(TokenConstraint, WalksGiveValidRecursiveRefs) {
  walk_many(R"({"$defs":{"node":{"type":"object","properties":{
      "value":{"type":"integer"},
      "kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},
    "required":["value"]}},"$ref":"#/$defs/node"})",
            kSeeds);
}

TEST(TokenConstraint, WalksGiveValidStrings) {
  walk_many(R"({"type":"object","properties":{
      "short":{"type":"string","maxLength":3},
      "long":{"type":"string","minLength":4,"maxLength":8},
      "when":{"type":"string","format":"date-time"},
      "tags":{"type":"array","items":{"type":"string","maxLength":2}}},
    "required":["short","long"],"additionalProperties":{"type":"boolean"}})",
            kSeeds);
}

TEST(TokenConstraint, WalksGiveValidFreeJson) {
  const auto grammar = json_grammar();
  for (int seed = 0; seed < kSeeds; ++seed) {
    const Walk w = random_walk(grammar, static_cast<uint64_t>(seed) + 100);
    ASSERT_TRUE(w.done) << w.stuck;
    json value;
    ASSERT_NO_THROW(value = json::parse(w.text)) << w.text;
    EXPECT_TRUE(value.is_object()) << w.text;
  }
}

}  // namespace
}  // namespace hearth::sampling
