#pragma once
// llama.cpp's tokenizer test vectors: ggml-vocab-NAME.gguf with .inp/.out
// beside it. Three vocabularies are bundled in tests/data; the others come
// from llama.cpp's source tree (models/), which scripts/fetch-llama-vocabs.sh
// unpacks into build/llama-vocabs (or wherever HEARTH_LLAMA_VOCABS points).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/vocab.h"

#ifndef HEARTH_LLAMA_VOCABS
#define HEARTH_LLAMA_VOCABS HEARTH_SOURCE_DIR "/build/llama-vocabs"
#endif

namespace hearth::tokenizer::testing {

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The vocabularies with test vectors in llama.cpp's tree.
inline const std::vector<std::string>& vector_vocab_names() {
  static const std::vector<std::string> names = {
      "llama-spm", "qwen2", "bert-bge",  // bundled
      "command-r", "deepseek-coder", "deepseek-llm", "falcon", "gemma-4", "gpt-2",
      "llama-bpe", "mpt", "phi-3", "qwen35", "refact", "starcoder",
  };
  return names;
}

inline bool is_bundled(const std::string& name) {
  return name == "llama-spm" || name == "qwen2" || name == "bert-bge";
}

// Directory of the fetched llama.cpp vocabularies: $HEARTH_LLAMA_VOCABS, else
// the build's default.
inline std::string llama_vocabs_dir() {
  const char* env = std::getenv("HEARTH_LLAMA_VOCABS");
  return env && *env ? env : HEARTH_LLAMA_VOCABS;
}

// Path of ggml-vocab-NAME.gguf ("" when it is not there).
inline std::string vector_vocab_path(const std::string& name) {
  const std::string file = "ggml-vocab-" + name + ".gguf";
  const std::string path =
      is_bundled(name) ? std::string(HEARTH_TEST_DATA) + "/" + file : llama_vocabs_dir() + "/" + file;
  return std::filesystem::exists(path) ? path : std::string();
}

struct Vectors {
  std::vector<std::string> inputs;
  std::vector<std::vector<Token>> outputs;
};

// Reads PATH.inp and PATH.out as llama.cpp's test-tokenizer-0 does: inputs
// are separated by "\n__ggml_vocab_test__\n" (text after the last separator
// is one more input), and the .out file has one line of ids per input.
inline Vectors read_vectors(const std::string& vocab_path) {
  Vectors v;
  const std::string inp = read_whole_file(vocab_path + ".inp");
  const std::string sep = "\n__ggml_vocab_test__\n";
  size_t pos = 0;
  while (pos < inp.size()) {
    const size_t hit = inp.find(sep, pos);
    if (hit == std::string::npos) {
      v.inputs.push_back(inp.substr(pos));
      break;
    }
    v.inputs.push_back(inp.substr(pos, hit - pos));
    pos = hit + sep.size();
  }
  std::istringstream out(read_whole_file(vocab_path + ".out"));
  std::string line;
  while (std::getline(out, line)) {
    std::istringstream ids(line);
    std::vector<Token> row;
    for (Token id; ids >> id;) row.push_back(id);
    v.outputs.push_back(std::move(row));
  }
  return v;
}

inline std::string ids_text(const std::vector<Token>& ids) {
  std::string s;
  for (Token id : ids) {
    if (!s.empty()) s += ' ';
    s += std::to_string(id);
  }
  return s;
}

}  // namespace hearth::tokenizer::testing
