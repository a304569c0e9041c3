// llama.cpp's tokenizer test vectors for the llama SPM vocabulary: every
// input must give exactly the ids llama.cpp gives (no BOS, no special-token
// parsing).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer_test_util.h"

namespace hearth::tokenizer {
namespace {

using testing::escaped;
using testing::llama_spm_vocab;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct VectorCase {
  size_t index;
  std::string input;
  std::vector<Token> expected;
};

// The .inp file is a sequence of inputs, each followed by the line
// "__ggml_vocab_test__": input i is the text between one separator and the
// next, without the newline that ends it. The .out file has one line per
// input, the ids separated by spaces.
struct Vectors {
  std::vector<std::string> inputs;
  std::vector<std::vector<Token>> outputs;
};

const Vectors& vectors() {
  static const Vectors v = [] {
    Vectors v;
    const std::string base = HEARTH_TEST_DATA "/ggml-vocab-llama-spm.gguf";
    const std::string inp = read_file(base + ".inp");
    const std::string sep = "\n__ggml_vocab_test__\n";
    size_t pos = 0;
    while (pos < inp.size()) {
      const size_t hit = inp.find(sep, pos);
      if (hit == std::string::npos) {
        v.inputs.push_back("<<trailing text without separator: " + inp.substr(pos) + ">>");
        break;
      }
      v.inputs.push_back(inp.substr(pos, hit - pos));
      pos = hit + sep.size();
    }
    std::istringstream out(read_file(base + ".out"));
    std::string line;
    while (std::getline(out, line)) {
      std::istringstream ids(line);
      std::vector<Token> row;
      for (Token id; ids >> id;) row.push_back(id);
      v.outputs.push_back(std::move(row));
    }
    return v;
  }();
  return v;
}

std::vector<VectorCase> cases() {
  std::vector<VectorCase> c;
  const Vectors& v = vectors();
  for (size_t i = 0; i < v.inputs.size() && i < v.outputs.size(); ++i)
    c.push_back({i, v.inputs[i], v.outputs[i]});
  return c;
}

std::string ids_text(const std::vector<Token>& ids) {
  std::string s;
  for (Token id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

TEST(LlamaSpmVectors, FilesAgree) {
  const Vectors& v = vectors();
  EXPECT_EQ(v.inputs.size(), 46u);
  EXPECT_EQ(v.inputs.size(), v.outputs.size()) << "inputs and expected outputs must pair up";
}

class LlamaSpmVector : public ::testing::TestWithParam<VectorCase> {};

TEST_P(LlamaSpmVector, MatchesLlamaCpp) {
  const VectorCase& c = GetParam();
  const std::vector<Token> got = llama_spm_vocab().encode(c.input, false, false);
  EXPECT_EQ(ids_text(got), ids_text(c.expected))
      << "vector " << c.index << ", input " << escaped(c.input);
}

// SPM with a full set of byte tokens loses nothing but the space it adds in
// front: decode(encode(x)) == " " + x for non-empty x (and "" for ""), as
// long as x does not itself contain U+2581 (which decodes to a space).
TEST_P(LlamaSpmVector, RoundTrips) {
  const VectorCase& c = GetParam();
  ASSERT_EQ(c.input.find("\xe2\x96\x81"), std::string::npos);
  const Vocab& vocab = llama_spm_vocab();
  const std::string expected = c.input.empty() ? "" : " " + c.input;
  EXPECT_EQ(vocab.decode(vocab.encode(c.input, false, false)), expected)
      << "vector " << c.index << ", input " << escaped(c.input);
  EXPECT_EQ(testing::stories_vocab().decode(testing::stories_vocab().encode(c.input, false, false)),
            expected)
      << "stories260K, vector " << c.index << ", input " << escaped(c.input);
}

INSTANTIATE_TEST_SUITE_P(Vectors, LlamaSpmVector, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<VectorCase>& info) {
                           return "Input" + std::to_string(info.param.index);
                         });

std::string gpl_text() { return read_file(HEARTH_TEST_DATA "/gpl-3.0-first-20000-bytes.txt"); }

TEST(LlamaSpmText, GplRoundTrips) {
  const std::string text = gpl_text();
  ASSERT_EQ(text.size(), 20000u);
  for (const Vocab* vocab : {&llama_spm_vocab(), &testing::stories_vocab()}) {
    const std::vector<Token> ids = vocab->encode(text, true, false);
    ASSERT_FALSE(ids.empty());
    EXPECT_EQ(ids[0], vocab->bos());
    EXPECT_EQ(vocab->decode(ids), " " + text);
  }
}

// Lossless for any valid UTF-8: what no piece covers falls back to byte
// tokens. (No '<' in the alphabet, so no control token's text can form; no
// U+2581, which decodes to a space.)
TEST(LlamaSpmText, RandomTextRoundTrips) {
  const std::vector<std::string> chars = {"a", "b", " ", "e", "\n", "\t", ".", "1",
                                          std::string(1, '\0'), "\xc3\xa9", "\xe6\x97\xa5",
                                          "\xf0\x9f\xa6\x99"};
  std::mt19937 rng(7);
  const Vocab& vocab = llama_spm_vocab();
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    const int len = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) text += chars[rng() % chars.size()];
    ASSERT_EQ(vocab.decode(vocab.encode(text, false, true)), " " + text) << escaped(text);
  }
}

// Invalid UTF-8 is cut into "characters" by lead byte, as llama.cpp does, so
// a bad lead byte swallows the bytes after it. Without spaces nothing is
// lost; a space swallowed that way is already U+2581 and comes back as those
// three bytes, in llama.cpp as here.
TEST(LlamaSpmText, InvalidUtf8) {
  const std::vector<std::string> chars = {"a", "b", "e", "\n", ".", "1", "\xc3\xa9", "\xe6\x97\xa5",
                                          "\x80", "\xff", "\xf8", "\xc3", "\xe6\x97", "\xf0"};
  std::mt19937 rng(8);
  const Vocab& vocab = llama_spm_vocab();
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    const int len = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < len; ++k) text += chars[rng() % chars.size()];
    ASSERT_EQ(vocab.decode(vocab.encode(text, false, true)), " " + text) << escaped(text);
  }
  // "\xff" + "\xe2\x96\x81" (the escaped space) is one 4-byte symbol: four
  // byte tokens; the space after it stays a space.
  const auto byte = [](int b) { return static_cast<Token>(3 + b); };
  const std::vector<Token> ids = vocab.encode("\xff  a", false, false);
  ASSERT_GE(ids.size(), 5u);
  EXPECT_EQ(ids[0], 29871);  // the prefix "\u2581"
  EXPECT_EQ(std::vector<Token>(ids.begin() + 1, ids.begin() + 5),
            (std::vector<Token>{byte(0xff), byte(0xe2), byte(0x96), byte(0x81)}));
  EXPECT_EQ(vocab.decode(ids), " \xff\xe2\x96\x81 a");
}

// A long prompt must not take time quadratic in its length: 200 KB of text
// (about 50,000 tokens) in well under a second even in a sanitizer build.
TEST(LlamaSpmText, LongTextIsFast) {
  std::string text;
  for (int i = 0; i < 10; ++i) text += gpl_text();
  const Vocab& vocab = llama_spm_vocab();
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Token> ids = vocab.encode(text, true, false);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("encoded %zu bytes into %zu tokens in %.1f ms\n", text.size(), ids.size(), ms);
  EXPECT_GT(ids.size(), 30000u);
  EXPECT_LT(ms, 3000.0);
  EXPECT_EQ(vocab.decode(ids), " " + text);

  // Worst case for merge bookkeeping: one long run of a single character.
  const std::string spaces(100000, ' ');
  const auto start2 = std::chrono::steady_clock::now();
  const std::vector<Token> ids2 = vocab.encode(spaces, false, false);
  const double ms2 =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start2).count();
  EXPECT_LT(ms2, 3000.0);
  EXPECT_EQ(vocab.decode(ids2), " " + spaces);
}

}  // namespace
}  // namespace hearth::tokenizer
