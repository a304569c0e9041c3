#pragma once
// Sets of literal strings as tries of rules, so that a parse keeps at most
// one position per possible next character rather than one per string (an
// enum of a thousand numbered values keeps about ten, not a thousand).
#include <string>
#include <vector>

#include "sampling/grammar.h"

namespace hearth::sampling {

// The most code points all strings of one set may have together.
inline constexpr size_t kMaxTrieCodePoints = 1 << 18;

// Any one of `literals` (UTF-8; duplicates are fine). None: Expr::nothing().
Expr literal_set(GrammarBuilder& b, const std::string& name, const std::vector<std::string>& literals);

// Any string of code points outside `forbidden` except the `excluded` ones
// (those that contain a forbidden code point can never occur and are ignored).
Expr strings_except(GrammarBuilder& b, const std::string& name, const std::vector<CharRange>& forbidden,
                    const std::vector<std::string>& excluded);

}  // namespace hearth::sampling
