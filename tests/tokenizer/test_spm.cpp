// The SentencePiece merge algorithm on small vocabularies built in memory.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "tokenizer_test_util.h"

namespace hearth::tokenizer {
namespace {

using testing::base_entries;
using testing::bool_value;
using testing::Entry;
using testing::make_vocab;

// base_entries() takes ids 0..258; the pieces below follow from 259.
constexpr Token kFirst = 259;

std::function<void(gguf::Writer&)> no_space_prefix() {
  return [](gguf::Writer& w) { w.set("tokenizer.ggml.add_space_prefix", bool_value(false)); };
}

Vocab vocab_with(std::vector<Entry> pieces, bool bytes = true, bool space_prefix = false) {
  std::vector<Entry> e = base_entries(bytes);
  for (Entry& p : pieces) e.push_back(std::move(p));
  return make_vocab(e, space_prefix ? std::function<void(gguf::Writer&)>{} : no_space_prefix());
}

TEST(Spm, HigherScoreMergesFirst) {
  // "abc": "bc" outranks "ab", so the result is a + bc.
  const Vocab v = vocab_with({{"a", -5, TokenType::Normal},
                              {"b", -5, TokenType::Normal},
                              {"c", -5, TokenType::Normal},
                              {"ab", -2, TokenType::Normal},
                              {"bc", -1, TokenType::Normal}});
  EXPECT_EQ(v.encode("abc", false, false), (std::vector<Token>{kFirst, kFirst + 4}));
}

TEST(Spm, EqualScoresMergeLeftmostFirst) {
  const Vocab v = vocab_with({{"a", -5, TokenType::Normal},
                              {"b", -5, TokenType::Normal},
                              {"c", -5, TokenType::Normal},
                              {"ab", -1, TokenType::Normal},
                              {"bc", -1, TokenType::Normal}});
  EXPECT_EQ(v.encode("abc", false, false), (std::vector<Token>{kFirst + 3, kFirst + 2}));
  // Leftmost among equal scores anywhere in the text, not just the first pair.
  EXPECT_EQ(v.encode("cabc", false, false),
            (std::vector<Token>{kFirst + 2, kFirst + 3, kFirst + 2}));
}

TEST(Spm, MergedSymbolsMergeAgain) {
  const Vocab v = vocab_with({{"a", -9, TokenType::Normal},
                              {"b", -9, TokenType::Normal},
                              {"c", -9, TokenType::Normal},
                              {"d", -9, TokenType::Normal},
                              {"ab", -1, TokenType::Normal},
                              {"cd", -2, TokenType::Normal},
                              {"abcd", -3, TokenType::Normal},
                              {"bc", -0.5f, TokenType::Normal}});
  // "bc" merges first (highest), which blocks ab and cd: a + bc + d.
  EXPECT_EQ(v.encode("abcd", false, false),
            (std::vector<Token>{kFirst, kFirst + 7, kFirst + 3}));
  // Without "bc" in the way: ab, then cd, then abcd.
  const Vocab w = vocab_with({{"a", -9, TokenType::Normal},
                              {"b", -9, TokenType::Normal},
                              {"c", -9, TokenType::Normal},
                              {"d", -9, TokenType::Normal},
                              {"ab", -1, TokenType::Normal},
                              {"cd", -2, TokenType::Normal},
                              {"abcd", -3, TokenType::Normal}});
  EXPECT_EQ(w.encode("abcd", false, false), (std::vector<Token>{kFirst + 6}));
  EXPECT_EQ(w.encode("abcda", false, false), (std::vector<Token>{kFirst + 6, kFirst}));
}

TEST(Spm, PairsOnlyMergeWhenAdjacent) {
  // "ac" is in the vocabulary but a and c are never neighbours in "abc".
  const Vocab v = vocab_with({{"a", -1, TokenType::Normal},
                              {"b", -1, TokenType::Normal},
                              {"c", -1, TokenType::Normal},
                              {"ac", 0, TokenType::Normal}});
  EXPECT_EQ(v.encode("abc", false, false), (std::vector<Token>{kFirst, kFirst + 1, kFirst + 2}));
}

TEST(Spm, UnknownCharactersBecomeByteTokens) {
  const Vocab v = vocab_with({{"a", -1, TokenType::Normal}});
  // "é" is C3 A9; byte token for 0xNN is id 3 + NN.
  EXPECT_EQ(v.encode("a\xc3\xa9" "a", false, false),
            (std::vector<Token>{kFirst, 3 + 0xc3, 3 + 0xa9, kFirst}));
}

TEST(Spm, WithoutByteTokensUnknownCharactersBecomeUnk) {
  const Vocab v = vocab_with({{"a", -1, TokenType::Normal}}, /*bytes=*/false);
  // base_entries(false) has 3 tokens, so "a" is id 3; unk is 0, one per byte.
  EXPECT_EQ(v.encode("a\xc3\xa9" "a", false, false), (std::vector<Token>{3, 0, 0, 3}));
}

TEST(Spm, ByteFallbackUsesOneByteTokenWhenThereIsNoByteToken) {
  // As llama.cpp: without <0x78>, the byte 'x' falls back to the token "x".
  // In "\xf8x" the 0xF8 lead swallows x into one 2-byte symbol that is not
  // in the vocabulary, so its bytes are looked up one by one: 0xF8 has no
  // token at all (unk), x has its one-byte token.
  const Vocab v = vocab_with({{"x", -1, TokenType::Normal}}, /*bytes=*/false);
  EXPECT_EQ(v.encode("\xf8x", false, false), (std::vector<Token>{0, 3}));
}

TEST(Spm, InvalidUtf8IsSplitByLeadByteLikeLlamaCpp) {
  const Vocab v = vocab_with({{"a", -3, TokenType::Normal},
                              {"b", -3, TokenType::Normal},
                              {"c", -3, TokenType::Normal},
                              {"ab", -1, TokenType::Normal},
                              {"abc", -1, TokenType::Normal}});
  // 0xF8 counts as the lead of a 4-byte character: "\xf8abc" is one symbol.
  EXPECT_EQ(v.encode("\xf8" "abc", false, false),
            (std::vector<Token>{3 + 0xf8, 3 + 'a', 3 + 'b', 3 + 'c'}));
  // A stray continuation byte is a character of its own.
  EXPECT_EQ(v.encode("\x80" "abc", false, false), (std::vector<Token>{3 + 0x80, kFirst + 4}));
  // A sequence cut short by the end of the text is one (short) symbol.
  EXPECT_EQ(v.encode("abc\xe6\x97", false, false),
            (std::vector<Token>{kFirst + 4, 3 + 0xe6, 3 + 0x97}));
}

TEST(Spm, SpacesBecomeSpaceMarkersAndTextGetsAPrefix) {
  const Vocab v = vocab_with({{"\xe2\x96\x81", -5, TokenType::Normal},
                              {"a", -5, TokenType::Normal},
                              {"\xe2\x96\x81" "a", -1, TokenType::Normal}},
                             true, /*space_prefix=*/true);
  EXPECT_EQ(v.encode("a a", false, false), (std::vector<Token>{kFirst + 2, kFirst + 2}));
  EXPECT_EQ(v.encode("a", true, false), (std::vector<Token>{1, kFirst + 2}));
  EXPECT_EQ(v.decode(v.encode("a a", false, false)), " a a");
  // No prefix for empty text: nothing at all, or just BOS.
  EXPECT_EQ(v.encode("", false, false), (std::vector<Token>{}));
  EXPECT_EQ(v.encode("", true, false), (std::vector<Token>{1}));
  // Tabs and newlines are not spaces.
  EXPECT_EQ(v.encode("\t", false, false), (std::vector<Token>{kFirst, 3 + '\t'}));

  const Vocab plain = vocab_with({{"\xe2\x96\x81", -5, TokenType::Normal},
                                  {"a", -5, TokenType::Normal},
                                  {"\xe2\x96\x81" "a", -1, TokenType::Normal}});
  EXPECT_EQ(plain.encode("a a", false, false), (std::vector<Token>{kFirst + 1, kFirst + 2}));
}

// Reference: the merge rule applied naively (scan all pairs, take the best
// score, leftmost on ties), quadratic but obviously right.
std::vector<Token> naive_spm(const std::vector<Entry>& entries, const std::string& text) {
  std::map<std::string, Token> index;
  for (size_t i = 0; i < entries.size(); ++i) index[entries[i].piece] = static_cast<Token>(i);
  std::vector<std::string> symbols;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    len = std::min(len, text.size() - i);
    symbols.push_back(text.substr(i, len));
    i += len;
  }
  while (true) {
    int best = -1;
    float best_score = 0;
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      auto it = index.find(symbols[i] + symbols[i + 1]);
      if (it == index.end()) continue;
      const float s = entries[it->second].score;
      if (best < 0 || s > best_score) {
        best = static_cast<int>(i);
        best_score = s;
      }
    }
    if (best < 0) break;
    symbols[best] += symbols[best + 1];
    symbols.erase(symbols.begin() + best + 1);
  }
  std::vector<Token> out;
  for (const std::string& s : symbols) {
    auto it = index.find(s);
    if (it != index.end()) {
      out.push_back(it->second);
      continue;
    }
    for (unsigned char b : s) out.push_back(3 + b);
  }
  return out;
}

TEST(Spm, AgreesWithNaiveMergeOnRandomVocabularies) {
  std::mt19937 rng(1234);
  const std::vector<std::string> alphabet = {"a", "b", "c", "d", "\xc3\xa9", "\xe6\x97\xa5"};
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<Entry> entries = base_entries(true);
    // Single characters (not all of them) and random longer pieces, with few
    // distinct scores so that ties are common; duplicates are allowed.
    for (size_t k = 0; k + 1 < alphabet.size(); ++k)
      if (rng() % 3 != 0) entries.push_back({alphabet[k], -10, TokenType::Normal});
    const int n_pieces = 5 + static_cast<int>(rng() % 40);
    for (int p = 0; p < n_pieces; ++p) {
      std::string piece;
      const int len = 2 + static_cast<int>(rng() % 4);
      for (int k = 0; k < len; ++k) piece += alphabet[rng() % alphabet.size()];
      entries.push_back({piece, -static_cast<float>(rng() % 4), TokenType::Normal});
    }
    const Vocab v = make_vocab(entries, no_space_prefix());
    for (int t = 0; t < 40; ++t) {
      std::string text;
      const int len = static_cast<int>(rng() % 40);
      for (int k = 0; k < len; ++k) text += alphabet[rng() % alphabet.size()];
      ASSERT_EQ(v.encode(text, false, false), naive_spm(entries, text))
          << "trial " << trial << ", text " << testing::escaped(text);
    }
  }
}

}  // namespace
}  // namespace hearth::tokenizer
