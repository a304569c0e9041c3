// WordPiece (BERT): normalisation, greedy longest-match pieces, [UNK], and
// the [CLS]/[SEP] defaults.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer_test_util.h"

namespace hearth::tokenizer {
namespace {

using testing::bool_value;
using testing::Entry;
using testing::make_vocab;
using testing::str_value;

const Vocab& bge_vocab() {
  static const Vocab v =
      Vocab::from_gguf(gguf::File::open(HEARTH_TEST_DATA "/ggml-vocab-bert-bge.gguf"));
  return v;
}

std::vector<Token> enc(const Vocab& v, const std::string& text) { return v.encode(text, false, false); }

const std::string kW = "\xe2\x96\x81";  // word-initial marker in converted vocabularies

// [PAD] [UNK] [CLS] [SEP], then the given pieces from id 4.
Vocab wpm_vocab(const std::vector<std::string>& pieces,
                const std::function<void(gguf::Writer&)>& more = {}) {
  std::vector<Entry> e = {{"[PAD]", 0, TokenType::Control},
                          {"[UNK]", 0, TokenType::Control},
                          {"[CLS]", 0, TokenType::Control},
                          {"[SEP]", 0, TokenType::Control}};
  for (const std::string& p : pieces) e.push_back({p, 0, TokenType::Normal});
  return make_vocab(e, [&](gguf::Writer& w) {
    w.set("tokenizer.ggml.model", str_value("bert"));
    w.set("tokenizer.ggml.unknown_token_id", testing::u32_value(1));
    w.set("tokenizer.ggml.cls_token_id", testing::u32_value(2));
    w.set("tokenizer.ggml.seperator_token_id", testing::u32_value(3));
    if (more) more(w);
  });
}

TEST(Wpm, BgeMetadata) {
  const Vocab& v = bge_vocab();
  EXPECT_EQ(v.model(), "bert");
  EXPECT_EQ(v.bos(), 101);  // [CLS]
  EXPECT_EQ(v.eos(), 102);  // [SEP]
  EXPECT_EQ(v.unk(), 100);
  EXPECT_TRUE(v.add_bos());
  EXPECT_TRUE(v.add_eos());
  EXPECT_EQ(v.piece(101), "[CLS]");
  EXPECT_EQ(v.piece(102), "[SEP]");
  const std::vector<Token> ids = v.encode("hello", true, false);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], 101);
}

TEST(Wpm, Normalisation) {
  const Vocab& v = bge_vocab();
  // Lower case; punctuation is a word of its own.
  EXPECT_EQ(enc(v, "Hello World!"), enc(v, "hello world !"));
  // Accents are stripped (NFD, then the marks dropped).
  EXPECT_EQ(enc(v, "\xc3\x84pfel Caf\xc3\xa9"), enc(v, "apfel cafe"));
  EXPECT_EQ(enc(v, "Cafe\xcc\x81"), enc(v, "cafe"));
  // Control and format characters, NUL and U+FFFD vanish.
  EXPECT_EQ(enc(v, std::string("ab\x01") + "c\xe2\x80\x8b" + std::string(1, '\0') + "d\xef\xbf\xbd"),
            enc(v, "abcd"));
  // Whitespace of any kind only separates words.
  EXPECT_EQ(enc(v, "\t hello\xe3\x80\x80\n world \r\n"), enc(v, "hello world"));
  EXPECT_TRUE(enc(v, " \n\t").empty());
  // CJK ideographs are words of their own; ASCII symbols too.
  EXPECT_EQ(enc(v, "\xe6\x88\x91\xe6\x83\xb3"), enc(v, "\xe6\x88\x91 \xe6\x83\xb3"));
  EXPECT_EQ(enc(v, "\xe6\x88\x91\xe6\x83\xb3").size(), 2u);
  EXPECT_EQ(enc(v, "a+b"), enc(v, "a + b"));
}

TEST(Wpm, PiecesDecodeBackToWords) {
  const Vocab& v = bge_vocab();
  const std::vector<Token> ids = enc(v, "unaffable tokenization");
  EXPECT_GT(ids.size(), 2u);
  EXPECT_EQ(v.decode(ids), " unaffable tokenization");
}

TEST(Wpm, GreedyLongestMatch) {
  const Vocab v = wpm_vocab({kW + "un", kW + "una", "aff", "ff", "able", kW + "a"});
  // ids: ▁un 4, ▁una 5, aff 6, ff 7, able 8, ▁a 9
  EXPECT_EQ(enc(v, "unaffable"), (std::vector<Token>{5, 7, 8}));  // "▁una" beats "▁un"
  EXPECT_EQ(enc(v, "a"), (std::vector<Token>{9}));
  // A word that cannot be cut into pieces is [UNK], whole.
  EXPECT_EQ(enc(v, "unx a"), (std::vector<Token>{1, 9}));
  EXPECT_EQ(enc(v, "xyz"), (std::vector<Token>{1}));
  EXPECT_EQ(v.bos(), 2);
  EXPECT_EQ(v.eos(), 3);
}

TEST(Wpm, FullDecomposition) {
  // A Hangul syllable decomposes into its three jamo (BERT's NFD), and a
  // spacing mark (Mc) stays: only non-spacing marks (Mn) are accents.
  const std::string hieut = "\xe1\x84\x92", a = "\xe1\x85\xa1", nieun = "\xe1\x86\xab";
  const std::string bha = "\xe0\xa4\xad", aa = "\xe0\xa4\xbe";  // भ, ा (U+093E, Mc)
  const Vocab v = wpm_vocab({kW + hieut, a, nieun, kW + bha + aa, kW + bha});
  EXPECT_EQ(enc(v, "\xed\x95\x9c"), (std::vector<Token>{4, 5, 6}));  // 한
  EXPECT_EQ(enc(v, bha + aa), (std::vector<Token>{7}));
}

TEST(Wpm, NormaliserOptions) {
  const std::string cafe = "Caf\xc3\xa9";
  const Vocab plain = wpm_vocab({kW + cafe, kW + "cafe"}, [](gguf::Writer& w) {
    w.set("tokenizer.ggml.normalizer.lowercase", bool_value(false));
  });
  EXPECT_EQ(enc(plain, cafe), (std::vector<Token>{4}));
  const Vocab folded = wpm_vocab({kW + cafe, kW + "cafe"});
  EXPECT_EQ(enc(folded, cafe), (std::vector<Token>{5}));
}

TEST(Wpm, SpecialTokensInText) {
  const Vocab& v = bge_vocab();
  const std::vector<Token> ids = v.encode("[CLS] hi [SEP]", false, true);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), 101);
  EXPECT_EQ(ids.back(), 102);
  const std::vector<Token> plain = v.encode("[CLS]", false, false);
  EXPECT_EQ(plain, enc(v, "[ cls ]"));
}

}  // namespace
}  // namespace hearth::tokenizer
