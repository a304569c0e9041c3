#pragma once
// llama.cpp's greedy continuations for stories260K, parsed from
// tests/data/stories260K-REFERENCE.md (a copy of ../shared/models/REFERENCE.md).
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hearth::testing {

struct ReferenceText {
  std::string prompt;
  std::string continuation;  // what hearth prints: the text after " " + prompt
};

inline std::vector<ReferenceText> load_reference_texts(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<ReferenceText> out;
  std::string line, prompt;
  while (std::getline(in, line)) {
    const std::string tag = "Prompt \"";
    if (line.rfind(tag, 0) == 0) {
      prompt = line.substr(tag.size(), line.rfind('"') - tag.size());
      std::getline(in, line);  // opening fence
      if (line != "```") throw std::runtime_error("expected a code fence after the prompt line");
      std::string block;
      bool first = true;
      while (std::getline(in, line) && line != "```") {
        block += (first ? "" : "\n") + line;
        first = false;
      }
      const std::string head = " " + prompt;
      if (block.rfind(head, 0) != 0) throw std::runtime_error("reference block does not start with the prompt");
      out.push_back({prompt, block.substr(head.size())});
    }
  }
  return out;
}

}  // namespace hearth::testing
