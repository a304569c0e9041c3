#include "chat/methods.h"

#include <array>

#include "chat/args.h"
#include "chat/interpreter.h"
#include "chat/string_ops.h"
#include "chat/unicode.h"

namespace hearth::chat {
namespace {

using Method = Value (*)(Interpreter&, const Value& self, CallArgs&);

Value to_list(const std::vector<std::string>& parts) {
  std::vector<Value> out;
  out.reserve(parts.size());
  for (const auto& p : parts) out.emplace_back(p);
  return Value::list(std::move(out));
}

// Python's start/end arguments of startswith, find, count...: the code point
// range they select, as a substring.
std::string substring(const std::string& s, const ArgReader& a, size_t first) {
  if (!a.has(first) && !a.has(first + 1)) return s;
  const std::u32string cps = unicode::decode(s);
  const int64_t len = static_cast<int64_t>(cps.size());
  auto fix = [len](int64_t i) {
    if (i < 0) i = std::max<int64_t>(0, i + len);
    return std::min(i, len);
  };
  const int64_t b = fix(a.int_or(first, 0));
  const int64_t e = fix(a.int_or(first + 1, len));
  if (e <= b) return {};
  return unicode::encode(std::u32string_view(cps).substr(b, e - b));
}

bool affix_test(const char* name, const Value& self, CallArgs& c, bool suffix) {
  ArgReader a(name, c, {"prefix", "start", "end"});
  const Value& p = a.required(0, "prefix");
  const std::string s = substring(self.str(), a, 1);
  auto one = [&](const Value& v) {
    if (!v.is_string())
      eval_fail(name, " first arg must be str or a tuple of str, not ", type_name(v));
    const std::string& x = v.str();
    if (x.size() > s.size()) return false;
    return suffix ? s.compare(s.size() - x.size(), x.size(), x) == 0 : s.compare(0, x.size(), x) == 0;
  };
  if (p.is_tuple()) {
    for (const Value& v : p.items())
      if (one(v)) return true;
    return false;
  }
  return one(p);
}

Value strip_method(const char* name, const Value& self, CallArgs& c, bool left, bool right) {
  ArgReader a(name, c, {"chars"});
  return Value(pystr::strip(self.str(), a.str_opt(0), left, right));
}

template <bool (*Pred)(char32_t)>
Value all_chars(const Value& self) {
  const std::string& s = self.str();
  if (s.empty()) return Value(false);
  for (size_t i = 0; i < s.size();)
    if (!Pred(unicode::next(s, i))) return Value(false);
  return Value(true);
}

bool is_alnum_cp(char32_t c) { return unicode::is_alpha(c) || unicode::is_digit(c); }

Value case_test(const Value& self, bool want_upper) {
  bool cased = false;
  const std::string& s = self.str();
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::next(s, i);
    if (want_upper ? unicode::is_lower(c) : unicode::is_upper(c)) return Value(false);
    if (unicode::is_upper(c) || unicode::is_lower(c)) cased = true;
  }
  return Value(cased);
}

char32_t fill_char(const ArgReader& a, size_t i, const char* name) {
  if (!a.get(i)) return ' ';
  const Value& v = *a.get(i);
  if (!v.is_string() || unicode::length(v.str()) != 1)
    eval_fail(name, "() argument 2 must be a single character");
  size_t k = 0;
  return unicode::next(v.str(), k);
}

Value partition(const Value& self, CallArgs& c, bool reverse) {
  ArgReader a(reverse ? "rpartition" : "partition", c, {"sep"});
  const std::string sep = a.str(0, "sep");
  if (sep.empty()) eval_fail("empty separator");
  const std::string& s = self.str();
  const size_t pos = reverse ? s.rfind(sep) : s.find(sep);
  if (pos == std::string::npos)
    return reverse ? Value::tuple({Value(""), Value(""), Value(s)}) : Value::tuple({Value(s), Value(""), Value("")});
  return Value::tuple({Value(s.substr(0, pos)), Value(sep), Value(s.substr(pos + sep.size()))});
}

Value find_method(const char* name, const Value& self, CallArgs& c, bool reverse, bool raise) {
  ArgReader a(name, c, {"sub", "start", "end"});
  const std::string sub = a.str(0, "sub");
  const std::string& s = self.str();
  int64_t offset = 0;
  std::string hay = s;
  if (a.has(1) || a.has(2)) {
    const int64_t len = static_cast<int64_t>(unicode::length(s));
    int64_t b = a.int_or(1, 0);
    if (b < 0) b = std::max<int64_t>(0, b + len);
    offset = std::min(b, len);
    hay = substring(s, a, 1);
  }
  const int64_t r = pystr::find(hay, sub, reverse);
  if (r < 0) {
    if (raise) eval_fail("substring not found");
    return Value(int64_t{-1});
  }
  return Value(r + offset);
}

Value str_method(std::string_view name, Interpreter& in, const Value& self, CallArgs& c) {
  const std::string& s = self.str();
  if (name == "startswith") return Value(affix_test("startswith", self, c, false));
  if (name == "endswith") return Value(affix_test("endswith", self, c, true));
  if (name == "strip") return strip_method("strip", self, c, true, true);
  if (name == "lstrip") return strip_method("lstrip", self, c, true, false);
  if (name == "rstrip") return strip_method("rstrip", self, c, false, true);
  if (name == "split" || name == "rsplit") {
    ArgReader a(name, c, {"sep", "maxsplit"});
    const auto parts = name == "split" ? pystr::split(s, a.str_opt(0), a.int_or(1, -1))
                                       : pystr::rsplit(s, a.str_opt(0), a.int_or(1, -1));
    in.check_items(parts.size());
    return to_list(parts);
  }
  if (name == "splitlines") {
    ArgReader a(name, c, {"keepends"});
    return to_list(pystr::splitlines(s, a.bool_or(0, false)));
  }
  if (name == "upper") {
    ArgReader a(name, c, {});
    return Value(unicode::upper(s));
  }
  if (name == "lower" || name == "casefold") {
    ArgReader a(name, c, {});
    return Value(unicode::lower(s));
  }
  if (name == "title") {
    ArgReader a(name, c, {});
    return Value(pystr::title(s));
  }
  if (name == "capitalize") {
    ArgReader a(name, c, {});
    return Value(pystr::capitalize(s));
  }
  if (name == "swapcase") {
    ArgReader a(name, c, {});
    return Value(pystr::swapcase(s));
  }
  if (name == "replace") {
    ArgReader a(name, c, {"old", "new", "count"});
    return Value(pystr::replace(s, a.str(0, "old"), a.str(1, "new"), a.int_or(2, -1), in.limits().max_output));
  }
  if (name == "find") return find_method("find", self, c, false, false);
  if (name == "rfind") return find_method("rfind", self, c, true, false);
  if (name == "index") return find_method("index", self, c, false, true);
  if (name == "rindex") return find_method("rindex", self, c, true, true);
  if (name == "count") {
    ArgReader a(name, c, {"sub", "start", "end"});
    return Value(pystr::count(substring(s, a, 1), a.str(0, "sub")));
  }
  if (name == "join") {
    ArgReader a(name, c, {"iterable"});
    std::string out;
    bool first = true;
    for (const Value& v : iterate(a.required(0, "iterable"))) {
      if (!v.is_string()) eval_fail("sequence item: expected str instance, ", type_name(v), " found");
      if (!first) out += s;
      first = false;
      out += v.str();
      in.check_size(out.size());
    }
    return Value(std::move(out));
  }
  if (name == "format") {
    std::string out = pystr::brace_format(s, c.positional, c.keyword);
    in.check_size(out.size());
    return Value(std::move(out));
  }
  if (name == "isdigit" || name == "isnumeric" || name == "isdecimal") return all_chars<unicode::is_digit>(self);
  if (name == "isalpha") return all_chars<unicode::is_alpha>(self);
  if (name == "isalnum") return all_chars<is_alnum_cp>(self);
  if (name == "isspace") return all_chars<unicode::is_space>(self);
  if (name == "isupper") return case_test(self, true);
  if (name == "islower") return case_test(self, false);
  if (name == "istitle") {
    bool cased = false;
    for (size_t i = 0; i < s.size();) {
      const char32_t ch = unicode::next(s, i);
      cased = cased || unicode::is_upper(ch) || unicode::is_lower(ch);
    }
    return Value(cased && pystr::title(s) == s);
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    ArgReader a(name, c, {"width", "fillchar"});
    const int64_t width = a.int_or(0, 0);
    const char32_t fill = fill_char(a, 1, name == "center" ? "center" : name == "ljust" ? "ljust" : "rjust");
    if (name == "center") return Value(pystr::center(s, width, fill));
    if (name == "ljust") return Value(pystr::ljust(s, width, fill));
    return Value(pystr::rjust(s, width, fill));
  }
  if (name == "zfill") {
    ArgReader a(name, c, {"width"});
    const int64_t width = a.int_or(0, 0);
    const int64_t len = static_cast<int64_t>(unicode::length(s));
    if (width <= len) return self;
    in.check_size(static_cast<size_t>(width));
    const size_t sign = (!s.empty() && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    return Value(s.substr(0, sign) + std::string(static_cast<size_t>(width - len), '0') + s.substr(sign));
  }
  if (name == "removeprefix" || name == "removesuffix") {
    ArgReader a(name, c, {"affix"});
    const std::string x = a.str(0, "affix");
    if (name == "removeprefix") return Value(s.compare(0, x.size(), x) == 0 ? s.substr(x.size()) : s);
    if (x.size() <= s.size() && s.compare(s.size() - x.size(), x.size(), x) == 0) return Value(s.substr(0, s.size() - x.size()));
    return self;
  }
  if (name == "partition") return partition(self, c, false);
  if (name == "rpartition") return partition(self, c, true);
  eval_fail("str has no method ", name);
}

constexpr std::array<std::string_view, 38> kStrMethods = {
    "startswith", "endswith", "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "upper", "lower",
    "casefold", "title", "capitalize", "swapcase", "replace", "find", "rfind", "index", "rindex", "count",
    "join", "format", "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace", "isupper",
    "islower", "istitle", "center", "ljust", "rjust", "zfill", "removeprefix", "removesuffix", "partition",
};

bool known(std::string_view name, const std::string_view* begin, const std::string_view* end) {
  for (auto it = begin; it != end; ++it)
    if (*it == name) return true;
  return false;
}

Value dict_method(std::string_view name, const Value& self, CallArgs& c) {
  const Dict& d = self.dict();
  if (name == "items" || name == "keys" || name == "values") {
    ArgReader a(name, c, {});
    std::vector<Value> out;
    out.reserve(d.size());
    for (const auto& [k, v] : d.entries) {
      if (name == "items") out.push_back(Value::tuple({k, v}));
      else out.push_back(name == "keys" ? k : v);
    }
    return Value::list(std::move(out));
  }
  if (name == "get") {
    ArgReader a("get", c, {"key", "default"});
    const Value* v = d.find(a.required(0, "key"));
    return v ? *v : a.get_or(1, Value::none());
  }
  if (name == "copy") {
    ArgReader a(name, c, {});
    return Value::dict(d);
  }
  eval_fail("dict has no method ", name);
}

Value list_method(std::string_view name, const Value& self, CallArgs& c) {
  const auto& items = self.items();
  if (name == "index") {
    ArgReader a("index", c, {"value"});
    const Value& x = a.required(0, "value");
    for (size_t i = 0; i < items.size(); ++i)
      if (equals(items[i], x)) return Value(static_cast<int64_t>(i));
    eval_fail(repr(x), " is not in ", type_name(self));
  }
  if (name == "count") {
    ArgReader a("count", c, {"value"});
    const Value& x = a.required(0, "value");
    int64_t n = 0;
    for (const Value& v : items) n += equals(v, x);
    return Value(n);
  }
  if (name == "copy") {
    ArgReader a(name, c, {});
    return Value::list(items);
  }
  eval_fail(type_name(self), " has no method ", name);
}

Value unsafe(std::string_view name, const Value& obj) {
  return Value::undefined(cat("access to attribute '", name, "' of '", type_name(obj), "' object is unsafe."));
}

}  // namespace

std::optional<Value> bind_method(const Value& obj, std::string_view name) {
  static constexpr std::string_view dict_methods[] = {"items", "keys", "values", "get", "copy"};
  static constexpr std::string_view dict_unsafe[] = {"clear", "pop", "popitem", "setdefault", "update"};
  static constexpr std::string_view list_methods[] = {"index", "count", "copy"};
  static constexpr std::string_view list_unsafe[] = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
  const std::string method(name);
  charge_work(work_units(obj));
  switch (obj.type()) {
    case Value::Type::String:
      if (!known(name, kStrMethods.data(), kStrMethods.data() + kStrMethods.size())) return std::nullopt;
      return Value::function("str." + method, [obj, method](Interpreter& in, CallArgs& c) {
        return str_method(method, in, obj, c);
      });
    case Value::Type::Dict:
      if (known(name, std::begin(dict_methods), std::end(dict_methods)))
        return Value::function("dict." + method, [obj, method](Interpreter&, CallArgs& c) {
          return dict_method(method, obj, c);
        });
      if (known(name, std::begin(dict_unsafe), std::end(dict_unsafe))) return unsafe(name, obj);
      return std::nullopt;
    case Value::Type::List:
    case Value::Type::Tuple:
      if (known(name, std::begin(list_methods), std::end(list_methods)) && !(obj.is_tuple() && name == "copy"))
        return Value::function(std::string(type_name(obj)) + "." + method, [obj, method](Interpreter&, CallArgs& c) {
          return list_method(method, obj, c);
        });
      if (obj.is_list() && known(name, std::begin(list_unsafe), std::end(list_unsafe))) return unsafe(name, obj);
      return std::nullopt;
    default: return std::nullopt;
  }
}

}  // namespace hearth::chat
