// Every vocabulary in llama.cpp's tree that has test vectors: each input must
// give exactly the ids in the .out file (no BOS, no special-token parsing, as
// llama.cpp's test-tokenizer-0 runs them). One test per vocabulary; a failure
// names the input.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>

#include "gguf/file.h"
#include "tokenizer_test_util.h"
#include "vocab_vectors.h"

namespace hearth::tokenizer {
namespace {

using testing::escaped;
using testing::ids_text;
using testing::read_vectors;
using testing::vector_vocab_path;

// Loaded once per process.
const Vocab& vocab_named(const std::string& name, const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Vocab>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = std::make_unique<Vocab>(Vocab::from_gguf(gguf::File::open(path)));
  return *slot;
}

std::string missing_message(const std::string& name) {
  return "ggml-vocab-" + name + ".gguf is not in " + testing::llama_vocabs_dir() +
         ": run scripts/fetch-llama-vocabs.sh (or point HEARTH_LLAMA_VOCABS at llama.cpp's "
         "models/ directory)";
}

class LlamaVocab : public ::testing::TestWithParam<std::string> {};

TEST_P(LlamaVocab, MatchesLlamaCppVectors) {
  const std::string& name = GetParam();
  const std::string path = vector_vocab_path(name);
  if (path.empty()) GTEST_SKIP() << missing_message(name);
  const testing::Vectors v = read_vectors(path);
  ASSERT_GT(v.inputs.size(), 0u) << path << ".inp has no inputs";
  ASSERT_EQ(v.inputs.size(), v.outputs.size()) << "inputs and expected outputs must pair up";
  const Vocab& vocab = vocab_named(name, path);
  size_t passed = 0;
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    const std::vector<Token> got = vocab.encode(v.inputs[i], false, false);
    EXPECT_EQ(ids_text(got), ids_text(v.outputs[i]))
        << name << ", vector " << i << ", input " << escaped(v.inputs[i]);
    passed += ids_text(got) == ids_text(v.outputs[i]);
  }
  std::printf("%s (%s): %zu of %zu vectors match\n", name.c_str(), vocab.model().c_str(), passed,
              v.inputs.size());
}

// Detokenizing the expected ids gives the input back, and tokenizing that
// text gives the same ids, wherever the tokenizer is lossless:
//  - byte-level BPE ("gpt2"): every byte has a token, so always;
//  - SPM-style BPE ("gemma4"): always, for text without U+2581 (which would
//    come back as a space; no input has one);
//  - SentencePiece ("llama"): the text comes back with the space prefix in
//    front, so only the detokenizing half is checked;
//  - WordPiece ("bert") is lossy by design (lowercasing, accents, whitespace)
//    and is not checked.
TEST_P(LlamaVocab, RoundTrips) {
  const std::string& name = GetParam();
  const std::string path = vector_vocab_path(name);
  if (path.empty()) GTEST_SKIP() << missing_message(name);
  const testing::Vectors v = read_vectors(path);
  ASSERT_EQ(v.inputs.size(), v.outputs.size());
  const Vocab& vocab = vocab_named(name, path);
  if (vocab.model() == "bert") GTEST_SKIP() << "WordPiece normalises text: not lossless";
  for (size_t i = 0; i < v.inputs.size(); ++i) {
    const std::string& input = v.inputs[i];
    const std::string text = vocab.decode(v.outputs[i]);
    if (vocab.model() == "llama") {
      EXPECT_EQ(text, input.empty() ? "" : " " + input)
          << name << ", vector " << i << ", input " << escaped(input);
      continue;
    }
    ASSERT_EQ(input.find("\xe2\x96\x81"), std::string::npos);
    EXPECT_EQ(text, input) << name << ", vector " << i << ", input " << escaped(input);
    EXPECT_EQ(ids_text(vocab.encode(text, false, false)), ids_text(v.outputs[i]))
        << name << ", vector " << i << ", input " << escaped(input);
  }
}

INSTANTIATE_TEST_SUITE_P(Vocabularies, LlamaVocab,
                         ::testing::ValuesIn(testing::vector_vocab_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string n;
                           for (char c : info.param) n += (c == '-' || c == '.') ? '_' : c;
                           return n;
                         });

}  // namespace
}  // namespace hearth::tokenizer
