#include "sampling/grammar.h"

#include <algorithm>
#include <cstdio>

namespace hearth::sampling {

// ---------------------------------------------------------------- Expr

Expr Expr::chars(std::vector<CharRange> ranges, bool negated) {
  Expr e;
  e.kind_ = Kind::chars;
  e.ranges_ = std::move(ranges);
  e.negated_ = negated;
  return e;
}

Expr Expr::one_of(std::u32string_view code_points, bool negated) {
  std::vector<CharRange> ranges;
  ranges.reserve(code_points.size());
  for (char32_t c : code_points) ranges.push_back({static_cast<uint32_t>(c), static_cast<uint32_t>(c)});
  return chars(std::move(ranges), negated);
}

Expr Expr::literal(std::string_view utf8) {
  Expr e;
  e.kind_ = Kind::literal;
  e.text_ = utf8;
  return e;
}

Expr Expr::ref(RuleId rule) {
  Expr e;
  e.kind_ = Kind::ref;
  e.a_ = rule.index;
  return e;
}

Expr Expr::seq(std::vector<Expr> items) {
  Expr e;
  e.kind_ = Kind::seq;
  e.items_ = std::move(items);
  return e;
}

Expr Expr::alt(std::vector<Expr> items) {
  Expr e;
  e.kind_ = Kind::alt;
  e.items_ = std::move(items);
  return e;
}

Expr Expr::repeat(Expr item, uint32_t min, uint32_t max) {
  Expr e;
  e.kind_ = Kind::repeat;
  e.a_ = min;
  e.b_ = max;
  e.items_.push_back(std::move(item));
  return e;
}

// ---------------------------------------------------------------- Grammar

std::span<const Grammar::Element> Grammar::sequence(uint32_t seq) const {
  const Sequence& s = sequences_[seq];
  return {elements_.data() + s.first, s.count};
}

std::span<const uint32_t> Grammar::alternatives(uint32_t rule) const {
  const Rule& r = rules_[rule];
  return {alts_.data() + r.first_alt, r.n_alts};
}

bool Grammar::class_contains(uint32_t cls, uint32_t cp) const {
  return class_intersects(cls, cp, cp);
}

bool Grammar::class_intersects(uint32_t cls, uint32_t lo, uint32_t hi) const {
  const auto& ranges = classes_[cls].ranges;
  // The first range that does not end before lo.
  const auto it = std::lower_bound(ranges.begin(), ranges.end(), lo,
                                   [](const CharRange& r, uint32_t v) { return r.hi < v; });
  return it != ranges.end() && it->lo <= hi;
}

namespace {

void append_char(std::string& out, uint32_t cp, bool in_class) {
  const bool special = in_class ? (cp == ']' || cp == '-' || cp == '^' || cp == '\\')
                                : (cp == '"' || cp == '\\');
  char buf[16];
  if (special) {
    out += '\\';
    out += static_cast<char>(cp);
  } else if (cp >= 0x20 && cp < 0x7F) {
    out += static_cast<char>(cp);
  } else if (cp <= 0xFF) {
    std::snprintf(buf, sizeof buf, "\\x%02X", cp);
    out += buf;
  } else {
    std::snprintf(buf, sizeof buf, "\\u{%X}", cp);
    out += buf;
  }
}

void append_repetition(std::string& out, uint32_t min, uint32_t max) {
  if (min == 1 && max == 1) return;
  if (min == 0 && max == 1) {
    out += '?';
  } else if (min == 0 && max == kUnbounded) {
    out += '*';
  } else if (min == 1 && max == kUnbounded) {
    out += '+';
  } else if (max == kUnbounded) {
    out += '{' + std::to_string(min) + ",}";
  } else if (min == max) {
    out += '{' + std::to_string(min) + '}';
  } else {
    out += '{' + std::to_string(min) + ',' + std::to_string(max) + '}';
  }
}

}  // namespace

std::string Grammar::to_string() const {
  std::string out;
  for (uint32_t r = 0; r < rules_.size(); ++r) {
    out += rules_[r].name;
    out += " ::=";
    const auto alts = alternatives(r);
    for (size_t a = 0; a < alts.size(); ++a) {
      if (a > 0) out += " |";
      const auto seq = sequence(alts[a]);
      if (seq.empty()) out += " \"\"";
      for (const Element& el : seq) {
        out += ' ';
        if (el.kind == Element::Kind::rule) {
          out += rules_[el.id].name;
        } else {
          const auto& ranges = classes_[el.id].ranges;
          if (ranges.size() == 1 && ranges[0].lo == ranges[0].hi) {
            out += '"';
            append_char(out, ranges[0].lo, false);
            out += '"';
          } else {
            out += '[';
            for (const CharRange& cr : ranges) {
              append_char(out, cr.lo, true);
              if (cr.hi != cr.lo) {
                out += '-';
                append_char(out, cr.hi, true);
              }
            }
            out += ']';
          }
        }
        append_repetition(out, el.min, el.max);
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace hearth::sampling
