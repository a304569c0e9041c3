// Byte-level BPE: merge order, vocabulary metadata, special tokens, decoding,
// round trips and speed.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/bpe.h"
#include "tokenizer_test_util.h"
#include "vocab_vectors.h"

namespace hearth::tokenizer {
namespace {

using testing::bool_value;
using testing::Entry;
using testing::escaped;
using testing::make_vocab;
using testing::str_value;
using testing::u32_value;

const Vocab& qwen2_vocab() {
  static const Vocab v = Vocab::from_gguf(gguf::File::open(HEARTH_TEST_DATA "/ggml-vocab-qwen2.gguf"));
  return v;
}

// GPT-2's byte alphabet character for a byte.
std::string ch(unsigned char b) {
  uint32_t cp = b;
  if (!((b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || b >= 0xae)) {
    uint32_t n = 0;
    for (int x = 0; x < b; ++x)
      if (!((x >= 0x21 && x <= 0x7e) || (x >= 0xa1 && x <= 0xac) || x >= 0xae)) ++n;
    cp = 256 + n;
  }
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

// A byte-level vocabulary: <|endoftext|> (0), the 256 byte characters
// (1..256), then `extra` tokens, with the given merges and pre-tokenizer.
Vocab bpe_vocab(const std::vector<std::string>& extra, const std::vector<std::string>& merges,
                const std::string& pre = "gpt-2",
                const std::function<void(gguf::Writer&)>& more = {}) {
  std::vector<Entry> e = {{"<|endoftext|>", 0, TokenType::Control}};
  for (int b = 0; b < 256; ++b) e.push_back({ch(static_cast<unsigned char>(b)), 0, TokenType::Normal});
  for (const std::string& t : extra) e.push_back({t, 0, TokenType::Normal});
  return make_vocab(e, [&](gguf::Writer& w) {
    w.set("tokenizer.ggml.model", str_value("gpt2"));
    w.set("tokenizer.ggml.pre", str_value(pre));
    gguf::Array m{gguf::ValueType::STRING, {}};
    for (const std::string& s : merges) m.items.push_back(str_value(s));
    w.set("tokenizer.ggml.merges", gguf::Value{std::move(m)});
    if (more) more(w);
  });
}

Token byte_id(unsigned char b) { return 1 + b; }

template <typename Fn>
void expect_error(Fn&& fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no error; expected one containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(MergeRanks, SplitAtFirstSpaceAfterFirstByte) {
  MergeRanks r;
  r.add("a b c", 0);   // "a" + "b c"
  r.add(" x y", 1);    // " x" + "y"
  r.add("a b", 2);
  r.add("a b", 3);     // a duplicate keeps the first rank
  r.add("nospace", 4);
  EXPECT_EQ(r.rank("ab c", 1), 0);  // left "a", right "b c"
  EXPECT_EQ(r.rank("ab c", 3), -1);  // not left "a b", right "c"
  EXPECT_EQ(r.rank("abc", 1), -1);
  EXPECT_EQ(r.rank(" xy", 2), 1);
  EXPECT_EQ(r.rank("ab", 1), 2);
  EXPECT_EQ(r.rank("nospace", 2), -1);
  EXPECT_EQ(r.size(), 3u);
}

TEST(Bpe, MergesByRank) {
  const std::vector<std::string> extra = {"ab", "bc", "abc"};  // 257, 258, 259
  EXPECT_EQ(bpe_vocab(extra, {"a b", "ab c"}).encode("abc", false, false), (std::vector<Token>{259}));
  // "b c" ranks first: "a" + "bc", and there is no "a bc" merge.
  EXPECT_EQ(bpe_vocab(extra, {"b c", "a b", "ab c"}).encode("abc", false, false),
            (std::vector<Token>{byte_id('a'), 258}));
  // A merged symbol that is not a token falls back to one token per byte.
  EXPECT_EQ(bpe_vocab({}, {"a b"}).encode("ab", false, false),
            (std::vector<Token>{byte_id('a'), byte_id('b')}));
}

TEST(Bpe, EqualRanksMergeLeftmostFirst) {
  const Vocab v = bpe_vocab({"aa"}, {"a a"});
  EXPECT_EQ(v.encode("aaa", false, false), (std::vector<Token>{257, byte_id('a')}));
  EXPECT_EQ(v.encode("aaaa", false, false), (std::vector<Token>{257, 257}));
}

TEST(Bpe, WordsDoNotMergeAcrossThePreTokenizer) {
  // " a" is one word (GPT-2 keeps the space with the letters), "b" another.
  const Vocab v = bpe_vocab({ch(' ') + "a", "ab"}, {ch(' ') + " a", "a b"});
  EXPECT_EQ(v.encode(" ab", false, false), (std::vector<Token>{257, byte_id('b')}));
}

TEST(Bpe, Metadata) {
  const Vocab v = bpe_vocab({}, {});
  EXPECT_EQ(v.model(), "gpt2");
  EXPECT_EQ(v.bos(), 11);  // llama.cpp's default for BPE
  EXPECT_EQ(v.eos(), 11);
  EXPECT_EQ(v.unk(), -1);
  EXPECT_FALSE(v.add_bos());
  EXPECT_FALSE(v.add_eos());
  // Llama 3's pre-tokenizer implies BOS; the file has the last word.
  EXPECT_TRUE(bpe_vocab({}, {}, "llama-bpe").add_bos());
  EXPECT_FALSE(bpe_vocab({}, {}, "llama-bpe", [](gguf::Writer& w) {
                 w.set("tokenizer.ggml.add_bos_token", bool_value(false));
               }).add_bos());
  const Vocab with_ids = bpe_vocab({}, {}, "qwen2", [](gguf::Writer& w) {
    w.set("tokenizer.ggml.bos_token_id", u32_value(0));
    w.set("tokenizer.ggml.eos_token_id", u32_value(0));
  });
  EXPECT_EQ(with_ids.bos(), 0);
  EXPECT_EQ(with_ids.encode("a", true, false), (std::vector<Token>{0, byte_id('a')}));
  // ChatGLM has no default BOS.
  EXPECT_EQ(bpe_vocab({}, {}, "chatglm-bpe").bos(), -1);
}

TEST(Bpe, RefusesBadMetadata) {
  expect_error([] { bpe_vocab({}, {}, "no-such-pre"); },
               "'test.gguf': unsupported pre-tokenizer 'no-such-pre'");
  expect_error(
      [] {
        make_vocab({{"a", 0, TokenType::Normal}}, [](gguf::Writer& w) {
          w.set("tokenizer.ggml.model", str_value("gpt2"));
          w.set("tokenizer.ggml.pre", str_value("gpt-2"));
        });
      },
      "tokenizer.ggml.merges is missing");
}

TEST(Bpe, DecodesTheByteAlphabet) {
  const Vocab v = bpe_vocab({ch(' ') + "hi" + ch('\n'), "\xe2\x96\x81x"}, {});
  EXPECT_EQ(v.decode_token(byte_id(' ')), " ");
  EXPECT_EQ(v.decode_token(byte_id('\n')), "\n");
  EXPECT_EQ(v.decode_token(byte_id(0xe6)), "\xe6");
  EXPECT_EQ(v.decode_token(257), " hi\n");
  // A character outside the alphabet stands for itself.
  EXPECT_EQ(v.decode_token(258), "\xe2\x96\x81x");
  EXPECT_EQ(v.decode_token(0), "");
  EXPECT_EQ(v.decode_token(0, true), "<|endoftext|>");
}

// SPM-style BPE (tokenizer model "gemma4"): spaces are U+2581, no byte
// alphabet, runs of newlines are split off (and taken whole when they are a
// token), bytes without a token become <0xNN>, and BOS is always added.
TEST(Bpe, Gemma4Style) {
  const std::string sp = "\xe2\x96\x81";
  std::vector<Entry> e = {{"<pad>", 0, TokenType::Control},
                          {"<eos>", 0, TokenType::Control},
                          {"<bos>", 0, TokenType::Control},
                          {"<unk>", 0, TokenType::Unknown}};
  const char* hex = "0123456789ABCDEF";
  for (int b = 0; b < 256; ++b)
    e.push_back({std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">", 0, TokenType::Byte});
  // 260..
  for (const std::string& t : std::vector<std::string>{sp, "a", "b", sp + "a", "\n", "\n\n", "ab"})
    e.push_back({t, 0, TokenType::Normal});
  const Vocab v = make_vocab(e, [&](gguf::Writer& w) {
    w.set("tokenizer.ggml.model", str_value("gemma4"));
    w.set("tokenizer.ggml.bos_token_id", u32_value(2));
    w.set("tokenizer.ggml.eos_token_id", u32_value(1));
    w.set("tokenizer.ggml.add_bos_token", bool_value(false));  // overridden, as llama.cpp does
    gguf::Array m{gguf::ValueType::STRING, {}};
    for (const std::string& s : std::vector<std::string>{sp + " a", "a b"}) m.items.push_back(str_value(s));
    w.set("tokenizer.ggml.merges", gguf::Value{std::move(m)});
  });
  EXPECT_EQ(v.model(), "gemma4");
  EXPECT_TRUE(v.add_bos());
  EXPECT_EQ(v.bos(), 2);
  EXPECT_EQ(v.unk(), -1);  // Gemma 4 has no default ids; this file names none
  // "ab" "▁a" "\n\n" (whole, though no merge makes it) "é" as two bytes.
  const std::vector<Token> ids = v.encode("ab a\n\n\xc3\xa9", true, false);
  EXPECT_EQ(ids, (std::vector<Token>{2, 266, 263, 265, 4 + 0xc3, 4 + 0xa9}));
  EXPECT_EQ(v.decode(ids), "ab a\n\n\xc3\xa9");
}

TEST(Bpe, Qwen2Metadata) {
  const Vocab& v = qwen2_vocab();
  EXPECT_EQ(v.model(), "gpt2");
  EXPECT_EQ(v.size(), 151936);
  EXPECT_EQ(v.bos(), 151643);
  EXPECT_EQ(v.eos(), 151643);
  EXPECT_FALSE(v.add_bos());
  EXPECT_EQ(v.piece(151644), "<|im_start|>");
  EXPECT_EQ(v.type(151644), TokenType::Control);
  EXPECT_EQ(v.eot(), 151645);  // <|im_end|>
  EXPECT_TRUE(v.is_eog(151645));
}

TEST(Bpe, SpecialTokensOnlyWhenParsed) {
  const Vocab& v = qwen2_vocab();
  const std::string text = "<|im_start|>user\nHello<|im_end|>";
  const std::vector<Token> parsed = v.encode(text, false, true);
  ASSERT_GE(parsed.size(), 3u);
  EXPECT_EQ(parsed.front(), 151644);
  EXPECT_EQ(parsed.back(), 151645);
  EXPECT_EQ(v.decode(parsed, true), text);
  EXPECT_EQ(v.decode(parsed), "user\nHello");
  const std::vector<Token> plain = v.encode(text, false, false);
  for (Token id : plain) EXPECT_LT(id, 151643) << "special token in plain text";
  EXPECT_EQ(v.decode(plain), text);
}

TEST(Bpe, InvalidUtf8BecomesReplacementCharacter) {
  const Vocab& v = qwen2_vocab();
  EXPECT_EQ(v.encode("a\xff" "b", false, false), v.encode("a\xef\xbf\xbd" "b", false, false));
  EXPECT_EQ(v.encode("\xe6\x88", false, false), v.encode("\xef\xbf\xbd\xef\xbf\xbd", false, false));
  // An encoded surrogate is kept, byte for byte (as llama.cpp does).
  const std::string surrogate = "x\xed\xa0\x80y";
  EXPECT_EQ(v.decode(v.encode(surrogate, false, false)), surrogate);
}

// Byte-level BPE loses nothing: decode(encode(x)) == x for any valid UTF-8.
TEST(Bpe, RandomTextRoundTrips) {
  const std::vector<std::string> chars = {
      "a", "b", "Z", " ", "  ", "\n", "\r\n", "\t", ".", "'", "'s", "1", "42", std::string(1, '\0'),
      "\x7f", "\xc3\xa9", "\xe6\x97\xa5", "\xf0\x9f\xa6\x99", "\xe2\x80\x8d", "\xe3\x80\x80",
      "\xc2\x85", "\xd9\xa3", "<|im_start|>", "\xe2\x96\x81"};
  std::mt19937 rng(11);
  const Vocab& v = qwen2_vocab();
  for (int trial = 0; trial < 1500; ++trial) {
    std::string text;
    const int len = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) text += chars[rng() % chars.size()];
    const std::vector<Token> ids = v.encode(text, false, false);
    ASSERT_EQ(v.decode(ids), text) << escaped(text);
    ASSERT_EQ(v.encode(v.decode(ids), false, false), ids) << escaped(text);
  }
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

// 60 KB of prose in well under a second (Release); long single words and
// whitespace runs, the worst cases for merging and for the pre-tokenizer,
// too.
TEST(Bpe, LongTextIsFast) {
  const std::string gpl = testing::read_whole_file(HEARTH_TEST_DATA "/gpl-3.0-first-20000-bytes.txt");
  ASSERT_EQ(gpl.size(), 20000u);
  const Vocab& v = qwen2_vocab();
  const double limit_ms = kSanitized ? 5000.0 : 500.0;
  for (const std::string& text : {gpl + gpl + gpl, std::string(60000, 'a'), std::string(60000, ' '),
                                  std::string(20000, '7'), std::string(15000, '\xe6'),
                                  [] {
                                    std::string s;
                                    for (int i = 0; i < 20000; ++i) s += "\xe6\x97\xa5";
                                    return s;
                                  }()}) {
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Token> ids = v.encode(text, false, false);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("qwen2: %zu bytes -> %zu tokens in %.1f ms\n", text.size(), ids.size(), ms);
    EXPECT_LT(ms, limit_ms);
    if (testing::valid_utf8(text)) {
      EXPECT_EQ(v.decode(ids), text);
    }
  }
}

}  // namespace
}  // namespace hearth::tokenizer
