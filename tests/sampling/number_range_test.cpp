// Number ranges as digit grammars, checked against plain comparisons: every
// integer in a window for many bounds, boundary values of 18-digit bounds,
// and decimals against inclusive and exclusive whole-number bounds.
#include "sampling/number_range.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <string>

#include "sampling/grammar_matcher.h"

namespace hearth::sampling {
namespace {

std::shared_ptr<const Grammar> grammar_of(const Expr& e) {
  GrammarBuilder b;
  const RuleId r = b.add("root", e);
  return b.build(r);
}

bool whole(const std::shared_ptr<const Grammar>& g, const std::string& text) {
  GrammarMatcher m(g);
  if (!m.accepts(text)) return false;
  m.advance(text);
  return m.complete();
}

TEST(NumberRange, EveryIntegerInAWindow) {
  const std::vector<std::optional<int64_t>> bounds = {std::nullopt, -120, -100, -99, -10, -9, -1, 0, 1, 9, 10, 11, 99, 100, 101, 119};
  int checked = 0;
  for (const auto& lo : bounds) {
    for (const auto& hi : bounds) {
      for (bool excl : {false, true}) {
        const std::optional<Bound> blo = lo ? std::optional<Bound>(Bound{*lo, excl}) : std::nullopt;
        const std::optional<Bound> bhi = hi ? std::optional<Bound>(Bound{*hi, !excl}) : std::nullopt;
        const bool empty = lo && hi && (*lo + (excl ? 1 : 0) > *hi - (excl ? 0 : 1));
        GrammarBuilder b;
        const RuleId r = b.add("root", integer_in_range(blo, bhi));
        if (empty) {
          EXPECT_ANY_THROW(b.build(r));  // no value: the builder refuses the root
          continue;
        }
        const auto g = b.build(r);
        for (int64_t v = -130; v <= 130; ++v) {
          const bool in = (!lo || (excl ? v > *lo : v >= *lo)) && (!hi || (excl ? v <= *hi : v < *hi));
          ASSERT_EQ(whole(g, std::to_string(v)), in) << v << " in [" << (lo ? *lo : -999) << ", " << (hi ? *hi : 999)
                                                     << "] excl " << excl;
          ++checked;
        }
        for (const char* bad : {"-0", "00", "01", "+1", "1.0", "", "-"}) EXPECT_FALSE(whole(g, bad)) << bad;
      }
    }
  }
  EXPECT_GT(checked, 50000);
}

TEST(NumberRange, EighteenDigitBounds) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 40; ++round) {
    int64_t lo = static_cast<int64_t>(rng() % kMaxRangeMagnitude) * (round % 3 == 0 ? -1 : 1);
    int64_t hi = static_cast<int64_t>(rng() % kMaxRangeMagnitude);
    if (lo > hi) std::swap(lo, hi);
    const auto g = grammar_of(integer_in_range(Bound{lo}, Bound{hi}));
    for (int64_t d : {-2, -1, 0, 1, 2}) {
      for (int64_t edge : {lo, hi}) {
        const int64_t v = edge + d;
        if (v < -kMaxRangeMagnitude || v > kMaxRangeMagnitude) continue;
        EXPECT_EQ(whole(g, std::to_string(v)), v >= lo && v <= hi) << v << " in [" << lo << ", " << hi << "]";
      }
    }
    for (int i = 0; i < 20; ++i) {
      const int64_t v = lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
      EXPECT_TRUE(whole(g, std::to_string(v))) << v;
    }
  }
  // Unbounded: everything up to 18 digits, nothing longer.
  const auto any = grammar_of(integer_in_range(std::nullopt, std::nullopt));
  EXPECT_TRUE(whole(any, std::to_string(kMaxRangeMagnitude)));
  EXPECT_TRUE(whole(any, std::to_string(-kMaxRangeMagnitude)));
  EXPECT_FALSE(whole(any, "1000000000000000000"));
  // Bounds past the digit limit mean no bound, or no number.
  EXPECT_TRUE(whole(grammar_of(integer_in_range(Bound{INT64_MIN}, Bound{INT64_MAX})), "5"));
  GrammarBuilder b;
  const RuleId r = b.add("root", integer_in_range(Bound{INT64_MAX}, std::nullopt));
  EXPECT_ANY_THROW(b.build(r));
}

// The decimal text "[-]I[.F]" compared with the integer k, exactly:
// -1, 0 or 1.
int compare_decimal(const std::string& s, int64_t k) {
  const bool neg = s[0] == '-';
  const std::string body = neg ? s.substr(1) : s;
  const size_t dot = body.find('.');
  const int64_t ip = std::stoll(body.substr(0, dot));
  const bool frac = dot != std::string::npos && body.find_first_not_of('0', dot + 1) != std::string::npos;
  // I + f (0 <= f < 1, f > 0 iff frac) against m.
  const auto positive = [&](int64_t m) { return ip != m ? (ip < m ? -1 : 1) : (frac ? 1 : 0); };
  return neg ? -positive(-k) : positive(k);
}

TEST(NumberRange, DecimalsAgainstWholeBounds) {
  std::vector<std::string> texts;
  for (int i = 0; i <= 6; ++i) {
    for (const char* f : {"", ".0", ".00", ".5", ".05", ".999", ".001"}) {
      texts.push_back(std::to_string(i) + f);
      texts.push_back(std::string("-").append(std::to_string(i)).append(f));
    }
  }
  for (int64_t lo = -3; lo <= 3; ++lo) {
    for (int64_t hi = lo; hi <= 4; ++hi) {
      for (int mode = 0; mode < 4; ++mode) {
        const bool lx = mode & 1, hx = mode & 2;
        GrammarBuilder b;
        const RuleId r = b.add("root", number_in_range(Bound{lo, lx}, Bound{hi, hx}));
        if (lo == hi && (lx || hx)) {
          EXPECT_ANY_THROW(b.build(r));
          continue;
        }
        const auto g = b.build(r);
        for (const std::string& t : texts) {
          const int cl = compare_decimal(t, lo), ch = compare_decimal(t, hi);
          const bool negative_zero = t[0] == '-' && compare_decimal(t, 0) == 0;
          const bool in = (lx ? cl > 0 : cl >= 0) && (hx ? ch < 0 : ch <= 0) && !negative_zero;
          ASSERT_EQ(whole(g, t), in) << t << " in " << (lx ? "(" : "[") << lo << ", " << hi << (hx ? ")" : "]");
        }
      }
    }
  }
}

}  // namespace
}  // namespace hearth::sampling
