#pragma once
// Grammar-constrained token choice, without knowing the tokenizer: the
// caller gives the bytes each token id decodes to (empty for control
// tokens) and the end-of-generation ids.
//
// A token is allowed when the text stays a prefix of the grammar's language;
// an end token only when the text is a whole sentence; a token with no bytes
// (other than an end token) never. Once complete with no possible
// continuation only end tokens are allowed (so pass the model's
// end-of-generation ids), and after an end token nothing.
//
// One constraint per generation, used from one thread at a time.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sampling/grammar.h"
#include "sampling/grammar_matcher.h"

namespace hearth::sampling {

class TokenConstraint {
 public:
  // The vocabulary's bytes are shared: one copy serves every request.
  TokenConstraint(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const std::vector<std::string>> token_bytes,
                  std::vector<int32_t> end_tokens);
  TokenConstraint(std::shared_ptr<const Grammar> grammar, std::vector<std::string> token_bytes,
                  std::vector<int32_t> end_tokens);

  bool allowed(int32_t token) const;
  // Records the chosen token; throws hearth::Error if it is not allowed.
  void accept(int32_t token);
  // An end token has been accepted.
  bool done() const { return done_; }

  const GrammarMatcher& matcher() const { return matcher_; }
  size_t vocab_size() const { return bytes_->size(); }

 private:
  bool is_end(int32_t token) const;

  GrammarMatcher matcher_;
  std::shared_ptr<const std::vector<std::string>> bytes_;
  std::vector<int32_t> end_tokens_;  // sorted
  bool done_ = false;
};

}  // namespace hearth::sampling
