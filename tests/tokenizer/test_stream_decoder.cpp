// Streaming detokenization never emits a broken UTF-8 sequence.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tokenizer_test_util.h"

namespace hearth::tokenizer {
namespace {

using testing::escaped;
using testing::llama_spm_vocab;
using testing::stories_vocab;
using testing::valid_utf8;

// Streams ids through a StreamDecoder, checking every chunk; returns the
// concatenation of the chunks and the flush.
std::string stream(const Vocab& vocab, const std::vector<Token>& ids) {
  StreamDecoder decoder(vocab);
  std::string all;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string chunk = decoder.push(ids[i]);
    EXPECT_TRUE(valid_utf8(chunk)) << "chunk after token " << i << " (" << ids[i]
                                   << ") is not valid UTF-8: " << escaped(chunk);
    all += chunk;
  }
  all += decoder.flush();
  return all;
}

TEST(StreamDecoder, HoldsBackSplitCharacters) {
  const std::vector<std::string> texts = {
      "caf\xc3\xa9",                                   // é: 2 bytes
      "\xe6\x97\xa5\xe6\x9c\xac",                      // 日本: 3 bytes each
      "\xf0\x9f\xa6\x99 llama \xf0\x9f\x9a\x80!",      // emoji: 4 bytes
      // \u00fc\u65e5\U0001f999\u00fc, no ASCII between
      "\xc3\xbc\xe6\x97\xa5\xf0\x9f\xa6\x99\xc3\xbc",
      "Once upon a time \xe2\x9c\x85 there was a \xd0\xba\xd0\xbe\xd1\x82.",
  };
  for (const Vocab* vocab : {&stories_vocab(), &llama_spm_vocab()}) {
    for (const std::string& text : texts) {
      const std::vector<Token> ids = vocab->encode(text, true, false);
      EXPECT_EQ(stream(*vocab, ids), " " + text) << escaped(text);
    }
  }
  // The stories vocabulary (512 tokens) has none of the characters of
  // texts[3], so they really are split into byte tokens.
  const std::vector<Token> ids = stories_vocab().encode(texts[3], false, false);
  size_t bytes = 0;
  for (Token id : ids) bytes += stories_vocab().type(id) == TokenType::Byte;
  EXPECT_EQ(bytes, 2u + 3u + 4u + 2u);
}

TEST(StreamDecoder, ChunksArriveWhenComplete) {
  const Vocab& v = llama_spm_vocab();
  auto byte = [](int b) { return static_cast<Token>(3 + b); };
  StreamDecoder d(v);
  EXPECT_EQ(d.push(15043), " Hello");
  EXPECT_EQ(d.push(byte(0xf0)), "");
  EXPECT_EQ(d.push(byte(0x9f)), "");
  EXPECT_EQ(d.push(byte(0xa6)), "");
  EXPECT_EQ(d.push(byte(0x99)), "\xf0\x9f\xa6\x99");
  EXPECT_EQ(d.push(byte(0xc3)), "");
  EXPECT_EQ(d.push(1), "");  // a control token renders as nothing, holds nothing
  EXPECT_EQ(d.push(byte(0xa9)), "\xc3\xa9");
  EXPECT_EQ(d.push(byte(0xe6)), "");
  EXPECT_EQ(d.push(byte(0x97)), "");
  EXPECT_EQ(d.flush(), "\xe6\x97");  // what never completed comes out at the end
  EXPECT_EQ(d.flush(), "");
  EXPECT_EQ(d.push(3186), " world");
}

TEST(StreamDecoder, GplTextStreamsToTheSameText) {
  std::string text;
  {
    FILE* f = std::fopen(HEARTH_TEST_DATA "/gpl-3.0-first-20000-bytes.txt", "rb");
    ASSERT_NE(f, nullptr);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
    std::fclose(f);
  }
  text += " \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\xa6\x99";
  const Vocab& v = stories_vocab();
  EXPECT_EQ(stream(v, v.encode(text, true, false)), " " + text);
}

}  // namespace
}  // namespace hearth::tokenizer
