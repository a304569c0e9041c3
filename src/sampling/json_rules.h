#pragma once
// The pieces of JSON text as grammar rules, made once per builder on first
// use. Everything a rule here accepts parses with any conforming JSON parser:
// no lone surrogate escapes, and digit counts bounded so that a number never
// overflows a double or a 64-bit integer (and a model cannot emit digits
// forever).
#include <optional>
#include <string_view>

#include "sampling/grammar.h"

namespace hearth::sampling {

class JsonRules {
 public:
  static constexpr uint32_t kMaxSpace = 20;      // whitespace characters between two tokens
  static constexpr uint32_t kMaxIntDigits = 18;  // below 2^63
  static constexpr uint32_t kMaxFracDigits = 16;
  static constexpr uint32_t kMaxExpDigits = 2;

  explicit JsonRules(GrammarBuilder& b) : b_(b) {}

  // Optional whitespace between tokens, at most kMaxSpace characters.
  static Expr ws();
  // One character of a string's contents: a character other than '"', '\'
  // and controls, or an escape (a surrogate pair escape counts as one).
  Expr string_char();
  // A string of min..max characters (as string_char() counts them).
  Expr string(uint32_t min_chars = 0, uint32_t max_chars = kUnbounded);
  Expr number();
  Expr integer();
  static Expr boolean();
  static Expr null();
  // Any JSON value / object / array.
  Expr value();
  Expr object();
  Expr array();

 private:
  void define_values();

  GrammarBuilder& b_;
  std::optional<RuleId> char_;
  std::optional<RuleId> string_;
  std::optional<RuleId> number_;
  std::optional<RuleId> integer_;
  std::optional<RuleId> value_;
  std::optional<RuleId> object_;
  std::optional<RuleId> array_;
};

}  // namespace hearth::sampling
