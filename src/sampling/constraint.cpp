#include "sampling/constraint.h"

#include <algorithm>

#include "core/error.h"

namespace hearth::sampling {

TokenConstraint::TokenConstraint(std::shared_ptr<const Grammar> grammar,
                                 std::shared_ptr<const std::vector<std::string>> token_bytes,
                                 std::vector<int32_t> end_tokens)
    : matcher_(std::move(grammar)), bytes_(std::move(token_bytes)), end_tokens_(std::move(end_tokens)) {
  if (!bytes_) fail("token constraint: no vocabulary");
  std::sort(end_tokens_.begin(), end_tokens_.end());
}

TokenConstraint::TokenConstraint(std::shared_ptr<const Grammar> grammar, std::vector<std::string> token_bytes,
                                 std::vector<int32_t> end_tokens)
    : TokenConstraint(std::move(grammar), std::make_shared<const std::vector<std::string>>(std::move(token_bytes)),
                      std::move(end_tokens)) {}

bool TokenConstraint::is_end(int32_t token) const {
  return std::binary_search(end_tokens_.begin(), end_tokens_.end(), token);
}

bool TokenConstraint::allowed(int32_t token) const {
  if (done_ || token < 0 || static_cast<size_t>(token) >= bytes_->size()) return false;
  if (is_end(token)) return matcher_.complete();
  const std::string& b = (*bytes_)[static_cast<size_t>(token)];
  if (b.empty() || !matcher_.may_start_with(static_cast<unsigned char>(b[0]))) return false;
  return b.size() == 1 || matcher_.accepts(b);
}

void TokenConstraint::accept(int32_t token) {
  if (done_) fail("token constraint: token ", token, " after the end");
  if (token < 0 || static_cast<size_t>(token) >= bytes_->size())
    fail("token constraint: token ", token, " is outside the vocabulary");
  if (is_end(token)) {
    if (!matcher_.complete()) fail("token constraint: end token ", token, " before the output is complete");
    done_ = true;
    return;
  }
  const std::string& b = (*bytes_)[static_cast<size_t>(token)];
  if (b.empty()) fail("token constraint: token ", token, " has no text");
  matcher_.advance(b);
}

}  // namespace hearth::sampling
