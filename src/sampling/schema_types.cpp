// Grammars for one JSON type of a schema: objects, arrays, strings, numbers.
#include <cmath>
#include <optional>

#include "core/error.h"
#include "sampling/literal_trie.h"
#include "sampling/number_range.h"
#include "sampling/schema_converter.h"
#include "sampling/string_formats.h"

namespace hearth::sampling::schema {

namespace {

Expr lit(std::string_view s) { return Expr::literal(s); }

// A count keyword (minItems, maxLength, ...): absent, or a non-negative
// integer, saturated at kUnbounded.
std::optional<uint32_t> count(const Json& s, const char* key, const std::string& at) {
  if (!s.contains(key)) return std::nullopt;
  const Json& v = s[key];
  double d = -1;
  if (v.is_number_unsigned()) {
    return static_cast<uint32_t>(std::min<uint64_t>(v.get<uint64_t>(), kUnbounded));
  } else if (v.is_number()) {
    d = v.get<double>();
  }
  if (!(d >= 0) || std::floor(d) != d) fail("json schema: '", key, "' must be a non-negative integer at ", at);
  return static_cast<uint32_t>(std::min<double>(d, kUnbounded));
}

// A minimum count that must be generated: refused when absurdly large.
uint32_t min_count(const Json& s, const char* key, const std::string& at) {
  const uint32_t n = count(s, key, at).value_or(0);
  if (n == kUnbounded) fail("json schema: '", key, "' is too large at ", at);
  return n;
}

// A numeric bound as a 64-bit integer; values beyond the grammar's digit
// limit saturate just past it (where they mean "no bound" or "nothing").
int64_t saturate(double d) {
  constexpr double kLimit = static_cast<double>(kMaxRangeMagnitude) + 1;
  if (d >= kLimit) return kMaxRangeMagnitude + 1;
  if (d <= -kLimit) return -kMaxRangeMagnitude - 1;
  return static_cast<int64_t>(d);
}

const Json* number_keyword(const Json& s, const char* key, const std::string& at) {
  if (!s.contains(key)) return nullptr;
  const Json& v = s[key];
  if (!v.is_number()) fail("json schema: '", key, "' must be a number at ", at);
  return &v;
}

}  // namespace

Expr Converter::string(const Json& s, const std::string& at) {
  const uint32_t min = min_count(s, "minLength", at);
  const uint32_t max = count(s, "maxLength", at).value_or(kUnbounded);
  if (s.contains("format")) {
    const Json& f = s["format"];
    if (!f.is_string()) fail("json schema: 'format' must be a string at ", at);
    const std::string& name = f.get_ref<const std::string&>();
    const auto grammar = string_format(name);
    if (!grammar) fail("json schema: format '", printable(name), "' at ", at, " is not supported (date, time, date-time, uuid are)");
    if (s.contains("minLength") || s.contains("maxLength"))
      fail("json schema: format together with minLength/maxLength at ", at, " is not supported");
    return Expr::seq({lit("\""), *grammar, lit("\"")});
  }
  if (min > max) return Expr::nothing();
  return json_.string(min, max);
}

Expr Converter::number(const Json& s, bool integer, const std::string& at) {
  const Json* minimum = number_keyword(s, "minimum", at);
  const Json* maximum = number_keyword(s, "maximum", at);
  const Json* ex_min = nullptr;
  const Json* ex_max = nullptr;
  bool min_exclusive = false, max_exclusive = false;  // draft 4's boolean form
  for (const auto& [key, ptr, flag] : {std::tuple{"exclusiveMinimum", &ex_min, &min_exclusive},
                                       std::tuple{"exclusiveMaximum", &ex_max, &max_exclusive}}) {
    if (!s.contains(key)) continue;
    const Json& v = s[key];
    if (v.is_boolean()) {
      *flag = v.get<bool>();
    } else if (v.is_number()) {
      *ptr = &v;
    } else {
      fail("json schema: '", key, "' must be a number at ", at);
    }
  }
  if (!minimum && !maximum && !ex_min && !ex_max) return integer ? json_.integer() : json_.number();

  // Whole-number bounds as (value, exclusive); an integer schema rounds a
  // fractional bound inwards, a number schema refuses it.
  std::optional<Bound> lo, hi;
  const auto bound = [&](const Json* v, const char* key, bool exclusive, bool lower) -> Bound {
    if (v->is_number_unsigned()) return {saturate(static_cast<double>(v->get<uint64_t>())), exclusive};
    if (v->is_number_integer())
      return {std::clamp<int64_t>(v->get<int64_t>(), -kMaxRangeMagnitude - 1, kMaxRangeMagnitude + 1), exclusive};
    const double d = v->get<double>();
    if (std::floor(d) == d) return {saturate(d), exclusive};
    if (!integer)
      fail("json schema: '", key, "' ", d, " at ", at, " is not supported for numbers (only whole-number bounds)");
    // An integer above 2.5 (or at least 2.5) is at least 3, below it at most 2.
    return {saturate(lower ? std::ceil(d) : std::floor(d)), false};
  };
  const auto tighter = [](std::optional<Bound>& cur, Bound b, bool lower) {
    if (!cur || (lower ? b.value > cur->value : b.value < cur->value)) {
      cur = b;
    } else if (b.value == cur->value) {
      cur->exclusive = cur->exclusive || b.exclusive;
    }
  };
  if (minimum) tighter(lo, bound(minimum, "minimum", min_exclusive, true), true);
  if (maximum) tighter(hi, bound(maximum, "maximum", max_exclusive, false), false);
  if (ex_min) tighter(lo, bound(ex_min, "exclusiveMinimum", true, true), true);
  if (ex_max) tighter(hi, bound(ex_max, "exclusiveMaximum", true, false), false);
  return integer ? integer_in_range(lo, hi) : number_in_range(lo, hi);
}

Expr Converter::array(const Json& s, const std::string& at, int depth) {
  const uint32_t min = min_count(s, "minItems", at);
  const uint32_t max = count(s, "maxItems", at).value_or(kUnbounded);
  if (s.contains("uniqueItems")) {
    const Json& u = s["uniqueItems"];
    if (!u.is_boolean()) fail("json schema: 'uniqueItems' must be a boolean at ", at);
    if (u.get<bool>() && max > 1) fail("json schema: uniqueItems at ", at, " is not supported (only with maxItems <= 1)");
  }
  if (min > max) return Expr::nothing();

  // The tuple part (prefixItems, or draft 4-7 `items` as an array) and the
  // schema of the items after it (null: none allowed).
  const Json* prefix = nullptr;
  const Json* rest = nullptr;
  std::string prefix_at, rest_at;
  static const Json kAny = true;
  if (s.contains("prefixItems")) {
    prefix = &s["prefixItems"];
    prefix_at = child(at, "prefixItems");
    if (s.contains("additionalItems")) fail("json schema: additionalItems together with prefixItems at ", at, " is not supported");
    if (s.contains("items")) rest = &s["items"], rest_at = child(at, "items");
  } else if (s.contains("items") && s["items"].is_array()) {
    prefix = &s["items"];
    prefix_at = child(at, "items");
    if (s.contains("additionalItems")) rest = &s["additionalItems"], rest_at = child(at, "additionalItems");
  } else {
    // (additionalItems means nothing without an array `items`.)
    rest = s.contains("items") ? &s["items"] : &kAny;
    rest_at = child(at, "items");
  }
  if (prefix && !prefix->is_array()) fail("json schema: 'prefixItems' must be an array at ", at);
  const size_t n_prefix = prefix ? prefix->size() : 0;
  if (rest && rest->is_boolean() && !rest->get<bool>()) rest = nullptr;
  if (!rest && min > n_prefix)
    fail("json schema: minItems ", min, " at ", at, " needs more items than the ", n_prefix, " prefixItems and no others are allowed");

  const Expr open = Expr::seq({lit("["), JsonRules::ws()});
  const uint32_t k = static_cast<uint32_t>(std::min<uint64_t>(n_prefix, max));  // tuple positions that can be used
  if (max == 0) return Expr::seq({open, lit("]")});
  // The items after the tuple, each preceded by a comma.
  const auto more = [&](uint32_t lo, uint32_t hi) {
    const Expr item = as_rule(rest_at, visit(*rest, rest_at, depth + 1));
    return Expr::repeat(Expr::seq({lit(","), JsonRules::ws(), item, JsonRules::ws()}), lo, hi);
  };
  if (n_prefix == 0) {
    const Expr item = as_rule(rest_at, visit(*rest, rest_at, depth + 1));
    const Expr body = Expr::seq({item, JsonRules::ws(),
                                 Expr::repeat(Expr::seq({lit(","), JsonRules::ws(), item, JsonRules::ws()}),
                                              min > 0 ? min - 1 : 0, max == kUnbounded ? kUnbounded : max - 1)});
    return Expr::seq({open, min == 0 ? Expr::optional(body) : body, lit("]")});
  }
  // after[i]: what may follow the first i items (a rule per position keeps
  // the expression flat however long the tuple is).
  Expr after = Expr::empty();
  if (k == n_prefix && rest) {
    const uint32_t lo = min > n_prefix ? min - static_cast<uint32_t>(n_prefix) : 0;
    const uint32_t hi = max == kUnbounded ? kUnbounded : max - k;
    if (hi > 0) after = as_rule(at + "/more", more(lo, hi));
  }
  std::vector<Expr> items;
  for (uint32_t i = 0; i < k; ++i) items.push_back(visit((*prefix)[i], child(prefix_at, i), depth + 1));
  for (uint32_t i = k - 1; i >= 1; --i) {
    const Expr next = Expr::seq({lit(","), JsonRules::ws(), items[i], JsonRules::ws(), after});
    after = as_rule(child(prefix_at, i), i >= min ? Expr::optional(next) : next);
  }
  const Expr body = Expr::seq({items[0], JsonRules::ws(), after});
  return Expr::seq({open, min == 0 ? Expr::optional(body) : body, lit("]")});
}

Expr Converter::object(const Json& s, const std::string& at, int depth) {
  const Json* props = s.contains("properties") ? &s["properties"] : nullptr;
  if (props && !props->is_object()) fail("json schema: 'properties' must be an object at ", at);
  std::vector<std::string> required;  // in the schema's order, once each
  std::set<std::string> required_set;
  if (s.contains("required")) {
    const Json& r = s["required"];
    if (!r.is_array()) fail("json schema: 'required' must be an array at ", at);
    for (const Json& name : r) {
      if (!name.is_string()) fail("json schema: 'required' must hold strings at ", at);
      if (required_set.insert(name.get<std::string>()).second) required.push_back(name.get<std::string>());
    }
  }
  const std::set<std::string> declared = member_names(props);
  const Json* extra = s.contains("additionalProperties") ? &s["additionalProperties"] : nullptr;
  if (extra && !extra->is_boolean() && !extra->is_object())
    fail("json schema: 'additionalProperties' must be a boolean or a schema at ", at);
  const std::string extra_at = child(at, "additionalProperties");
  const bool no_properties = !props || props->empty();
  // Without properties, a missing additionalProperties means any others.
  const bool extra_allowed = extra ? !(extra->is_boolean() && !extra->get<bool>()) : no_properties;

  struct Member {
    std::string name;
    bool required;
    Expr rule;
  };
  std::vector<Member> members;
  const auto member = [&](const std::string& where, const std::string& name, const Expr& value) {
    return as_rule(where,
                   Expr::seq({lit(literal(Json(name), at)), JsonRules::ws(), lit(":"), JsonRules::ws(), value, JsonRules::ws()}));
  };
  if (props) {
    for (const auto& [name, ps] : props->items()) {
      const bool req = required_set.count(name) > 0;
      const std::string where = child(child(at, "properties"), name);
      members.push_back({name, req, member(where, name, visit(ps, where, depth + 1))});
    }
  }
  for (const std::string& name : required) {
    if (declared.count(name)) continue;
    // Required but not described: a value additionalProperties allows.
    const Expr value = !extra ? json_.value() : visit(*extra, extra_at, depth + 1);
    members.push_back({name, true, member(child(child(at, "required"), name), name, value)});
  }

  // minProperties/maxProperties only where the rest already implies them.
  size_t n_required = 0;
  for (const Member& m : members) n_required += m.required;
  if (const auto mp = count(s, "minProperties", at); mp && *mp > n_required)
    fail("json schema: minProperties at ", at, " is not supported (only when the required properties imply it)");
  if (const auto mp = count(s, "maxProperties", at); mp && (extra_allowed || *mp < members.size()))
    fail("json schema: maxProperties at ", at, " is not supported (only when the properties imply it)");

  if (no_properties && required.empty() && !extra) return json_.object();

  // Other members: a name none of the named ones (written without escapes)
  // and a value additionalProperties allows.
  std::optional<Expr> other;
  if (extra_allowed) {
    std::vector<std::string> names;
    for (const Member& m : members) names.push_back(m.name);
    const Expr key = names.empty() ? json_.string()
                                   : Expr::seq({lit("\""),
                                                strings_except(b_, at + "/key", {{0, 0x1F}, {'"', '"'}, {'\\', '\\'}}, names),
                                                lit("\"")});
    const Expr value = extra && extra->is_object() ? visit(*extra, extra_at, depth + 1) : json_.value();
    other = as_rule(at + "/other", Expr::seq({key, JsonRules::ws(), lit(":"), JsonRules::ws(), value, JsonRules::ws()}));
  }

  // Members in schema order, each optional one possibly left out, commas
  // between: first[i] is the rest when none came before member i, then[i]
  // when some did.
  const size_t n = members.size();
  std::vector<RuleId> first(n + 1), then(n + 1);
  for (size_t i = 0; i <= n; ++i) {
    first[i] = b_.declare(at + "/members-" + std::to_string(i));
    if (i > 0 || n == 0) then[i] = b_.declare(at + "/more-" + std::to_string(i));
  }
  if (other) {
    const Expr others = Expr::repeat(Expr::seq({lit(","), JsonRules::ws(), *other}), 0, kUnbounded);
    b_.define(then[n], others);
    b_.define(first[n], Expr::optional(Expr::seq({*other, Expr::ref(then[n])})));
  } else {
    b_.define(then[n], Expr::empty());
    b_.define(first[n], Expr::empty());
  }
  for (size_t i = n; i-- > 0;) {
    const Member& m = members[i];
    std::vector<Expr> then_alts{Expr::seq({lit(","), JsonRules::ws(), m.rule, Expr::ref(then[i + 1])})};
    std::vector<Expr> first_alts{Expr::seq({m.rule, Expr::ref(then[i + 1])})};
    if (!m.required) {
      then_alts.push_back(Expr::ref(then[i + 1]));
      first_alts.push_back(Expr::ref(first[i + 1]));
    }
    if (i > 0) b_.define(then[i], Expr::alt(std::move(then_alts)));
    b_.define(first[i], Expr::alt(std::move(first_alts)));
  }
  return Expr::seq({lit("{"), JsonRules::ws(), Expr::ref(first[0]), lit("}")});
}

}  // namespace hearth::sampling::schema
