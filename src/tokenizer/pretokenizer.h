#pragma once
// The pre-tokenizer of a byte-level BPE vocabulary: it cuts text into words
// before merges run, with the regular expressions named by tokenizer.ggml.pre
// (the values llama.cpp accepts). Each expression is applied in turn to every
// piece the previous one left: its matches and the text between them become
// the new pieces. Expressions run through PCRE2 (UTF + Unicode properties),
// compiled once, JIT-compiled when the library supports it.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::tokenizer {

// What tokenizer.ggml.pre implies besides the split, as llama.cpp sets it.
struct PreTokenizerTraits {
  bool ignore_merges = false;  // a word that is itself a token is taken whole
  bool byte_encode = true;     // words are mapped to GPT-2's byte alphabet
  bool escape_spaces = false;  // spaces become U+2581 before the split (SPM-style BPE)
  bool force_add_bos = false;  // add_bos is true whatever the file says (Gemma 4)
  bool whole_newline_runs = false;  // a run of newlines that is a token is taken whole (Gemma 4)
  bool no_default_bos = false;  // no BOS unless the file names one (ChatGLM)
  std::optional<bool> add_bos;  // the default before tokenizer.ggml.add_bos_token
};

class PreTokenizer {
 public:
  // The pre-tokenizer llama.cpp uses for tokenizer.ggml.pre == name ("" and
  // "default" are its default). Throws hearth::Error naming an unknown value.
  static std::shared_ptr<const PreTokenizer> create(std::string_view name);
  // A pre-tokenizer made of the given expressions (for tests and new vocabularies).
  static std::shared_ptr<const PreTokenizer> from_patterns(const std::vector<std::string>& patterns);

  ~PreTokenizer();
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  const std::string& name() const { return name_; }
  const PreTokenizerTraits& traits() const { return traits_; }

  // Splits text, which must be strictly valid UTF-8, into non-empty words
  // (views into text), appended to words in order; together they cover the
  // text.
  void split(std::string_view text, std::vector<std::string_view>& words) const;
  // Any bytes: made valid first, as the BPE encoder does (unicode::sanitize).
  std::vector<std::string> split(std::string_view text) const;

 private:
  struct Stage;
  PreTokenizer() = default;
  void add_stage(const std::string& pattern);

  std::string name_;
  PreTokenizerTraits traits_;
  std::vector<std::unique_ptr<Stage>> stages_;
};

// The pattern as PCRE2 should see it: \s and \S stand for the White_Space
// property (llama.cpp's and Hugging Face's whitespace), written as
// [\t-\r\p{Z}\x{85}]; PCRE2's own \s also matches U+180E. Exposed for tests.
std::string whitespace_as_property(std::string_view pattern);

}  // namespace hearth::tokenizer
