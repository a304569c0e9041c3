#include "sampling/number_range.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sampling/json_rules.h"

namespace hearth::sampling {

namespace {

constexpr int64_t kMax = kMaxRangeMagnitude;

Expr digit_in(char lo, char hi) { return Expr::chars({{static_cast<uint32_t>(lo), static_cast<uint32_t>(hi)}}); }

Expr any_digits(size_t n) {
  if (n == 0) return Expr::empty();
  return Expr::repeat(digit_in('0', '9'), static_cast<uint32_t>(n), static_cast<uint32_t>(n));
}

bool all_of(std::string_view s, char c) {
  return std::all_of(s.begin(), s.end(), [c](char d) { return d == c; });
}

// Digit strings d with x <= d <= y, all three of the same length.
Expr same_length(std::string_view x, std::string_view y) {
  size_t i = 0;
  while (i < x.size() && x[i] == y[i]) ++i;
  if (i == x.size()) return Expr::literal(x);
  const Expr prefix = Expr::literal(x.substr(0, i));
  const size_t rest = x.size() - i - 1;
  const std::string_view xs = x.substr(i + 1), ys = y.substr(i + 1);
  const bool low_full = all_of(xs, '0');   // x[i] may take any rest
  const bool high_full = all_of(ys, '9');  // y[i] may take any rest
  std::vector<Expr> alts;
  char mid_lo = x[i], mid_hi = y[i];
  if (!low_full) {
    alts.push_back(Expr::seq({Expr::literal(x.substr(i, 1)), same_length(xs, std::string(rest, '9'))}));
    ++mid_lo;
  }
  if (!high_full) --mid_hi;
  if (mid_lo <= mid_hi) alts.push_back(Expr::seq({digit_in(mid_lo, mid_hi), any_digits(rest)}));
  if (!high_full) alts.push_back(Expr::seq({Expr::literal(y.substr(i, 1)), same_length(std::string(rest, '0'), ys)}));
  return Expr::seq({prefix, Expr::alt(std::move(alts))});
}

// Canonical decimals of the integers in [a, b], 0 <= a <= b <= kMax.
Expr digits_range(int64_t a, int64_t b) {
  const std::string sa = std::to_string(a), sb = std::to_string(b);
  std::vector<Expr> alts;
  size_t full_from = 0;  // a run of lengths whose every number is in range
  const auto flush = [&](size_t end) {
    if (full_from == 0) return;
    alts.push_back(Expr::seq({digit_in('1', '9'), Expr::repeat(digit_in('0', '9'), static_cast<uint32_t>(full_from - 1),
                                                              static_cast<uint32_t>(end - 1))}));
    full_from = 0;
  };
  for (size_t len = sa.size(); len <= sb.size(); ++len) {
    std::string smallest(len, '0');  // 10^(len-1)
    smallest[0] = '1';
    const std::string largest(len, '9');
    const std::string& lo = len == sa.size() ? sa : smallest;
    const std::string& hi = len == sb.size() ? sb : largest;
    if (len > 1 && lo == smallest && hi == largest) {
      if (full_from == 0) full_from = len;
      continue;
    }
    flush(len - 1);
    alts.push_back(same_length(lo, hi));
  }
  flush(sb.size());
  return Expr::alt(std::move(alts));
}

// Bounds beyond the digit limit: an absent bound, or no number at all.
struct Clamped {
  std::optional<Bound> lo, hi;
  bool empty = false;
};

Clamped clamp(std::optional<Bound> lo, std::optional<Bound> hi) {
  Clamped c{lo, hi};
  if (lo && lo->value < -kMax) c.lo.reset();
  if (hi && hi->value > kMax) c.hi.reset();
  if ((lo && lo->value > kMax) || (hi && hi->value < -kMax)) c.empty = true;
  return c;
}

Bound tighter_lower(Bound a, Bound b) {
  if (a.value != b.value) return a.value > b.value ? a : b;
  return {a.value, a.exclusive || b.exclusive};
}

// Non-negative decimals I[.F] within the bounds: with a zero (or no)
// fraction, I in [zlo, zhi]; with a non-zero fraction, I in [nlo, nhi].
std::optional<Expr> non_negative(std::optional<Bound> lower, std::optional<Bound> upper) {
  int64_t zlo = 0, nlo = 0, zhi = kMax, nhi = kMax;
  if (lower) {
    const int64_t l = lower->value;
    if (!lower->exclusive && l > 0) zlo = nlo = l;
    if (lower->exclusive && l >= 0) zlo = l + 1, nlo = l;
  }
  if (upper) {
    const int64_t u = upper->value;
    if (!upper->exclusive) {
      if (u < 0) return std::nullopt;
      zhi = u, nhi = u - 1;
    } else {
      if (u <= 0) return std::nullopt;
      zhi = nhi = u - 1;
    }
  }
  const Expr digits = Expr::repeat(digit_in('0', '9'), 1, JsonRules::kMaxFracDigits);
  if (zlo <= zhi && zlo == nlo && zhi == nhi)
    return Expr::seq({digits_range(zlo, zhi), Expr::optional(Expr::seq({Expr::literal("."), digits}))});
  std::vector<Expr> alts;
  if (zlo <= zhi) {
    alts.push_back(Expr::seq({digits_range(zlo, zhi),
                              Expr::optional(Expr::seq({Expr::literal("."),
                                                        Expr::repeat(Expr::literal("0"), 1, JsonRules::kMaxFracDigits)}))}));
  }
  if (nlo <= nhi) {
    const uint32_t half = JsonRules::kMaxFracDigits - 1;
    alts.push_back(Expr::seq({digits_range(nlo, nhi), Expr::literal("."), Expr::repeat(Expr::literal("0"), 0, half),
                              digit_in('1', '9'), Expr::repeat(digit_in('0', '9'), 0, half)}));
  }
  if (alts.empty()) return std::nullopt;
  return Expr::alt(std::move(alts));
}

}  // namespace

Expr integer_in_range(std::optional<Bound> lo, std::optional<Bound> hi) {
  const Clamped c = clamp(lo, hi);
  if (c.empty) return Expr::nothing();
  int64_t l = -kMax, h = kMax;
  if (c.lo) l = std::max(l, c.lo->exclusive ? c.lo->value + 1 : c.lo->value);
  if (c.hi) h = std::min(h, c.hi->exclusive ? c.hi->value - 1 : c.hi->value);
  if (l > h) return Expr::nothing();
  std::vector<Expr> alts;
  if (h >= 0) alts.push_back(digits_range(std::max<int64_t>(l, 0), h));
  if (l < 0) {
    const int64_t wlo = std::max<int64_t>(1, -h), whi = -l;
    if (wlo <= whi) alts.push_back(Expr::seq({Expr::literal("-"), digits_range(wlo, whi)}));
  }
  return Expr::alt(std::move(alts));
}

Expr number_in_range(std::optional<Bound> lo, std::optional<Bound> hi) {
  const Clamped c = clamp(lo, hi);
  if (c.empty) return Expr::nothing();
  std::vector<Expr> alts;
  if (auto e = non_negative(c.lo, c.hi)) alts.push_back(std::move(*e));
  // Negative values -w: w > 0 (no "-0"), w >= -hi, w <= -lo.
  Bound w_lower{0, true};
  if (c.hi) w_lower = tighter_lower(w_lower, Bound{-c.hi->value, c.hi->exclusive});
  std::optional<Bound> w_upper;
  if (c.lo) w_upper = Bound{-c.lo->value, c.lo->exclusive};
  if (auto e = non_negative(w_lower, w_upper)) alts.push_back(Expr::seq({Expr::literal("-"), std::move(*e)}));
  return Expr::alt(std::move(alts));
}

}  // namespace hearth::sampling
