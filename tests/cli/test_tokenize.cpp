// `hearth tokenize` on the bundled vocabulary-only GGUF files: the ids must be
// llama.cpp's test vectors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli/run_hearth.h"
#include "tokenizer/vocab_vectors.h"

namespace hearth::testing {
namespace {

using tokenizer::testing::ids_text;
using tokenizer::testing::read_vectors;

std::string vocab_file(const std::string& name) {
  return std::string(HEARTH_TEST_DATA) + "/ggml-vocab-" + name + ".gguf";
}

// Every vector of each bundled vocabulary, the text on stdin, without special
// tokens (--no-bos: no BOS, nor BERT's [SEP]), as the vectors were made.
class TokenizeVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizeVectors, MatchLlamaCpp) {
  const std::string path = vocab_file(GetParam());
  const tokenizer::testing::Vectors v = read_vectors(path);
  ASSERT_EQ(v.inputs.size(), v.outputs.size());
  ASSERT_GT(v.inputs.size(), 0u);
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    const Outcome o = run_hearth("tokenize --no-bos '" + path + "'", &v.inputs[i]);
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(o.out, ids_text(v.outputs[i]) + "\n")
        << GetParam() << ", vector " << i << ", input \"" << v.inputs[i] << "\"";
  }
}

INSTANTIATE_TEST_SUITE_P(Bundled, TokenizeVectors,
                         ::testing::Values("qwen2", "bert-bge", "llama-spm"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n;
                           for (char c : info.param) n += c == '-' ? '_' : c;
                           return n;
                         });

TEST(Tokenize, TextArgumentAndDefaults) {
  // Llama SPM adds BOS (1) by default.
  Outcome o = run_hearth("tokenize '" + vocab_file("llama-spm") + "' 'Hello world'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "1 15043 3186\n");
  o = run_hearth("tokenize --no-bos '" + vocab_file("llama-spm") + "' 'Hello world'");
  EXPECT_EQ(o.out, "15043 3186\n");
  // Qwen2 adds no BOS.
  o = run_hearth("tokenize '" + vocab_file("qwen2") + "' 'Hello world'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "9707 1879\n");
  // BERT: [CLS] ... [SEP].
  o = run_hearth("tokenize '" + vocab_file("bert-bge") + "' 'Hello world'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "101 7592 2088 102\n");
  o = run_hearth("tokenize --no-bos '" + vocab_file("bert-bge") + "' 'Hello world'");
  EXPECT_EQ(o.out, "7592 2088\n");
}

TEST(Tokenize, StdinIsTakenAsIs) {
  // A trailing newline on stdin is part of the text.
  const std::string text = "Hello world\n";
  const Outcome o = run_hearth("tokenize '" + vocab_file("qwen2") + "'", &text);
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "9707 1879 198\n");
}

TEST(Tokenize, SpecialTokens) {
  const std::string path = vocab_file("qwen2");
  Outcome o = run_hearth("tokenize --special '" + path + "' '<|im_start|>user'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "151644 872\n");
  // Without --special the marker is plain text.
  o = run_hearth("tokenize '" + path + "' '<|im_start|>user'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out.find("151644"), std::string::npos) << o.out;
}

TEST(Tokenize, Pieces) {
  Outcome o = run_hearth("tokenize --pieces '" + vocab_file("qwen2") + "' 'Hello world'");
  ASSERT_EQ(o.status, 0) << o.err;
  // The vocabulary's raw strings: GPT-2's byte alphabet writes the space as "Ġ".
  EXPECT_EQ(o.out, "9707\tHello\n1879\t\xc4\xa0world\n");
  o = run_hearth("tokenize --pieces '" + vocab_file("llama-spm") + "' 'Hi'");
  ASSERT_EQ(o.status, 0) << o.err;
  EXPECT_EQ(o.out, "1\t<s>\n6324\t\xe2\x96\x81Hi\n");
}

TEST(Tokenize, Errors) {
  Outcome o = run_hearth("tokenize /nonexistent/vocab.gguf 'x'");
  EXPECT_EQ(o.status, 1);
  EXPECT_EQ(o.err.rfind("hearth: error: ", 0), 0u) << o.err;
  EXPECT_EQ(o.err.find('\n'), o.err.size() - 1) << o.err;
  o = run_hearth("tokenize");
  EXPECT_NE(o.status, 0);
}

}  // namespace
}  // namespace hearth::testing
