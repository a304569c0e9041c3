// The pre-tokenizers on their own: how text is cut into words before merges.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer_test_util.h"

namespace hearth::tokenizer {
namespace {

using Words = std::vector<std::string>;

Words split(std::string_view pre, std::string_view text) {
  return PreTokenizer::create(pre)->split(text);
}

TEST(PreTokenizer, UnknownNameIsRefused) {
  try {
    PreTokenizer::create("no-such-tokenizer");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'no-such-tokenizer'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(PreTokenizer::create("kimi-k2"), Error);  // llama.cpp's own splitter, not a regex
}

TEST(PreTokenizer, EveryKnownNameCompiles) {
  for (const char* name :
       {"default", "", "llama3", "llama-bpe", "llama-v3", "dbrx", "smaug-bpe", "glm4", "jais-2",
        "deepseek-llm", "deepseek-v3", "spark2_5", "youtu", "deepseek-coder", "falcon",
        "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b",
        "mellum2", "gpt-2", "phi-2", "mpt", "olmo", "jais", "roberta-bpe", "qwen2", "qwen35",
        "stablelm2", "megrez", "grok-2", "ufakzeka", "poro-chat", "bloom", "viking", "tekken",
        "chameleon", "gpt-4o", "llama4", "minimax-m2", "granite-embed-multi-97m", "tiny_aya",
        "superbpe", "bailingmoe", "seed-coder", "afmoe", "laguna", "exaone-moe", "gemma4",
        "sarvam-moe", "minicpm5", "whitespace"}) {
    SCOPED_TRACE(name);
    const auto pre = PreTokenizer::create(name);
    // Any text is covered exactly by its words.
    const std::string text = "Hello, y'all! 3333 \xe6\x88\x91\xe6\x83\xb3 \xf0\x9f\xa6\x99\n\n  x\t.";
    std::string joined;
    for (const std::string& w : pre->split(text)) {
      EXPECT_FALSE(w.empty());
      joined += w;
    }
    EXPECT_EQ(joined, text);
  }
}

TEST(PreTokenizer, WhitespaceIsTheWhiteSpaceProperty) {
  EXPECT_EQ(whitespace_as_property(R"(\s+(?!\S))"),
            R"([\t-\r\p{Z}\x{85}]+(?![^\t-\r\p{Z}\x{85}]))");
  EXPECT_EQ(whitespace_as_property(R"([^\s\p{L}])"), R"([^\t-\r\p{Z}\x{85}\p{L}])");
  EXPECT_EQ(whitespace_as_property(R"(\\s[\]\s])"), R"(\\s[\]\t-\r\p{Z}\x{85}])");
  EXPECT_EQ(whitespace_as_property(R"([]\s])"), R"([]\t-\r\p{Z}\x{85}])");
  // U+180E (Mongolian vowel separator) is not whitespace, U+0085 and U+3000 are.
  EXPECT_EQ(split("gpt-2", "a\xe1\xa0\x8e" "b"), (Words{"a", "\xe1\xa0\x8e", "b"}));
  // (Only a plain space joins the word after it.)
  EXPECT_EQ(split("gpt-2", "a\xc2\x85\xc2\x85" "b"), (Words{"a", "\xc2\x85", "\xc2\x85", "b"}));
  EXPECT_EQ(split("gpt-2", "a\xe3\x80\x80\xe3\x80\x80"), (Words{"a", "\xe3\x80\x80\xe3\x80\x80"}));
}

TEST(PreTokenizer, Contractions) {
  // GPT-2: lower-case contractions only.
  EXPECT_EQ(split("gpt-2", "I've he's 'RE we'Ve"),
            (Words{"I", "'ve", " he", "'s", " '", "RE", " we", "'", "Ve"}));
  // Llama 3 and Qwen 2: any case.
  EXPECT_EQ(split("llama3", "I've he's 'RE we'Ve"),
            (Words{"I", "'ve", " he", "'s", " '", "RE", " we", "'Ve"}));
  EXPECT_EQ(split("qwen2", "a'lL 'D"), (Words{"a", "'lL", " '", "D"}));
  EXPECT_EQ(split("llama3", "' era"), (Words{"'", " era"}));
}

TEST(PreTokenizer, Numbers) {
  EXPECT_EQ(split("llama3", "1234567"), (Words{"123", "456", "7"}));
  EXPECT_EQ(split("llama3", "3.14 12345"), (Words{"3", ".", "14", " ", "123", "45"}));
  EXPECT_EQ(split("qwen2", "2024"), (Words{"2", "0", "2", "4"}));
  EXPECT_EQ(split("gpt-2", "a 2024!"), (Words{"a", " 2024", "!"}));
  EXPECT_EQ(split("starcoder", " 2024"), (Words{" ", "2", "0", "2", "4"}));
  // llama.cpp's default: digits split in threes from the left.
  EXPECT_EQ(split("default", "1234567"), (Words{"123", "456", "7"}));
  // In threes from the right.
  EXPECT_EQ(split("superbpe", "1234567 12"), (Words{"1", "234", "567", " ", "12"}));
  EXPECT_EQ(split("afmoe", "x123456"), (Words{"x", "123", "456"}));
  EXPECT_EQ(split("tiny_aya", "12345"), (Words{"12", "345"}));
  // Other scripts' digits are numbers too (Arabic-Indic).
  EXPECT_EQ(split("llama3", "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4"),
            (Words{"\xd9\xa1\xd9\xa2\xd9\xa3", "\xd9\xa4"}));
}

TEST(PreTokenizer, WhitespaceRuns) {
  // The last space of a run joins the next word; a run at the end stays whole.
  EXPECT_EQ(split("gpt-2", "a   b"), (Words{"a", "  ", " b"}));
  EXPECT_EQ(split("gpt-2", "a   "), (Words{"a", "   "}));
  EXPECT_EQ(split("llama3", "a \t b"), (Words{"a", " \t", " b"}));
  EXPECT_EQ(split("llama3", "   Hello"), (Words{"  ", " Hello"}));
  EXPECT_EQ(split("llama3", "\t\tx"), (Words{"\t", "\tx"}));
  // deepseek-llm keeps trailing whitespace as one word.
  EXPECT_EQ(split("deepseek-llm", "ab   "), (Words{"ab", "   "}));
  EXPECT_EQ(split("deepseek-llm", "  ab"), (Words{" ", " ab"}));
}

TEST(PreTokenizer, Newlines) {
  // Llama 3: whitespace up to the last newline of a run is one word;
  // punctuation takes the newlines after it.
  EXPECT_EQ(split("llama3", "Hello\n\nworld"), (Words{"Hello", "\n\n", "world"}));
  EXPECT_EQ(split("llama3", "a \n\n b"), (Words{"a", " \n\n", " b"}));
  EXPECT_EQ(split("llama3", "a\n \n  "), (Words{"a", "\n \n", "  "}));
  EXPECT_EQ(split("llama3", "ok!\n\nx"), (Words{"ok", "!\n\n", "x"}));
  EXPECT_EQ(split("llama3", "\n ="), (Words{"\n", " ="}));
  // GPT-2 has no newline rule.
  EXPECT_EQ(split("gpt-2", "a\n\nb"), (Words{"a", "\n", "\n", "b"}));
  // deepseek-coder cuts out every newline first.
  EXPECT_EQ(split("deepseek-coder", "a\n\n b"), (Words{"a", "\n", "\n", " b"}));
  // SPM-style BPE cuts lines from runs of newlines only.
  EXPECT_EQ(split("gemma4", "a b\n\nc "), (Words{"a b", "\n\n", "c "}));
}

TEST(PreTokenizer, Cjk) {
  const std::string text = "\xe6\x88\x91\xe6\x83\xb3\xe5\x9c\xa8" "apple" "\xe5\xb7\xa5\xe4\xbd\x9c";
  // CJK characters are letters: one word with the Latin ones.
  EXPECT_EQ(split("qwen2", text), (Words{text}));
  // deepseek's CJK expression cuts them apart from Latin letters.
  EXPECT_EQ(split("deepseek-coder", text),
            (Words{"\xe6\x88\x91\xe6\x83\xb3\xe5\x9c\xa8", "apple", "\xe5\xb7\xa5\xe4\xbd\x9c"}));
  // A full-width symbol is not a letter.
  EXPECT_EQ(split("llama3", "\xe5\xa4\xa9\xef\xbd\x9e"), (Words{"\xe5\xa4\xa9", "\xef\xbd\x9e"}));
}

TEST(PreTokenizer, Emoji) {
  const std::string llama = "\xf0\x9f\xa6\x99";
  EXPECT_EQ(split("gpt-2", llama + llama + " 3"), (Words{llama + llama, " 3"}));
  EXPECT_EQ(split("llama3", llama + llama + " 3"), (Words{llama + llama, " ", "3"}));
  // A ZWJ sequence with a variation selector stays together.
  const std::string zwj = "\xf0\x9f\x98\xb6\xe2\x80\x8d\xf0\x9f\x8c\xab\xef\xb8\x8f";
  EXPECT_EQ(split("llama3", " " + zwj + " x"), (Words{" " + zwj, " x"}));
}

TEST(PreTokenizer, CaseChanges) {
  // GPT-4o / o200k cuts words where lower case turns to upper case, for any
  // script (as tokenizer.json's expression does).
  EXPECT_EQ(split("gpt-4o", "helloWorld HTTPServer"), (Words{"hello", "World", " HTTPServer"}));
  EXPECT_EQ(split("gpt-4o", "\xd0\xbf\xd1\x80\xd0\xb8\xd0\x9c\xd0\xb8\xd1\x80"),
            (Words{"\xd0\xbf\xd1\x80\xd0\xb8", "\xd0\x9c\xd0\xb8\xd1\x80"}));
  EXPECT_EQ(split("gpt-4o", "they're"), (Words{"they're"}));
}

TEST(PreTokenizer, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(split("gpt-2", "a\xff" "b"), (Words{"a", "\xef\xbf\xbd", "b"}));
  // An overlong form decodes to its value, as in llama.cpp.
  EXPECT_EQ(split("gpt-2", "\xc1\x81" "b"), (Words{"Ab"}));
  // An encoded surrogate stays (llama.cpp keeps it), as a non-letter.
  EXPECT_EQ(split("gpt-2", "a\xed\xa0\x80" "b\xff"),
            (Words{"a", "\xed\xa0\x80", "b", "\xef\xbf\xbd"}));
  // Beyond U+10FFFF: U+FFFD.
  EXPECT_EQ(split("gpt-2", "\xf4\x90\x80\x80"), (Words{"\xef\xbf\xbd"}));
}

TEST(PreTokenizer, LongInputIsLinear) {
  // Long runs of one kind, the usual worst cases of backtracking.
  for (const char* name : {"llama3", "qwen2", "gpt-2", "deepseek-llm", "gpt-4o", "superbpe", "jais-2"}) {
    SCOPED_TRACE(name);
    const auto pre = PreTokenizer::create(name);
    for (const std::string& text : {std::string(100000, ' ') + "x", std::string(100000, 'a'),
                                    std::string(100000, '7'), std::string(50000, '\n') + " x"}) {
      const auto start = std::chrono::steady_clock::now();
      const std::vector<std::string> words = pre->split(text);
      const double ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
      EXPECT_LT(ms, 2000.0);
      std::string joined;
      for (const std::string& w : words) joined += w;
      EXPECT_EQ(joined, text);
    }
  }
}

}  // namespace
}  // namespace hearth::tokenizer
