#include "sampling/literal_trie.h"

#include <map>

#include "core/error.h"
#include "core/utf8.h"
#include "sampling/utf8_decoder.h"

namespace hearth::sampling {

namespace {

struct Trie {
  struct Node {
    std::map<uint32_t, uint32_t> children;  // code point -> node
    bool terminal = false;
  };
  std::vector<Node> nodes{1};
  size_t code_points = 0;

  void insert(const std::u32string& s, const std::string& name) {
    code_points += s.size();
    if (code_points > kMaxTrieCodePoints) fail("grammar: the strings of '", name, "' are too long together");
    uint32_t at = 0;
    for (char32_t c : s) {
      const auto [it, added] = nodes[at].children.emplace(static_cast<uint32_t>(c), static_cast<uint32_t>(nodes.size()));
      const uint32_t next = it->second;
      if (added) nodes.emplace_back();
      at = next;
    }
    nodes[at].terminal = true;
  }
};

std::string encode(const std::u32string& cps) {
  std::string out;
  for (char32_t c : cps) append_utf8(out, static_cast<uint32_t>(c));
  return out;
}

std::string node_name(const std::string& name, size_t node) {
  std::string out = name;
  if (node > 0) out.append("-").append(std::to_string(node));
  return out;
}

}  // namespace

Expr literal_set(GrammarBuilder& b, const std::string& name, const std::vector<std::string>& literals) {
  if (literals.empty()) return Expr::nothing();
  Trie trie;
  std::u32string cps;
  for (const std::string& s : literals) {
    if (!decode_utf8(s, cps)) fail("grammar: literal in '", name, "' is not valid UTF-8");
    trie.insert(cps, name);
  }
  // One rule per node where the strings branch (or one may end); runs of
  // single children between them become literals.
  std::vector<uint32_t> rule_of(trie.nodes.size(), kUnbounded);
  std::vector<uint32_t> pending;
  const auto rule_for = [&](uint32_t node) {
    if (rule_of[node] == kUnbounded) {
      rule_of[node] = b.declare(node_name(name, node)).index;
      pending.push_back(node);
    }
    return RuleId{rule_of[node]};
  };
  const RuleId root = rule_for(0);
  while (!pending.empty()) {
    const uint32_t node = pending.back();
    pending.pop_back();
    std::vector<Expr> alts;
    if (trie.nodes[node].terminal) alts.push_back(Expr::empty());
    for (const auto& [cp, child] : trie.nodes[node].children) {
      std::u32string run(1, static_cast<char32_t>(cp));
      uint32_t end = child;
      while (!trie.nodes[end].terminal && trie.nodes[end].children.size() == 1) {
        const auto& [next_cp, next] = *trie.nodes[end].children.begin();
        run += static_cast<char32_t>(next_cp);
        end = next;
      }
      const Trie::Node& e = trie.nodes[end];
      if (e.children.empty()) {
        alts.push_back(Expr::literal(encode(run)));
      } else {
        alts.push_back(Expr::seq({Expr::literal(encode(run)), Expr::ref(rule_for(end))}));
      }
    }
    b.define(RuleId{rule_of[node]}, Expr::alt(std::move(alts)));
  }
  return Expr::ref(root);
}

Expr strings_except(GrammarBuilder& b, const std::string& name, const std::vector<CharRange>& forbidden,
                    const std::vector<std::string>& excluded) {
  const auto allowed = [&](uint32_t cp) {
    for (const CharRange& r : forbidden)
      if (cp >= r.lo && cp <= r.hi) return false;
    return true;
  };
  Trie trie;
  std::u32string cps;
  for (const std::string& s : excluded) {
    if (!decode_utf8(s, cps)) continue;
    bool possible = true;
    for (char32_t c : cps) possible = possible && allowed(static_cast<uint32_t>(c));
    if (possible) trie.insert(cps, name);
  }
  const RuleId any = b.add(name + "-any", Expr::repeat(Expr::chars(forbidden, true), 0, kUnbounded));
  // Per node (a prefix of some excluded string): the rest of a string that
  // is none of them: nothing (if the prefix itself is not excluded), a child
  // code point and that child's rest, or any other code point and anything.
  std::vector<RuleId> rules;
  rules.reserve(trie.nodes.size());
  for (size_t i = 0; i < trie.nodes.size(); ++i)
    rules.push_back(b.declare(node_name(name, i)));
  for (size_t i = 0; i < trie.nodes.size(); ++i) {
    const Trie::Node& node = trie.nodes[i];
    std::vector<Expr> alts;
    if (!node.terminal) alts.push_back(Expr::empty());
    std::vector<CharRange> other = forbidden;
    for (const auto& [cp, child] : node.children) {
      alts.push_back(Expr::seq({Expr::chars({{cp, cp}}), Expr::ref(rules[child])}));
      other.push_back({cp, cp});
    }
    alts.push_back(Expr::seq({Expr::chars(std::move(other), true), Expr::ref(any)}));
    b.define(rules[i], Expr::alt(std::move(alts)));
  }
  return Expr::ref(rules[0]);
}

}  // namespace hearth::sampling
