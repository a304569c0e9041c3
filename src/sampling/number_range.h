#pragma once
// Numbers between bounds as grammars over their decimal digits, written the
// way JSON writes them (no leading zeros, no "-0"), within JsonRules' digit
// limits: |value| < 10^18.
#include <cstdint>
#include <optional>

#include "sampling/grammar.h"

namespace hearth::sampling {

inline constexpr int64_t kMaxRangeMagnitude = 999'999'999'999'999'999;  // 18 digits

struct Bound {
  int64_t value;
  bool exclusive = false;
};

// Integers v with lo <= v <= hi (or < when exclusive); no bound: up to the
// digit limit. Expr::nothing() when no integer fits.
Expr integer_in_range(std::optional<Bound> lo, std::optional<Bound> hi);

// Decimal numbers (an optional fraction, no exponent) between whole-number
// bounds.
Expr number_in_range(std::optional<Bound> lo, std::optional<Bound> hi);

}  // namespace hearth::sampling
