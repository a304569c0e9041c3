// Reading vocabularies from GGUF metadata, special tokens, decoding.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer_test_util.h"

namespace hearth::tokenizer {
namespace {

using testing::base_entries;
using testing::bool_value;
using testing::Entry;
using testing::llama_spm_vocab;
using testing::make_vocab;
using testing::stories_vocab;
using testing::str_value;
using testing::u32_value;

// Runs fn, which must throw hearth::Error with a message containing `part`.
template <typename Fn>
void expect_error(Fn&& fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
        << "message '" << e.what() << "' does not contain '" << part << "'";
  }
}

std::vector<Entry> small_entries() {
  std::vector<Entry> e = base_entries(true);
  e.push_back({"\xe2\x96\x81", -1, TokenType::Normal});  // 259
  e.push_back({"a", -1, TokenType::Normal});             // 260
  return e;
}

TEST(Vocab, ReadsLlamaSpmVocabulary) {
  const Vocab& v = llama_spm_vocab();
  EXPECT_EQ(v.size(), 32000);
  EXPECT_EQ(v.bos(), 1);
  EXPECT_EQ(v.eos(), 2);
  EXPECT_EQ(v.unk(), 0);
  EXPECT_EQ(v.eot(), -1);
  EXPECT_TRUE(v.add_bos());
  EXPECT_FALSE(v.add_eos());
  EXPECT_EQ(v.type(0), TokenType::Unknown);
  EXPECT_EQ(v.type(1), TokenType::Control);
  EXPECT_EQ(v.type(3), TokenType::Byte);
  EXPECT_EQ(v.type(15043), TokenType::Normal);
  EXPECT_EQ(v.piece(1), "<s>");
  EXPECT_EQ(v.piece(15043), "\xe2\x96\x81Hello");
  expect_error([&] { v.piece(32000); }, "out of range");
  expect_error([&] { v.type(-1); }, "out of range");
}

TEST(Vocab, ReadsStoriesVocabulary) {
  // stories260K stores padding_token_id = 0xFFFFFFFF, meaning "none".
  const Vocab& v = stories_vocab();
  EXPECT_EQ(v.size(), 512);
  EXPECT_EQ(v.bos(), 1);
  EXPECT_EQ(v.eos(), 2);
  EXPECT_EQ(v.unk(), 0);
  EXPECT_TRUE(v.add_bos());
}

TEST(Vocab, StoriesPromptRoundTrips) {
  const Vocab& v = stories_vocab();
  const std::vector<Token> ids = v.encode("Once upon a time", true, false);
  ASSERT_GE(ids.size(), 2u);
  EXPECT_EQ(ids[0], 1);
  for (size_t i = 1; i < ids.size(); ++i) EXPECT_EQ(v.type(ids[i]), TokenType::Normal) << i;
  EXPECT_EQ(v.decode(ids), " Once upon a time");
}

TEST(Vocab, DecodeToken) {
  const Vocab& v = llama_spm_vocab();
  EXPECT_EQ(v.decode_token(15043), " Hello");
  EXPECT_EQ(v.decode_token(259), "  ");  // "▁▁"
  EXPECT_EQ(v.decode_token(1), "");
  EXPECT_EQ(v.decode_token(1, true), "<s>");
  EXPECT_EQ(v.decode_token(2, true), "</s>");
  EXPECT_EQ(v.decode_token(3 + 'A'), "A");
  EXPECT_EQ(v.decode_token(3 + 0xe6), "\xe6");
  EXPECT_EQ(v.decode_token(3), std::string(1, '\0'));
  EXPECT_EQ(v.decode_token(0), "\xe2\x96\x85");  // unknown, as llama.cpp renders it
  const std::vector<Token> ids = {1, 15043, 3186, 2};
  EXPECT_EQ(v.decode(ids), " Hello world");
  EXPECT_EQ(v.decode(ids, true), "<s> Hello world</s>");
  expect_error([&] { v.decode_token(32000); }, "out of range");
  expect_error([&] { v.decode_token(-1); }, "out of range");
}

TEST(Vocab, DecodeTokenByType) {
  std::vector<Entry> e = small_entries();
  e.push_back({"<tool>", 0, TokenType::UserDefined});        // 261
  e.push_back({"\xe2\x96\x81x", 0, TokenType::UserDefined});  // 262
  e.push_back({"<unused0>", 0, TokenType::Unused});          // 263
  e.push_back({"<undef>", 0, TokenType::Undefined});         // 264
  e.push_back({"<0x4a>", 0, TokenType::Byte});               // 265, lower-case hex
  const Vocab v = make_vocab(e);
  EXPECT_EQ(v.decode_token(261), "<tool>");
  EXPECT_EQ(v.decode_token(262), "\xe2\x96\x81x");  // user-defined text is verbatim
  EXPECT_EQ(v.decode_token(263), "");
  EXPECT_EQ(v.decode_token(263, true), "");
  EXPECT_EQ(v.decode_token(264), "");
  EXPECT_EQ(v.decode_token(265), "J");
}

TEST(Vocab, EndOfGeneration) {
  const Vocab& v = llama_spm_vocab();
  EXPECT_TRUE(v.is_eog(2));
  EXPECT_FALSE(v.is_eog(1));
  EXPECT_FALSE(v.is_eog(0));
  EXPECT_FALSE(v.is_eog(15043));
  EXPECT_FALSE(v.is_eog(-1));

  // A Control "<|im_end|>" ends generation and becomes the EOT when the file
  // names none; a Normal one is just text.
  std::vector<Entry> e = small_entries();
  e.push_back({"<|im_end|>", 0, TokenType::Control});     // 261
  e.push_back({"<end_of_turn>", 0, TokenType::Normal});   // 262
  e.push_back({"<|endoftext|>", 0, TokenType::Control});  // 263
  const Vocab c = make_vocab(e);
  EXPECT_EQ(c.eot(), 261);
  EXPECT_TRUE(c.is_eog(261));
  EXPECT_FALSE(c.is_eog(262));
  EXPECT_TRUE(c.is_eog(263));
  EXPECT_TRUE(c.is_eog(2));

  // An explicit EOT id wins over the guess.
  const Vocab d = make_vocab(e, [](gguf::Writer& w) {
    w.set("tokenizer.ggml.eot_token_id", u32_value(260));
  });
  EXPECT_EQ(d.eot(), 260);
  EXPECT_TRUE(d.is_eog(260));
  EXPECT_TRUE(d.is_eog(261));
}

TEST(Vocab, DefaultsAndFlags) {
  // No special ids or flags stored: SentencePiece defaults.
  const Vocab v = make_vocab(small_entries());
  EXPECT_EQ(v.bos(), 1);
  EXPECT_EQ(v.eos(), 2);
  EXPECT_EQ(v.unk(), 0);
  EXPECT_EQ(v.eot(), -1);
  EXPECT_TRUE(v.add_bos());
  EXPECT_FALSE(v.add_eos());
  EXPECT_EQ(v.encode("a", false, false), (std::vector<Token>{259, 260}));  // space prefix on

  const Vocab w = make_vocab(small_entries(), [](gguf::Writer& w) {
    w.set("tokenizer.ggml.bos_token_id", u32_value(2));
    w.set("tokenizer.ggml.eos_token_id", u32_value(1));
    w.set("tokenizer.ggml.unknown_token_id", u32_value(0xFFFFFFFFu));
    w.set("tokenizer.ggml.padding_token_id", u32_value(1000));  // past the end: ignored
    w.set("tokenizer.ggml.add_bos_token", bool_value(false));
    w.set("tokenizer.ggml.add_eos_token", bool_value(true));
    w.set("tokenizer.ggml.add_space_prefix", bool_value(false));
  });
  EXPECT_EQ(w.bos(), 2);
  EXPECT_EQ(w.eos(), 1);
  EXPECT_EQ(w.unk(), -1);
  EXPECT_FALSE(w.add_bos());
  EXPECT_TRUE(w.add_eos());
  // encode adds BOS when asked, whatever add_bos() says, and never adds EOS.
  EXPECT_EQ(w.encode("a", true, false), (std::vector<Token>{2, 260}));

  const Vocab none = make_vocab(small_entries(), [](gguf::Writer& w) {
    w.set("tokenizer.ggml.bos_token_id", u32_value(0xFFFFFFFFu));
  });
  EXPECT_EQ(none.bos(), -1);
  EXPECT_EQ(none.encode("a", true, false), (std::vector<Token>{259, 260}));
}

TEST(Vocab, DuplicateAndEmptyPieces) {
  std::vector<Entry> e = small_entries();
  e.push_back({"a", -1, TokenType::Normal});  // 261: duplicate, the last id wins
  e.push_back({"", 0, TokenType::Normal});    // 262: empty, renamed as llama.cpp does
  const Vocab v = make_vocab(e, [](gguf::Writer& w) {
    w.set("tokenizer.ggml.add_space_prefix", bool_value(false));
  });
  EXPECT_EQ(v.encode("a", false, false), (std::vector<Token>{261}));
  EXPECT_EQ(v.piece(262), "[EMPTY_262]");
}

TEST(Vocab, RefusesUnsupportedModel) {
  expect_error(
      [] {
        make_vocab(small_entries(),
                   [](gguf::Writer& w) { w.set("tokenizer.ggml.model", str_value("t5")); });
      },
      "unsupported tokenizer model 't5'");
}

TEST(Vocab, RefusesBadMetadata) {
  expect_error(
      [] {
        gguf::Writer w;
        w.set("general.architecture", str_value("llama"));
        const std::vector<uint8_t> image = w.to_bytes();
        Vocab::from_gguf(gguf::File::parse(image, "test.gguf"));
      },
      "tokenizer.ggml.model is missing");
  expect_error(
      [] {
        gguf::Writer w;
        w.set("tokenizer.ggml.model", str_value("llama"));
        const std::vector<uint8_t> image = w.to_bytes();
        Vocab::from_gguf(gguf::File::parse(image, "test.gguf"));
      },
      "tokenizer.ggml.tokens is missing");
  expect_error(
      [] {
        make_vocab(small_entries(), [](gguf::Writer& w) {
          w.set("tokenizer.ggml.scores",
                gguf::Value{gguf::Array{gguf::ValueType::FLOAT32, {gguf::Value{1.0f}}}});
        });
      },
      "tokenizer.ggml.scores has 1 entries but tokenizer.ggml.tokens has 261");
  expect_error(
      [] {
        make_vocab(small_entries(), [](gguf::Writer& w) {
          w.set("tokenizer.ggml.token_type", gguf::Value{gguf::Array{gguf::ValueType::INT32, {}}});
        });
      },
      "tokenizer.ggml.token_type has 0 entries but tokenizer.ggml.tokens has 261");
  expect_error(
      [] {
        make_vocab(small_entries(), [](gguf::Writer& w) {
          w.set("tokenizer.ggml.tokens", gguf::Value{gguf::Array{gguf::ValueType::STRING, {}}});
          w.set("tokenizer.ggml.scores", gguf::Value{gguf::Array{gguf::ValueType::FLOAT32, {}}});
          w.set("tokenizer.ggml.token_type", gguf::Value{gguf::Array{gguf::ValueType::INT32, {}}});
        });
      },
      "tokenizer.ggml.tokens is empty");
  expect_error(
      [] {
        make_vocab(small_entries(),
                   [](gguf::Writer& w) { w.set("tokenizer.ggml.bos_token_id", u32_value(261)); });
      },
      "tokenizer.ggml.bos_token_id is 261 but the vocabulary has only 261 tokens");
  expect_error(
      [] {
        make_vocab(small_entries(),
                   [](gguf::Writer& w) { w.set("tokenizer.ggml.eos_token_id", u32_value(5000)); });
      },
      "tokenizer.ggml.eos_token_id is 5000");
  expect_error(
      [] {
        std::vector<Entry> e = small_entries();
        e.push_back({"<0xZZ>", 0, TokenType::Byte});
        make_vocab(e);
      },
      "token 261 has type byte");
  expect_error(
      [] {
        make_vocab(small_entries(), [](gguf::Writer& w) {
          gguf::Array types{gguf::ValueType::INT32, {}};
          for (int i = 0; i < 261; ++i) types.items.push_back(gguf::Value{int32_t{i == 7 ? 9 : 1}});
          w.set("tokenizer.ggml.token_type", gguf::Value{std::move(types)});
        });
      },
      "tokenizer.ggml.token_type[7] is 9");
  expect_error(
      [] {
        std::vector<Entry> e = small_entries();
        e[260].score = std::numeric_limits<float>::quiet_NaN();
        make_vocab(e);
      },
      "tokenizer.ggml.scores[260] is NaN");
  // Messages name the file.
  expect_error(
      [] {
        make_vocab(small_entries(),
                   [](gguf::Writer& w) { w.set("tokenizer.ggml.model", str_value("rwkv")); });
      },
      "'test.gguf': unsupported tokenizer model 'rwkv'");
}

TEST(Special, ParsedOnlyWhenAsked) {
  const Vocab& v = llama_spm_vocab();
  const std::vector<Token> hello = v.encode("hello", false, false);
  std::vector<Token> expected = {1};
  expected.insert(expected.end(), hello.begin(), hello.end());
  EXPECT_EQ(v.encode("<s>hello", false, true), expected);

  const std::vector<Token> plain = v.encode("<s>hello", false, false);
  for (Token id : plain) EXPECT_NE(v.type(id), TokenType::Control);
  EXPECT_EQ(v.decode(plain), " <s>hello");

  // BOS asked for and written: two BOS, as llama.cpp gives.
  expected.insert(expected.begin(), 1);
  EXPECT_EQ(v.encode("<s>hello", true, true), expected);

  // The unknown token's text is special too.
  EXPECT_EQ(v.encode("<unk>", false, true), (std::vector<Token>{0}));
  EXPECT_EQ(v.encode("<s>", false, true), (std::vector<Token>{1}));
  EXPECT_EQ(v.encode("<s></s>", true, true), (std::vector<Token>{1, 1, 2}));
}

TEST(Special, TextAfterASpecialTokenGetsTheSpacePrefix) {
  // llama.cpp's SPM rule: every raw-text fragment that starts the text or
  // follows a special token gets the prefix.
  const Vocab& v = llama_spm_vocab();
  std::vector<Token> expected = v.encode("hello", false, false);
  expected.push_back(2);
  const std::vector<Token> world = v.encode("world", false, false);
  expected.insert(expected.end(), world.begin(), world.end());
  EXPECT_EQ(v.encode("hello</s>world", false, true), expected);
  EXPECT_EQ(v.decode(expected, true), " hello</s> world");

  // Text that already starts with a space gets a second one.
  std::vector<Token> two = {2};
  const std::vector<Token> spaced = v.encode(" x", false, false);
  two.insert(two.end(), spaced.begin(), spaced.end());
  EXPECT_EQ(v.encode("</s> x", false, true), two);
  EXPECT_EQ(v.decode(two), "  x");
}

TEST(Special, LongestTokenFirstAndUserDefinedAlways) {
  std::vector<Entry> e = small_entries();
  e.push_back({"<a>", 0, TokenType::Control});       // 261
  e.push_back({"<a>a", 0, TokenType::Control});      // 262
  e.push_back({"<tool>", 0, TokenType::UserDefined});  // 263
  const Vocab v = make_vocab(e, [](gguf::Writer& w) {
    w.set("tokenizer.ggml.add_space_prefix", bool_value(false));
  });
  EXPECT_EQ(v.encode("<a>a<a>", false, true), (std::vector<Token>{262, 261}));
  EXPECT_EQ(v.encode("a<a>aa<a>", false, true), (std::vector<Token>{260, 262, 260, 261}));
  // Without parse_special, control text is plain text ...
  const std::vector<Token> plain = v.encode("<a>", false, false);
  for (Token id : plain) EXPECT_NE(v.type(id), TokenType::Control);
  EXPECT_EQ(v.decode(plain), "<a>");
  // ... but user-defined tokens are always split out (llama.cpp does the same).
  EXPECT_EQ(v.encode("a<tool>a", false, false), (std::vector<Token>{260, 263, 260}));
  EXPECT_EQ(v.encode("<tool><tool>", false, false), (std::vector<Token>{263, 263}));
}

}  // namespace
}  // namespace hearth::tokenizer
