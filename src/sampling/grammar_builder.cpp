// GrammarBuilder: lowers Expr trees into rules of flat sequences, then checks
// the whole grammar before handing it out (see grammar.h for what is checked).
#include <algorithm>
#include <map>

#include "core/error.h"
#include "sampling/grammar.h"
#include "sampling/utf8_decoder.h"

namespace hearth::sampling {

using Element = Grammar::Element;

struct GrammarBuilder::Impl {
  struct RuleDef {
    std::string name;
    bool defined = false;
    std::vector<uint32_t> alts;  // sequence ids
    uint32_t helpers = 0;        // helper rules made for its body so far
  };
  std::vector<RuleDef> rules;
  std::vector<Grammar::Sequence> sequences;
  std::vector<Element> elements;
  std::vector<Grammar::Class> classes;
  std::map<std::vector<CharRange>, uint32_t> class_ids;
  std::vector<uint32_t> owner;  // per sequence: its rule, or kNoRule for the start
  static constexpr uint32_t kNoRule = kUnbounded;

  uint32_t declare(std::string name);
  uint32_t add_sequence(const std::vector<Element>& els, uint32_t rule);
  uint32_t class_id(std::vector<CharRange> ranges, bool negated);
  uint32_t lower_sequence(const Expr& e, uint32_t rule);
  void lower_into(const Expr& e, std::vector<Element>& out, uint32_t rule);
  uint32_t helper(const Expr& e, uint32_t rule);
  static bool expr_is_alt(const Expr& e);
};

// ---------------------------------------------------------------- lowering

uint32_t GrammarBuilder::Impl::declare(std::string name) {
  if (rules.size() >= kMaxRules) fail("grammar: more than ", kMaxRules, " rules");
  // Names are for messages; long ones keep their two ends.
  constexpr size_t kKeep = 60;
  if (name.size() > 2 * kKeep + 3) name = name.substr(0, kKeep) + "..." + name.substr(name.size() - kKeep);
  rules.emplace_back();
  rules.back().name = std::move(name);
  return static_cast<uint32_t>(rules.size() - 1);
}

uint32_t GrammarBuilder::Impl::add_sequence(const std::vector<Element>& els, uint32_t rule) {
  if (elements.size() + els.size() + 1 > kMaxElements) fail("grammar: more than ", kMaxElements, " elements");
  sequences.push_back({static_cast<uint32_t>(elements.size()), static_cast<uint32_t>(els.size())});
  elements.insert(elements.end(), els.begin(), els.end());
  owner.push_back(rule);
  return static_cast<uint32_t>(sequences.size() - 1);
}

namespace {

// The lead byte of the UTF-8 form of cp; non-decreasing in cp.
unsigned lead_byte(uint32_t cp) {
  if (cp < 0x80) return cp;
  if (cp < 0x800) return 0xC0 | (cp >> 6);
  if (cp < 0x10000) return 0xE0 | (cp >> 12);
  return 0xF0 | (cp >> 18);
}

void mark_leads(std::array<uint64_t, 4>& mask, uint32_t lo, uint32_t hi) {
  for (unsigned b = lead_byte(lo); b <= lead_byte(hi); ++b) {
    const bool is_lead = b < 0x80 || (b >= 0xC2 && b <= 0xF4);
    if (is_lead) mask[b >> 6] |= uint64_t{1} << (b & 63);
  }
}

}  // namespace

uint32_t GrammarBuilder::Impl::class_id(std::vector<CharRange> ranges, bool negated) {
  for (const CharRange& r : ranges)
    if (r.lo > r.hi || r.hi > kMaxCodePoint) fail("grammar: bad character range ", r.lo, "-", r.hi);
  std::sort(ranges.begin(), ranges.end(), [](const CharRange& a, const CharRange& b) { return a.lo < b.lo; });
  std::vector<CharRange> merged;
  for (const CharRange& r : ranges) {
    if (!merged.empty() && r.lo <= merged.back().hi + 1) {
      merged.back().hi = std::max(merged.back().hi, r.hi);
    } else {
      merged.push_back(r);
    }
  }
  if (negated) {
    std::vector<CharRange> complement;
    uint32_t next = 0;
    for (const CharRange& r : merged) {
      if (r.lo > next) complement.push_back({next, r.lo - 1});
      next = r.hi + 1;
    }
    if (next <= kMaxCodePoint) complement.push_back({next, kMaxCodePoint});
    merged = std::move(complement);
  }
  // Surrogates never occur in well-formed UTF-8: a class of nothing else is empty.
  std::array<uint64_t, 4> leads{};
  for (const CharRange& r : merged) {
    if (r.lo < 0xD800) mark_leads(leads, r.lo, std::min(r.hi, 0xD7FFu));
    if (r.hi > 0xDFFF) mark_leads(leads, std::max(r.lo, 0xE000u), r.hi);
  }
  if (leads == std::array<uint64_t, 4>{}) fail("grammar: empty character class");
  const auto [it, inserted] = class_ids.emplace(merged, static_cast<uint32_t>(classes.size()));
  if (inserted) classes.push_back(Grammar::Class{std::move(merged), leads});
  return it->second;
}

bool GrammarBuilder::Impl::expr_is_alt(const Expr& e) { return e.kind_ == Expr::Kind::alt; }

uint32_t GrammarBuilder::Impl::lower_sequence(const Expr& e, uint32_t rule) {
  std::vector<Element> els;
  lower_into(e, els, rule);
  return add_sequence(els, rule);
}

// A rule of its own for a part of `rule`'s body (a nested alternative or a
// repeated group).
uint32_t GrammarBuilder::Impl::helper(const Expr& e, uint32_t rule) {
  const std::string name = rules[rule].name + "-" + std::to_string(++rules[rule].helpers);
  const uint32_t h = declare(name);
  std::vector<uint32_t> alts;
  if (expr_is_alt(e)) {
    for (const Expr& item : e.items_) alts.push_back(lower_sequence(item, h));
  } else {
    alts.push_back(lower_sequence(e, h));
  }
  rules[h].alts = std::move(alts);
  rules[h].defined = true;
  return h;
}

void GrammarBuilder::Impl::lower_into(const Expr& e, std::vector<Element>& out, uint32_t rule) {
  using Kind = Expr::Kind;
  switch (e.kind_) {
    case Kind::chars:
      out.push_back({Element::Kind::chars, class_id(e.ranges_, e.negated_), 1, 1});
      return;
    case Kind::literal: {
      std::u32string cps;
      if (!decode_utf8(e.text_, cps)) fail("grammar: literal in rule '", rules[rule].name, "' is not valid UTF-8");
      for (char32_t c : cps) {
        const uint32_t cp = static_cast<uint32_t>(c);
        out.push_back({Element::Kind::chars, class_id({{cp, cp}}, false), 1, 1});
      }
      return;
    }
    case Kind::ref:
      if (e.a_ >= rules.size()) fail("grammar: reference to an unknown rule in '", rules[rule].name, "'");
      out.push_back({Element::Kind::rule, e.a_, 1, 1});
      return;
    case Kind::seq:
      for (const Expr& item : e.items_) lower_into(item, out, rule);
      return;
    case Kind::alt:
      if (e.items_.size() == 1) {
        lower_into(e.items_[0], out, rule);
      } else {
        out.push_back({Element::Kind::rule, helper(e, rule), 1, 1});
      }
      return;
    case Kind::repeat: {
      const uint32_t min = e.a_, max = e.b_;
      if (min > max) fail("grammar: repetition {", min, ",", max, "} in rule '", rules[rule].name, "'");
      if (max == 0) return;
      std::vector<Element> inner;
      lower_into(e.items_[0], inner, rule);
      if (min == 1 && max == 1) {
        out.insert(out.end(), inner.begin(), inner.end());
        return;
      }
      if (inner.size() == 1 && inner[0].min == 1 && inner[0].max == 1) {
        out.push_back({inner[0].kind, inner[0].id, min, max});
        return;
      }
      const uint32_t h = declare(rules[rule].name + "-" + std::to_string(++rules[rule].helpers));
      rules[h].alts.push_back(add_sequence(inner, h));
      rules[h].defined = true;
      out.push_back({Element::Kind::rule, h, min, max});
      return;
    }
  }
}

GrammarBuilder::GrammarBuilder() : impl_(std::make_unique<Impl>()) {}
GrammarBuilder::~GrammarBuilder() = default;
GrammarBuilder::GrammarBuilder(GrammarBuilder&&) noexcept = default;
GrammarBuilder& GrammarBuilder::operator=(GrammarBuilder&&) noexcept = default;

RuleId GrammarBuilder::declare(std::string name) { return RuleId{impl_->declare(std::move(name))}; }

const std::string& GrammarBuilder::name(RuleId rule) const { return impl_->rules.at(rule.index).name; }

void GrammarBuilder::define(RuleId rule, const Expr& body) {
  Impl& m = *impl_;
  if (rule.index >= m.rules.size()) fail("grammar: define() of an undeclared rule");
  if (m.rules[rule.index].defined) fail("grammar: rule '", m.rules[rule.index].name, "' defined twice");
  std::vector<uint32_t> alts;
  if (Impl::expr_is_alt(body)) {
    for (const Expr& item : body.items_) alts.push_back(m.lower_sequence(item, rule.index));
  } else {
    alts.push_back(m.lower_sequence(body, rule.index));
  }
  m.rules[rule.index].alts = std::move(alts);
  m.rules[rule.index].defined = true;
}

// ---------------------------------------------------------------- checks

namespace {

// Which rules have a property that holds for a rule when one of its
// sequences has every element "satisfied", where an element is satisfied
// outright (`free`) or once its rule has the property. Worklist, linear in
// the grammar's size.
template <typename Impl, typename FreeFn>
std::vector<bool> fixpoint(const Impl& m, FreeFn free) {
  const size_t n_seq = m.sequences.size();
  std::vector<uint32_t> waiting(n_seq, 0);
  std::vector<bool> blocked(n_seq, false);
  std::vector<std::vector<uint32_t>> users(m.rules.size());  // rule -> sequences waiting for it
  for (uint32_t s = 0; s < n_seq; ++s) {
    const auto& sq = m.sequences[s];
    for (uint32_t i = 0; i < sq.count; ++i) {
      const Element& el = m.elements[sq.first + i];
      if (free(el)) continue;
      if (el.kind == Element::Kind::chars) {
        blocked[s] = true;
      } else {
        ++waiting[s];
        users[el.id].push_back(s);
      }
    }
  }
  std::vector<bool> has(m.rules.size(), false);
  std::vector<uint32_t> ready;
  for (uint32_t s = 0; s < n_seq; ++s)
    if (!blocked[s] && waiting[s] == 0) ready.push_back(s);
  while (!ready.empty()) {
    const uint32_t s = ready.back();
    ready.pop_back();
    const uint32_t r = m.owner[s];
    if (r == Impl::kNoRule || has[r]) continue;
    has[r] = true;
    for (uint32_t user : users[r])
      if (--waiting[user] == 0 && !blocked[user]) ready.push_back(user);
  }
  return has;
}

}  // namespace

std::shared_ptr<const Grammar> GrammarBuilder::build(RuleId root) {
  Impl& m = *impl_;
  if (root.index >= m.rules.size()) fail("grammar: unknown root rule");
  for (const auto& r : m.rules)
    if (!r.defined) fail("grammar: rule '", r.name, "' is used but never defined");
  const uint32_t start = m.add_sequence({{Element::Kind::rule, root.index, 1, 1}}, Impl::kNoRule);

  // Productive rules: those that can derive some finite text. Chars classes
  // are never empty (class_id checks), so they are satisfied outright.
  const std::vector<bool> productive = fixpoint(m, [](const Element& el) {
    return el.min == 0 || el.max == 0 || el.kind == Element::Kind::chars;
  });
  if (!productive[root.index]) fail("grammar: rule '", m.rules[root.index].name, "' matches no finite text");
  // Prune: drop sequences that need an unproductive rule; an optional
  // unproductive element is never entered.
  for (auto& el : m.elements)
    if (el.kind == Element::Kind::rule && !productive[el.id] && el.min == 0) el.max = 0;
  for (uint32_t r = 0; r < m.rules.size(); ++r) {
    auto& alts = m.rules[r].alts;
    if (!productive[r]) {
      alts.clear();
      continue;
    }
    std::erase_if(alts, [&](uint32_t s) {
      const auto& sq = m.sequences[s];
      for (uint32_t i = 0; i < sq.count; ++i) {
        const Element& el = m.elements[sq.first + i];
        if (el.kind == Element::Kind::rule && el.min > 0 && !productive[el.id]) return true;
      }
      return false;
    });
  }

  // Nullable rules: those that can match the empty text.
  std::vector<bool> nullable = fixpoint(m, [](const Element& el) { return el.min == 0 || el.max == 0; });
  for (uint32_t r = 0; r < m.rules.size(); ++r)
    if (m.rules[r].alts.empty()) nullable[r] = false;
  const auto element_nullable = [&](const Element& el) {
    return el.min == 0 || el.max == 0 || (el.kind == Element::Kind::rule && nullable[el.id]);
  };
  for (uint32_t r = 0; r < m.rules.size(); ++r) {
    for (uint32_t s : m.rules[r].alts) {
      const auto& sq = m.sequences[s];
      for (uint32_t i = 0; i < sq.count; ++i) {
        const Element& el = m.elements[sq.first + i];
        if (el.kind == Element::Kind::rule && el.max > 1 && nullable[el.id])
          fail("grammar: rule '", m.rules[r].name, "' repeats '", m.rules[el.id].name,
               "', which can match the empty text");
      }
    }
  }

  // Left recursion: rule A "starts with" B when B can come first in one of
  // A's sequences (everything before it nullable). A cycle in that relation
  // would make the matcher expand forever.
  std::vector<std::vector<uint32_t>> starts(m.rules.size());
  for (uint32_t r = 0; r < m.rules.size(); ++r) {
    for (uint32_t s : m.rules[r].alts) {
      const auto& sq = m.sequences[s];
      for (uint32_t i = 0; i < sq.count; ++i) {
        const Element& el = m.elements[sq.first + i];
        if (el.max == 0) continue;
        if (el.kind == Element::Kind::rule) starts[r].push_back(el.id);
        if (!element_nullable(el)) break;
      }
    }
  }
  enum : uint8_t { kNew, kOpen, kDone };
  std::vector<uint8_t> color(m.rules.size(), kNew);
  std::vector<std::pair<uint32_t, size_t>> dfs;  // rule, next edge
  for (uint32_t r0 = 0; r0 < m.rules.size(); ++r0) {
    if (color[r0] != kNew) continue;
    dfs.push_back({r0, 0});
    color[r0] = kOpen;
    while (!dfs.empty()) {
      auto& [r, next] = dfs.back();
      if (next == starts[r].size()) {
        color[r] = kDone;
        dfs.pop_back();
        continue;
      }
      const uint32_t to = starts[r][next++];
      if (color[to] == kOpen)
        fail("grammar: rule '", m.rules[to].name, "' is left-recursive (it can reach itself without consuming input)");
      if (color[to] == kNew) {
        color[to] = kOpen;
        dfs.push_back({to, 0});
      }
    }
  }

  auto g = std::make_shared<Grammar>();
  g->rules_.reserve(m.rules.size());
  for (auto& r : m.rules) {
    g->rules_.push_back({std::move(r.name), static_cast<uint32_t>(g->alts_.size()), static_cast<uint32_t>(r.alts.size())});
    g->alts_.insert(g->alts_.end(), r.alts.begin(), r.alts.end());
  }
  g->sequences_ = std::move(m.sequences);
  g->elements_ = std::move(m.elements);
  g->classes_ = std::move(m.classes);
  g->start_ = start;
  impl_ = std::make_unique<Impl>();
  return g;
}

}  // namespace hearth::sampling
