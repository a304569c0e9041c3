#pragma once
// A context-free grammar over Unicode code points, the form structured output
// is enforced in. Rules are alternatives of sequences; a sequence element is a
// character class or a rule reference, each with a repetition count
// {min, max} (max may be kUnbounded), so x{0,1000000} costs one element, not
// a million.
//
// A Grammar is built once by GrammarBuilder (from Expr trees), checked, and
// then immutable: share it through shared_ptr across any number of
// GrammarMatchers (grammar_matcher.h).
#include <array>
#include <compare>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::sampling {

inline constexpr uint32_t kUnbounded = std::numeric_limits<uint32_t>::max();
inline constexpr uint32_t kMaxCodePoint = 0x10FFFF;

struct CharRange {
  uint32_t lo;
  uint32_t hi;  // inclusive
  friend auto operator<=>(const CharRange&, const CharRange&) = default;
};

struct RuleId {
  uint32_t index = 0;
};

// The right-hand side of a rule, as a tree. GrammarBuilder lowers nested
// alternatives and repeated groups into helper rules.
class Expr {
 public:
  // One code point in the ranges (or, negated, outside them).
  static Expr chars(std::vector<CharRange> ranges, bool negated = false);
  // One code point among those listed (or, negated, any other).
  static Expr one_of(std::u32string_view code_points, bool negated = false);
  // The code points of `utf8` in order (must be valid UTF-8).
  static Expr literal(std::string_view utf8);
  static Expr ref(RuleId rule);
  static Expr seq(std::vector<Expr> items);
  static Expr alt(std::vector<Expr> items);
  static Expr repeat(Expr item, uint32_t min, uint32_t max);
  static Expr optional(Expr item) { return repeat(std::move(item), 0, 1); }
  static Expr empty() { return seq({}); }
  // Matches nothing at all (no alternative): an unsatisfiable part, which
  // the builder prunes.
  static Expr nothing() { return alt({}); }

 private:
  friend class GrammarBuilder;
  enum class Kind : uint8_t { chars, literal, ref, seq, alt, repeat };
  Kind kind_ = Kind::seq;
  bool negated_ = false;
  uint32_t a_ = 0;  // ref: rule index; repeat: min
  uint32_t b_ = 0;  // repeat: max
  std::vector<CharRange> ranges_;
  std::string text_;
  std::vector<Expr> items_;
};

class Grammar {
 public:
  struct Element {
    enum class Kind : uint8_t { chars, rule };
    Kind kind;
    uint32_t id;  // class index or rule index
    uint32_t min;
    uint32_t max;  // kUnbounded: no upper bound
  };

  // The sequence the matcher starts in: one reference to the root rule.
  uint32_t start_sequence() const { return start_; }
  std::span<const Element> sequence(uint32_t seq) const;
  // The sequences (alternatives) of a rule.
  std::span<const uint32_t> alternatives(uint32_t rule) const;
  bool class_contains(uint32_t cls, uint32_t cp) const;
  bool class_intersects(uint32_t cls, uint32_t lo, uint32_t hi) const;
  // Bit b set: the class holds a code point whose UTF-8 form starts with b.
  const std::array<uint64_t, 4>& class_lead_bytes(uint32_t cls) const { return classes_[cls].lead_bytes; }

  size_t rule_count() const { return rules_.size(); }
  size_t element_count() const { return elements_.size(); }
  const std::string& rule_name(uint32_t rule) const { return rules_[rule].name; }
  // The grammar in a GBNF-like notation, for messages and tests.
  std::string to_string() const;

 private:
  friend class GrammarBuilder;
  struct Rule {
    std::string name;
    uint32_t first_alt = 0;
    uint32_t n_alts = 0;
  };
  struct Sequence {
    uint32_t first = 0;
    uint32_t count = 0;
  };
  struct Class {
    std::vector<CharRange> ranges;  // sorted, disjoint, not adjacent
    std::array<uint64_t, 4> lead_bytes{};
  };

  std::vector<Rule> rules_;
  std::vector<uint32_t> alts_;  // sequence ids, per rule contiguous
  std::vector<Sequence> sequences_;
  std::vector<Element> elements_;
  std::vector<Class> classes_;
  uint32_t start_ = 0;
};

// Collects rules and checks them when built: every rule defined, no empty
// character class, no left recursion, no repetition of something that can
// match the empty string (so matching always terminates), and parts that can
// produce no finite text removed. Size limits guard against hostile input.
class GrammarBuilder {
 public:
  static constexpr size_t kMaxRules = 1 << 16;
  static constexpr size_t kMaxElements = 1 << 20;

  GrammarBuilder();
  ~GrammarBuilder();
  GrammarBuilder(GrammarBuilder&&) noexcept;
  GrammarBuilder& operator=(GrammarBuilder&&) noexcept;

  // Declares a rule (so that rules can refer to each other before they are
  // defined); names are for messages only and need not be unique.
  RuleId declare(std::string name);
  void define(RuleId rule, const Expr& body);
  RuleId add(std::string name, const Expr& body) {
    RuleId r = declare(std::move(name));
    define(r, body);
    return r;
  }
  const std::string& name(RuleId rule) const;

  // Checks the rules and returns the grammar of `root`; the builder is left
  // empty. Throws hearth::Error naming the offending rule.
  std::shared_ptr<const Grammar> build(RuleId root);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::sampling
