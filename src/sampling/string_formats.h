#pragma once
// JSON Schema string formats as grammars of the text between the quotes.
// Each accepts a subset of the format's strings, never anything outside it:
// date: RFC 3339 full-date, days checked per month (Feb 29 never, as leap
// years are beyond a context-free grammar's reach at this size);
// time: full-time (seconds 00-59, an optional fraction, Z or +hh:mm);
// date-time: date "T" time; uuid: 8-4-4-4-12 hex digits.
#include <optional>
#include <string_view>

#include "sampling/grammar.h"

namespace hearth::sampling {

// The grammar of `format`, or nullopt if hearth does not enforce it.
std::optional<Expr> string_format(std::string_view format);

}  // namespace hearth::sampling
