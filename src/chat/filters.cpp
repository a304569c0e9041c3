#include "chat/filters.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "chat/args.h"
#include "chat/interpreter.h"
#include "chat/json_dump.h"
#include "chat/operators.h"
#include "chat/string_ops.h"
#include "chat/unicode.h"

namespace hearth::chat {
namespace {

// jinja2's soft_str: what {{ }} prints (undefined gives ""). The string
// filters all start here, so this is where their work is counted.
std::string text_of(const Value& v) {
  std::string s = to_str(v);
  charge_work(1 + s.size() / 128);
  return s;
}

// Python's len().
int64_t length_of(const Value& v) {
  switch (v.type()) {
    case Value::Type::Undefined: return 0;
    case Value::Type::String: return static_cast<int64_t>(unicode::length(v.str()));
    case Value::Type::List:
    case Value::Type::Tuple: return static_cast<int64_t>(v.items().size());
    case Value::Type::Dict: return static_cast<int64_t>(v.dict().size());
    default: eval_fail("object of type '", type_name(v), "' has no len()");
  }
}

Value lower_if_string(const Value& v) { return v.is_string() ? Value(unicode::lower(v.str())) : v; }

// jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0.
struct AttrPath {
  std::vector<Value> parts;
  explicit AttrPath(const Value& attribute) {
    if (attribute.is_string()) {
      for (const auto& p : pystr::split(attribute.str(), std::string("."), -1)) {
        const bool digits = !p.empty() && p.find_first_not_of("0123456789") == std::string::npos;
        if (digits && p.size() <= 18) parts.emplace_back(static_cast<int64_t>(std::stoll(p)));
        else if (digits) parts.emplace_back(INT64_MAX);  // no list is that long
        else parts.emplace_back(p);
      }
    } else if (!attribute.is_none()) {
      parts.push_back(attribute);
    }
  }
  Value get(Interpreter& in, Value item, const Value* fallback = nullptr) const {
    for (const Value& part : parts) {
      item = in.getitem(item, part);
      if (fallback && item.is_undefined()) item = *fallback;
    }
    return item;
  }
};

// Several comma-separated attribute paths (sort's attribute="age,name").
std::vector<AttrPath> attr_paths(const Value& attribute) {
  std::vector<AttrPath> out;
  if (attribute.is_string()) {
    for (const auto& p : pystr::split(attribute.str(), std::string(","), -1)) out.emplace_back(Value(p));
  } else {
    out.emplace_back(attribute);
  }
  return out;
}

// Sorting with Python's ordering, stable; reverse keeps equal items in order
// as sorted(reverse=True) does.
void sort_by_keys(std::vector<std::pair<Value, Value>>& keyed, bool reverse) {
  uint64_t log2n = 1;
  while ((size_t{1} << log2n) < keyed.size()) ++log2n;
  charge_work(keyed.size() * log2n);
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
    return reverse ? less_than(b.first, a.first) : less_than(a.first, b.first);
  });
}

// ---- filters

Value f_abs(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("abs", c, {});
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) eval_fail("integer overflow");
    return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
  }
  if (v.is_float()) return Value(std::fabs(v.as_double()));
  if (v.is_undefined()) undefined_error(v);
  eval_fail("bad operand type for abs(): '", type_name(v), "'");
}

Value f_attr(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("attr", c, {"name"});
  const std::string name = a.str(0, "name");
  if (v.is_undefined()) undefined_error(v);
  if (v.is_dict()) {
    // only real attributes (methods), not items
    if (name == "items" || name == "keys" || name == "values" || name == "get" || name == "copy")
      return in.getattr(v, name);
    return Value::undefined(cat("'dict object' has no attribute '", name, "'"));
  }
  return in.getattr(v, name);
}

Value f_batch(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("batch", c, {"linecount", "fill_with"});
  const int64_t n = a.int_or(0, 0);
  if (n <= 0) eval_fail("batch(): linecount must be positive");
  if (static_cast<uint64_t>(n) > in.limits().max_items) in.check_items(static_cast<size_t>(n));
  const Value* fill = a.has(1) ? a.get(1) : nullptr;
  std::vector<Value> out, row;
  for (Value& item : iterate(v)) {
    if (static_cast<int64_t>(row.size()) == n) {
      out.push_back(Value::list(std::move(row)));
      row.clear();
    }
    row.push_back(std::move(item));
  }
  if (!row.empty()) {
    if (fill)
      while (static_cast<int64_t>(row.size()) < n) row.push_back(*fill);
    out.push_back(Value::list(std::move(row)));
  }
  in.check_items(out.size());
  return Value::iterator(std::move(out));
}

Value f_capitalize(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("capitalize", c, {});
  return Value(pystr::capitalize(text_of(v)));
}

Value f_center(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("center", c, {"width"});
  return Value(pystr::center(text_of(v), a.int_or(0, 80), ' '));
}

Value f_length(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("length", c, {});
  return Value(length_of(v));
}

Value f_default(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("default", c, {"default_value", "boolean"});
  if (v.is_undefined() || (a.bool_or(1, false) && !truthy(v))) return a.get_or(0, Value(""));
  return v;
}

Value f_dictsort(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("dictsort", c, {"case_sensitive", "by", "reverse"});
  if (!v.is_dict()) eval_fail("dictsort(): '", type_name(v), "' object has no attribute 'items'");
  const bool case_sensitive = a.bool_or(0, false);
  const std::string by = a.get(1) ? a.str(1, "by") : "key";
  if (by != "key" && by != "value") eval_fail("You can only sort by either \"key\" or \"value\"");
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto& [k, val] : v.dict().entries) {
    Value key = by == "key" ? k : val;
    if (!case_sensitive) key = lower_if_string(key);
    keyed.emplace_back(key, Value::tuple({k, val}));
  }
  sort_by_keys(keyed, a.bool_or(2, false));
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Value f_escape(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("escape", c, {});
  std::string out;
  for (char ch : text_of(v)) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += ch;
    }
  }
  return Value(std::move(out));
}

Value f_first(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("first", c, {});
  if (v.is_iterator()) {
    Iterator& it = v.iter();
    if (it.pos < it.items.size()) return it.items[it.pos++];
  } else if (v.is_sequence()) {
    if (!v.items().empty()) return v.items().front();
  } else {
    std::vector<Value> items = iterate(v);
    if (!items.empty()) return items.front();
  }
  return Value::undefined("No first item, sequence was empty.");
}

Value f_last(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("last", c, {});
  if (v.is_iterator()) eval_fail("'generator' object is not reversible");
  if (v.is_sequence()) {
    if (!v.items().empty()) return v.items().back();
    return Value::undefined("No last item, sequence was empty.");
  }
  std::vector<Value> items = iterate(v);
  if (!items.empty()) return items.back();
  return Value::undefined("No last item, sequence was empty.");
}

// Python's float() of a string.
std::optional<double> parse_float(const std::string& text) {
  std::string s = pystr::strip(text, std::nullopt, true, true);
  std::string t;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (i == 0 || i + 1 == s.size() || !std::isdigit(static_cast<unsigned char>(s[i - 1])) ||
          !std::isdigit(static_cast<unsigned char>(s[i + 1])))
        return std::nullopt;
      continue;
    }
    t += s[i];
  }
  if (t.empty()) return std::nullopt;
  std::string low = unicode::lower(t);
  std::string body = low;
  if (body[0] == '+' || body[0] == '-') body = body.substr(1);
  if (body == "inf" || body == "infinity" || body == "nan") {
    const double d = body == "nan" ? NAN : INFINITY;
    return low[0] == '-' ? -d : d;
  }
  // digits with an optional fraction and exponent, nothing else
  size_t i = 0;
  bool digits = false;
  if (i < body.size() && (body[i] == '+' || body[i] == '-')) return std::nullopt;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, digits = true;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, digits = true;
  }
  if (!digits) return std::nullopt;
  if (i < body.size() && body[i] == 'e') {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    const size_t start = i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i;
    if (i == start) return std::nullopt;
  }
  if (i != body.size()) return std::nullopt;
  return std::strtod(t.c_str(), nullptr);
}

Value f_float(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("float", c, {"default"});
  if (v.is_number()) return Value(v.as_double());
  if (v.is_string())
    if (auto d = parse_float(v.str())) return Value(*d);
  return a.get_or(0, Value(0.0));
}

// Python's int(str, base).
std::optional<int64_t> parse_int(const std::string& text, int64_t base) {
  std::string s = pystr::strip(text, std::nullopt, true, true);
  bool neg = false;
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
  auto prefixed = [&](char p) {
    return i + 1 < s.size() && s[i] == '0' && (s[i + 1] | 0x20) == p;
  };
  if (base == 16 && prefixed('x')) i += 2;
  else if (base == 8 && prefixed('o')) i += 2;
  else if (base == 2 && prefixed('b')) i += 2;
  else if (base == 0) {
    if (prefixed('x')) base = 16, i += 2;
    else if (prefixed('o')) base = 8, i += 2;
    else if (prefixed('b')) base = 2, i += 2;
    else base = 10;
  }
  if (base < 2 || base > 36) return std::nullopt;
  int64_t value = 0;
  bool any = false, last_underscore = false;
  for (; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '_') {
      if (!any || last_underscore) return std::nullopt;
      last_underscore = true;
      continue;
    }
    int d = -1;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') d = (ch | 0x20) - 'a' + 10;
    if (d < 0 || d >= base) return std::nullopt;
    if (__builtin_mul_overflow(value, base, &value) || __builtin_add_overflow(value, d, &value)) return std::nullopt;
    any = true;
    last_underscore = false;
  }
  if (!any || last_underscore) return std::nullopt;
  return neg ? -value : value;
}

Value f_int(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("int", c, {"default", "base"});
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) {
    const double d = v.as_double();
    if (std::isfinite(d) && std::fabs(d) < 9.2e18) return Value(static_cast<int64_t>(d));
  }
  if (v.is_string()) {
    if (auto i = parse_int(v.str(), a.int_or(1, 10))) return Value(*i);
    if (auto d = parse_float(v.str()))
      if (std::isfinite(*d) && std::fabs(*d) < 9.2e18) return Value(static_cast<int64_t>(*d));
  }
  return a.get_or(0, Value(int64_t{0}));
}

Value f_format(Interpreter& in, const Value& v, CallArgs& c) {
  if (!c.positional.empty() && !c.keyword.empty())
    eval_fail("can't handle positional and keyword arguments at the same time");
  Value args;
  if (!c.keyword.empty()) {
    Dict d;
    for (auto& [k, val] : c.keyword) d.set(Value(k), val);
    args = Value::dict(std::move(d));
  } else {
    args = Value::tuple(c.positional);
  }
  std::string out = pystr::percent_format(text_of(v), args);
  in.check_size(out.size());
  return Value(std::move(out));
}

Value f_indent(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("indent", c, {"width", "first", "blank"});
  std::string indention;
  const Value width = a.get_or(0, Value(int64_t{4}));
  if (width.is_string()) indention = width.str();
  else if (width.is_integral()) indention = std::string(static_cast<size_t>(std::clamp<int64_t>(width.as_int(), 0, 1 << 20)), ' ');
  else eval_fail("can't multiply sequence by non-int of type '", type_name(width), "'");
  const std::string s = text_of(v) + "\n";
  const std::vector<std::string> lines = pystr::splitlines(s, false);
  std::string rv;
  if (a.bool_or(2, false)) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) rv += "\n" + indention;
      rv += lines[i];
      in.check_size(rv.size());
    }
  } else {
    rv = lines.empty() ? std::string() : lines[0];
    for (size_t i = 1; i < lines.size(); ++i) {
      rv += "\n";
      if (!lines[i].empty()) rv += indention;
      rv += lines[i];
      in.check_size(rv.size());
    }
  }
  if (a.bool_or(1, false)) rv = indention + rv;
  return Value(std::move(rv));
}

Value f_items(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("items", c, {});
  if (v.is_undefined()) return Value::iterator({});
  if (!v.is_dict()) eval_fail("Can only get item pairs from a mapping.");
  std::vector<Value> out;
  for (const auto& [k, val] : v.dict().entries) out.push_back(Value::tuple({k, val}));
  return Value::iterator(std::move(out));
}

Value f_join(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("join", c, {"d", "attribute"});
  const std::string sep = text_of(a.get_or(0, Value("")));
  std::vector<Value> items = iterate(v);
  if (a.has(1)) {
    const AttrPath path(*a.get(1));
    for (Value& item : items) item = path.get(in, item);
  }
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += sep;
    out += text_of(items[i]);
    in.check_size(out.size());
  }
  return Value(std::move(out));
}

Value f_list(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("list", c, {});
  std::vector<Value> items = iterate(v);
  in.check_items(items.size());
  return Value::list(std::move(items));
}

Value f_lower(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("lower", c, {});
  return Value(unicode::lower(text_of(v)));
}

Value f_upper(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("upper", c, {});
  return Value(unicode::upper(text_of(v)));
}

Value f_map(Interpreter& in, const Value& v, CallArgs& c) {
  if (!truthy(v)) return Value::iterator({});
  std::vector<Value> items = iterate(v);
  if (c.positional.empty()) {
    const Value* attribute = nullptr;
    const Value* fallback = nullptr;
    for (const auto& [k, val] : c.keyword) {
      if (k == "attribute") attribute = &val;
      else if (k == "default") fallback = &val;
      else eval_fail("Unexpected keyword argument '", k, "'");
    }
    if (!attribute) eval_fail("map requires a filter argument");
    const AttrPath path(*attribute);
    const Value* fb = fallback && !fallback->is_none() ? fallback : nullptr;
    for (Value& item : items) item = path.get(in, item, fb);
    return Value::iterator(std::move(items));
  }
  if (!c.positional[0].is_string()) eval_fail("map(): the filter name must be a string");
  const std::string name = c.positional[0].str();
  CallArgs rest;
  rest.positional.assign(c.positional.begin() + 1, c.positional.end());
  rest.keyword = c.keyword;
  for (Value& item : items) {
    CallArgs args = rest;
    item = in.call_filter(name, item, args);
  }
  return Value::iterator(std::move(items));
}

Value select_or_reject(Interpreter& in, const Value& v, CallArgs& c, bool select, bool by_attr) {
  if (!truthy(v)) return Value::iterator({});
  std::vector<Value> items = iterate(v);
  size_t off = 0;
  std::optional<AttrPath> path;
  if (by_attr) {
    if (c.positional.empty()) eval_fail("Missing parameter for attribute name");
    path.emplace(c.positional[0]);
    off = 1;
  }
  std::optional<std::string> test;
  CallArgs rest;
  if (c.positional.size() > off) {
    if (!c.positional[off].is_string()) eval_fail("the test name must be a string");
    test = c.positional[off].str();
    rest.positional.assign(c.positional.begin() + static_cast<std::ptrdiff_t>(off) + 1, c.positional.end());
    rest.keyword = c.keyword;
  }
  std::vector<Value> out;
  for (Value& item : items) {
    const Value subject = path ? path->get(in, item) : item;
    bool ok;
    if (test) {
      CallArgs args = rest;
      ok = in.call_test(*test, subject, args);
    } else {
      ok = truthy(subject);
    }
    if (ok == select) out.push_back(std::move(item));
  }
  return Value::iterator(std::move(out));
}

Value f_select(Interpreter& in, const Value& v, CallArgs& c) { return select_or_reject(in, v, c, true, false); }
Value f_reject(Interpreter& in, const Value& v, CallArgs& c) { return select_or_reject(in, v, c, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, CallArgs& c) { return select_or_reject(in, v, c, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, CallArgs& c) { return select_or_reject(in, v, c, false, true); }

Value min_or_max(Interpreter& in, const Value& v, CallArgs& c, bool want_max) {
  ArgReader a(want_max ? "max" : "min", c, {"case_sensitive", "attribute"});
  std::vector<Value> items = iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  const bool case_sensitive = a.bool_or(0, false);
  const AttrPath path(a.get_or(1, Value::none()));
  auto key = [&](const Value& item) {
    Value k = path.get(in, item);
    return case_sensitive ? k : lower_if_string(k);
  };
  size_t best = 0;
  Value best_key = key(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? less_than(best_key, k) : less_than(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

Value f_max(Interpreter& in, const Value& v, CallArgs& c) { return min_or_max(in, v, c, true); }
Value f_min(Interpreter& in, const Value& v, CallArgs& c) { return min_or_max(in, v, c, false); }

Value f_replace(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("replace", c, {"old", "new", "count"});
  return Value(pystr::replace(text_of(v), text_of(a.required(0, "old")), text_of(a.required(1, "new")),
                              a.int_or(2, -1), in.limits().max_output));
}

Value f_reverse(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("reverse", c, {});
  if (v.is_string()) {
    std::u32string cps = unicode::decode(v.str());
    std::reverse(cps.begin(), cps.end());
    return Value(unicode::encode(cps));
  }
  if (v.is_none() || v.is_number() || v.is_namespace() || v.is_function()) eval_fail("argument must be iterable");
  const bool generator = v.is_iterator();
  std::vector<Value> items = iterate(v);
  std::reverse(items.begin(), items.end());
  return generator ? Value::list(std::move(items)) : Value::iterator(std::move(items));
}

Value f_round(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("round", c, {"precision", "method"});
  const int64_t precision = a.int_or(0, 0);
  const std::string method = a.get(1) ? a.str(1, "method") : "common";
  if (method != "common" && method != "ceil" && method != "floor")
    eval_fail("method must be common, ceil or floor");
  if (v.is_undefined()) undefined_error(v);
  if (!v.is_number()) eval_fail("type ", type_name(v), " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_integral()) {
      if (precision >= 0) return Value(v.as_int());
      int64_t p = 1;
      for (int64_t i = 0; i < -precision && p <= INT64_MAX / 10; ++i) p *= 10;
      if (-precision > 18) return Value(int64_t{0});
      const int64_t x = v.as_int();
      int64_t q = x / p, r = x % p;
      if (r < 0) {
        r += p;
        q -= 1;
      }
      if (2 * r > p || (2 * r == p && (q & 1))) q += 1;
      return Value(q * p);
    }
    const double d = v.as_double();
    if (!std::isfinite(d)) return Value(d);
    if (precision >= 0) {
      if (precision > 300) return Value(d);
      char buf[512];
      std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(precision), d);
      return Value(std::strtod(buf, nullptr));
    }
    const double p = std::pow(10.0, static_cast<double>(-precision));
    return Value(std::nearbyint(d / p) * p);
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = v.as_double() * scale;
  const double r = method == "ceil" ? std::ceil(x) : std::floor(x);
  return Value(r / scale);
}

Value f_safe(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("safe", c, {});
  return Value(text_of(v));
}

Value f_sort(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("sort", c, {"reverse", "case_sensitive", "attribute"});
  const bool case_sensitive = a.bool_or(1, false);
  const std::vector<AttrPath> paths = attr_paths(a.get_or(2, Value::none()));
  std::vector<std::pair<Value, Value>> keyed;
  for (Value& item : iterate(v)) {
    std::vector<Value> keys;
    for (const auto& p : paths) {
      Value k = p.get(in, item);
      keys.push_back(case_sensitive ? k : lower_if_string(k));
    }
    keyed.emplace_back(Value::list(std::move(keys)), std::move(item));
  }
  sort_by_keys(keyed, a.bool_or(0, false));
  std::vector<Value> out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return Value::list(std::move(out));
}

Value f_string(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("string", c, {});
  return Value(text_of(v));
}

Value f_sum(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("sum", c, {"attribute", "start"});
  Value total = a.get_or(1, Value(int64_t{0}));
  if (total.is_string()) eval_fail("sum() can't sum strings [use ''.join(seq) instead]");
  const AttrPath path(a.get_or(0, Value::none()));
  for (const Value& item : iterate(v)) total = binary_op(BinOp::Add, total, path.get(in, item), in);
  return total;
}

Value f_title(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("title", c, {});
  // jinja2 splits on runs of "-", whitespace, "(", "{", "[", "<" and
  // capitalizes each piece.
  const std::string s = text_of(v);
  std::string out;
  bool word_start = true;
  for (size_t i = 0; i < s.size();) {
    const char32_t ch = unicode::next(s, i);
    const bool delim = ch == '-' || ch == '(' || ch == '{' || ch == '[' || ch == '<' || unicode::is_space(ch);
    if (delim) {
      unicode::append_utf8(out, ch);
      word_start = true;
    } else {
      unicode::append_utf8(out, word_start ? unicode::to_upper(ch) : unicode::to_lower(ch));
      word_start = false;
    }
  }
  return Value(std::move(out));
}

// Hugging Face's tojson: json.dumps(x, ensure_ascii=False, indent=None,
// separators=None, sort_keys=False).
Value f_tojson(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("tojson", c, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonDumpOptions o;
  o.ensure_ascii = a.bool_or(0, false);
  if (a.has(1)) {
    const Value& indent = *a.get(1);
    if (indent.is_string()) o.indent = indent.str();
    else if (indent.is_integral()) o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.as_int(), 0, 1 << 16)), ' ');
    else eval_fail("can't multiply sequence by non-int of type '", type_name(indent), "'");
  }
  if (a.has(2)) {
    const Value& sep = *a.get(2);
    if (!sep.is_sequence() || sep.items().size() != 2 || !sep.items()[0].is_string() || !sep.items()[1].is_string())
      eval_fail("tojson(): separators must be an (item_separator, key_separator) pair of strings");
    o.separators = std::make_pair(sep.items()[0].str(), sep.items()[1].str());
  }
  o.sort_keys = a.bool_or(3, false);
  o.max_bytes = in.limits().max_output;
  std::string out = json_dumps(v, o);
  in.check_size(out.size());
  return Value(std::move(out));
}

Value f_trim(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("trim", c, {"chars"});
  return Value(pystr::strip(text_of(v), a.str_opt(0), true, true));
}

Value f_truncate(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("truncate", c, {"length", "killwords", "end", "leeway"});
  const std::string s = text_of(v);
  const int64_t length = a.int_or(0, 255);
  const bool killwords = a.bool_or(1, false);
  const std::string end = a.get(2) ? a.str(2, "end") : "...";
  const int64_t leeway = a.int_or(3, 5);
  const std::u32string cps = unicode::decode(s);
  const int64_t end_len = static_cast<int64_t>(unicode::length(end));
  if (length < end_len) eval_fail("expected length >= ", end_len, ", got ", length);
  if (leeway < 0) eval_fail("expected leeway >= 0, got ", leeway);
  if (static_cast<int64_t>(cps.size()) <= length + leeway) return Value(s);
  const std::string head = unicode::encode(std::u32string_view(cps).substr(0, static_cast<size_t>(length - end_len)));
  if (killwords) return Value(head + end);
  const size_t space = head.rfind(' ');
  return Value((space == std::string::npos ? head : head.substr(0, space)) + end);
}

Value f_unique(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("unique", c, {"case_sensitive", "attribute"});
  const bool case_sensitive = a.bool_or(0, false);
  const AttrPath path(a.get_or(1, Value::none()));
  std::vector<Value> seen, out;
  for (Value& item : iterate(v)) {
    Value key = path.get(in, item);
    if (!case_sensitive) key = lower_if_string(key);
    if (key.is_list() || key.is_dict()) eval_fail("unhashable type: '", type_name(key), "'");
    bool dup = false;
    charge_work(1 + seen.size());
    for (const Value& s : seen)
      if (equals(s, key)) {
        dup = true;
        break;
      }
    if (dup) continue;
    seen.push_back(std::move(key));
    out.push_back(std::move(item));
  }
  return Value::iterator(std::move(out));
}

Value f_wordcount(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("wordcount", c, {});
  const std::string s = text_of(v);
  int64_t n = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size();) {
    const bool w = unicode::is_word(unicode::next(s, i));
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(n);
}

Value f_pprint(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("pprint", c, {});
  return Value(repr(v));
}

// ---- tests

bool t_defined(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("defined", c, {});
  return !v.is_undefined();
}
bool t_undefined(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("undefined", c, {});
  return v.is_undefined();
}
bool t_none(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("none", c, {});
  return v.is_none();
}
bool t_boolean(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("boolean", c, {});
  return v.is_bool();
}
bool t_true(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("true", c, {});
  return v.is_bool() && v.as_bool();
}
bool t_false(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("false", c, {});
  return v.is_bool() && !v.as_bool();
}
bool t_integer(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("integer", c, {});
  return v.is_int();
}
bool t_float(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("float", c, {});
  return v.is_float();
}
bool t_number(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("number", c, {});
  return v.is_number();
}
bool t_string(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("string", c, {});
  return v.is_string();
}
bool t_mapping(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("mapping", c, {});
  return v.is_dict();
}
bool t_iterable(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("iterable", c, {});
  return v.is_undefined() || v.is_string() || v.is_sequence() || v.is_dict() || v.is_iterator();
}
bool t_sequence(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("sequence", c, {});
  return v.is_undefined() || v.is_string() || v.is_sequence() || v.is_dict();
}
bool t_callable(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("callable", c, {});
  return v.is_function() || v.is_undefined();
}
bool t_escaped(Interpreter&, const Value&, CallArgs& c) {
  ArgReader a("escaped", c, {});
  return false;
}
bool parity(Interpreter& in, const Value& v, int64_t want) {
  return equals(binary_op(BinOp::Mod, v, Value(int64_t{2}), in), Value(want));
}
bool t_odd(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("odd", c, {});
  return parity(in, v, 1);
}
bool t_even(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("even", c, {});
  return parity(in, v, 0);
}
bool t_divisibleby(Interpreter& in, const Value& v, CallArgs& c) {
  ArgReader a("divisibleby", c, {"num"});
  return equals(binary_op(BinOp::Mod, v, a.required(0, "num"), in), Value(int64_t{0}));
}
bool t_lower(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("lower", c, {});
  const std::string s = to_str(v);
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t ch = unicode::next(s, i);
    if (unicode::is_upper(ch)) return false;
    cased = cased || unicode::is_lower(ch);
  }
  return cased;
}
bool t_upper(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("upper", c, {});
  const std::string s = to_str(v);
  bool cased = false;
  for (size_t i = 0; i < s.size();) {
    const char32_t ch = unicode::next(s, i);
    if (unicode::is_lower(ch)) return false;
    cased = cased || unicode::is_upper(ch);
  }
  return cased;
}
template <CmpOp Op>
bool t_compare(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("compare", c, {"other"});
  return compare(Op, v, a.required(0, "other"));
}
bool t_in(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("in", c, {"seq"});
  return contains(a.required(0, "seq"), v);
}
bool t_sameas(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("sameas", c, {"other"});
  const Value& o = a.required(0, "other");
  if (v.type() != o.type()) return false;
  switch (v.type()) {
    case Value::Type::Undefined: return false;
    case Value::Type::None: return true;
    case Value::Type::Bool:
    case Value::Type::Int:
    case Value::Type::Float:
    case Value::Type::String: return equals(v, o);
    default: return v.identity() == o.identity();
  }
}
bool t_filter(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("filter", c, {});
  return v.is_string() && find_filter(v.str()) != nullptr;
}
bool t_test(Interpreter&, const Value& v, CallArgs& c) {
  ArgReader a("test", c, {});
  return v.is_string() && find_test(v.str()) != nullptr;
}

const std::unordered_map<std::string_view, FilterFn>& filter_table() {
  static const std::unordered_map<std::string_view, FilterFn> table = {
      {"abs", f_abs}, {"attr", f_attr}, {"batch", f_batch}, {"capitalize", f_capitalize},
      {"center", f_center}, {"count", f_length}, {"d", f_default}, {"default", f_default},
      {"dictsort", f_dictsort}, {"e", f_escape}, {"escape", f_escape}, {"forceescape", f_escape},
      {"first", f_first}, {"float", f_float}, {"format", f_format}, {"indent", f_indent}, {"int", f_int},
      {"items", f_items}, {"join", f_join}, {"last", f_last}, {"length", f_length}, {"list", f_list},
      {"lower", f_lower}, {"map", f_map}, {"max", f_max}, {"min", f_min}, {"pprint", f_pprint},
      {"reject", f_reject}, {"rejectattr", f_rejectattr}, {"replace", f_replace}, {"reverse", f_reverse},
      {"round", f_round}, {"safe", f_safe}, {"select", f_select}, {"selectattr", f_selectattr},
      {"sort", f_sort}, {"string", f_string}, {"sum", f_sum}, {"title", f_title}, {"tojson", f_tojson},
      {"trim", f_trim}, {"truncate", f_truncate}, {"unique", f_unique}, {"upper", f_upper},
      {"wordcount", f_wordcount},
  };
  return table;
}

const std::unordered_map<std::string_view, TestFn>& test_table() {
  static const std::unordered_map<std::string_view, TestFn> table = {
      {"boolean", t_boolean}, {"callable", t_callable}, {"defined", t_defined},
      {"divisibleby", t_divisibleby}, {"eq", t_compare<CmpOp::Eq>}, {"equalto", t_compare<CmpOp::Eq>},
      {"==", t_compare<CmpOp::Eq>}, {"escaped", t_escaped}, {"even", t_even}, {"false", t_false},
      {"filter", t_filter}, {"float", t_float}, {"ge", t_compare<CmpOp::Ge>}, {">=", t_compare<CmpOp::Ge>},
      {"gt", t_compare<CmpOp::Gt>}, {">", t_compare<CmpOp::Gt>}, {"greaterthan", t_compare<CmpOp::Gt>},
      {"in", t_in}, {"integer", t_integer}, {"iterable", t_iterable}, {"le", t_compare<CmpOp::Le>},
      {"<=", t_compare<CmpOp::Le>}, {"lower", t_lower}, {"lt", t_compare<CmpOp::Lt>},
      {"<", t_compare<CmpOp::Lt>}, {"lessthan", t_compare<CmpOp::Lt>}, {"mapping", t_mapping},
      {"ne", t_compare<CmpOp::Ne>}, {"!=", t_compare<CmpOp::Ne>}, {"none", t_none}, {"number", t_number},
      {"odd", t_odd}, {"sameas", t_sameas}, {"sequence", t_sequence}, {"string", t_string},
      {"test", t_test}, {"true", t_true}, {"undefined", t_undefined}, {"upper", t_upper},
  };
  return table;
}

}  // namespace

FilterFn find_filter(std::string_view name) {
  const auto& t = filter_table();
  auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}

TestFn find_test(std::string_view name) {
  const auto& t = test_table();
  auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}

}  // namespace hearth::chat
