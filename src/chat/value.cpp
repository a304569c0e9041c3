#include "chat/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/unicode.h"

namespace hearth::chat {

// ---- Dict

const Value* Dict::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.str()));
  charge_work(1 + entries.size());
  for (const auto& [k, v] : entries)
    if (equals(k, key)) return &v;
  return nullptr;
}

const Value* Dict::find(std::string_view key) const {
  charge_work(1 + entries.size());
  for (const auto& [k, v] : entries)
    if (k.is_string() && k.str() == key) return &v;
  return nullptr;
}

void Dict::set(const Value& key, const Value& value) {
  charge_work(1 + entries.size());
  for (auto& [k, v] : entries) {
    if (equals(k, key)) {
      v = value;
      return;
    }
  }
  entries.emplace_back(key, value);
}

// ---- Value

Value Value::undefined(std::string hint) {
  Value v;
  v.str_ = std::move(hint);
  return v;
}

Value Value::none() {
  Value v;
  v.type_ = Type::None;
  return v;
}

Value Value::list(std::vector<Value> items) {
  Value v;
  v.type_ = Type::List;
  v.ptr_ = std::make_shared<std::vector<Value>>(std::move(items));
  return v;
}

Value Value::tuple(std::vector<Value> items) {
  Value v = list(std::move(items));
  v.type_ = Type::Tuple;
  return v;
}

Value Value::dict(Dict d) {
  Value v;
  v.type_ = Type::Dict;
  v.ptr_ = std::make_shared<Dict>(std::move(d));
  return v;
}

Value Value::namespace_(std::shared_ptr<Namespace> ns) {
  Value v;
  v.type_ = Type::Namespace;
  v.ptr_ = std::move(ns);
  return v;
}

Value Value::function(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn) {
  Value v;
  v.type_ = Type::Function;
  v.ptr_ = std::make_shared<Function>(Function{std::move(name), std::move(fn)});
  return v;
}

Value Value::iterator(std::vector<Value> items) {
  Value v;
  v.type_ = Type::Iterator;
  auto it = std::make_shared<Iterator>();
  it->items = std::move(items);
  v.ptr_ = std::move(it);
  return v;
}

const std::vector<Value>& Value::items() const { return *static_cast<const std::vector<Value>*>(ptr_.get()); }
const Dict& Value::dict() const { return *static_cast<const Dict*>(ptr_.get()); }
Namespace& Value::ns() const { return *static_cast<Namespace*>(ptr_.get()); }
const Function& Value::fn() const { return *static_cast<const Function*>(ptr_.get()); }
Iterator& Value::iter() const { return *static_cast<Iterator*>(ptr_.get()); }

// ---- Python semantics

const char* type_name(const Value& v) {
  switch (v.type()) {
    case Value::Type::Undefined: return "Undefined";
    case Value::Type::None: return "NoneType";
    case Value::Type::Bool: return "bool";
    case Value::Type::Int: return "int";
    case Value::Type::Float: return "float";
    case Value::Type::String: return "str";
    case Value::Type::List: return "list";
    case Value::Type::Tuple: return "tuple";
    case Value::Type::Dict: return "dict";
    case Value::Type::Namespace: return "Namespace";
    case Value::Type::Function: return "function";
    case Value::Type::Iterator: return "generator";
  }
  return "object";
}

bool truthy(const Value& v) {
  switch (v.type()) {
    case Value::Type::Undefined:
    case Value::Type::None: return false;
    case Value::Type::Bool: return v.as_bool();
    case Value::Type::Int: return v.as_int() != 0;
    case Value::Type::Float: return v.as_double() != 0.0;
    case Value::Type::String: return !v.str().empty();
    case Value::Type::List:
    case Value::Type::Tuple: return !v.items().empty();
    case Value::Type::Dict: return v.dict().size() != 0;
    default: return true;
  }
}

bool equals(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
    return a.as_int() == b.as_int();
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Value::Type::Undefined:
    case Value::Type::None: return true;
    case Value::Type::String: charge_work(a.str().size() / 128); return a.str() == b.str();
    case Value::Type::List:
    case Value::Type::Tuple: {
      const auto& x = a.items();
      const auto& y = b.items();
      if (x.size() != y.size()) return false;
      charge_work(x.size());
      for (size_t i = 0; i < x.size(); ++i)
        if (!equals(x[i], y[i])) return false;
      return true;
    }
    case Value::Type::Dict: {
      const Dict& x = a.dict();
      const Dict& y = b.dict();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    default: return a.identity() == b.identity();
  }
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // Shortest round-trip digits, then Python's layout: positional for
  // exponents in [-4, 16), scientific otherwise.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e_pos = sci.find('e');
  std::string digits = sci.substr(0, e_pos);
  const int exp = std::stoi(sci.substr(e_pos + 1));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out = sign;
  if (exp >= -4 && exp < 16) {
    if (exp >= 0) {
      if (digits.size() <= static_cast<size_t>(exp) + 1) {
        out += digits + std::string(exp + 1 - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
      }
    } else {
      out += "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    out += e;
  }
  return out;
}

std::string string_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < s.size();) {
    const char32_t c = unicode::next(s, i);
    char buf[16];
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c >= 0xdc80 && c <= 0xdcff) {  // an invalid byte
      std::snprintf(buf, sizeof buf, "\\udc%02x", static_cast<unsigned>(c - 0xdc00));
      out += buf;
    } else if (unicode::is_printable(c)) {
      unicode::append_utf8(out, c);
    } else if (c <= 0xff) {
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(c));
      out += buf;
    } else if (c <= 0xffff) {
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(c));
      out += buf;
    }
  }
  out += quote;
  return out;
}

static void repr_into(std::string& out, const Value& v, int depth);

static void repr_dict_into(std::string& out, const Dict& d, int depth) {
  out += '{';
  bool first = true;
  for (const auto& [k, val] : d.entries) {
    if (!first) out += ", ";
    first = false;
    repr_into(out, k, depth + 1);
    out += ": ";
    repr_into(out, val, depth + 1);
  }
  out += '}';
}

static void repr_into(std::string& out, const Value& v, int depth) {
  if (depth > kMaxDepth) eval_fail("maximum recursion depth exceeded while getting the repr of an object");
  charge_work(work_units(v));
  switch (v.type()) {
    case Value::Type::Undefined: out += "Undefined"; return;
    case Value::Type::None: out += "None"; return;
    case Value::Type::Bool: out += v.as_bool() ? "True" : "False"; return;
    case Value::Type::Int: out += std::to_string(v.as_int()); return;
    case Value::Type::Float: out += float_repr(v.as_double()); return;
    case Value::Type::String: out += string_repr(v.str()); return;
    case Value::Type::List:
    case Value::Type::Tuple: {
      const bool tuple = v.is_tuple();
      out += tuple ? '(' : '[';
      const auto& items = v.items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (i) out += ", ";
        repr_into(out, items[i], depth + 1);
      }
      if (tuple && items.size() == 1) out += ',';
      out += tuple ? ')' : ']';
      return;
    }
    case Value::Type::Dict: repr_dict_into(out, v.dict(), depth); return;
    case Value::Type::Namespace:
      out += "<Namespace ";
      repr_dict_into(out, v.ns().attrs, depth);
      out += '>';
      return;
    case Value::Type::Function: out += "<function " + v.fn().name + ">"; return;
    case Value::Type::Iterator: out += "<generator object>"; return;
  }
}

std::string repr(const Value& v) {
  std::string out;
  repr_into(out, v, 0);
  return out;
}

std::string to_str(const Value& v) {
  if (v.is_string()) return v.str();
  if (v.is_undefined()) return "";
  return repr(v);
}

void undefined_error(const Value& v) {
  eval_fail(v.undefined_hint().empty() ? std::string("value is undefined") : v.undefined_hint());
}

std::vector<Value> iterate(const Value& v) {
  charge_work(work_units(v));
  switch (v.type()) {
    case Value::Type::Undefined: return {};
    case Value::Type::String: {
      std::vector<Value> out;
      const std::string& s = v.str();
      out.reserve(s.size());
      for (size_t i = 0; i < s.size();) {
        const size_t start = i;
        unicode::next(s, i);
        out.emplace_back(std::string(s, start, i - start));
      }
      return out;
    }
    case Value::Type::List:
    case Value::Type::Tuple: return v.items();
    case Value::Type::Dict: {
      std::vector<Value> out;
      out.reserve(v.dict().size());
      for (const auto& kv : v.dict().entries) out.push_back(kv.first);
      return out;
    }
    case Value::Type::Iterator: {
      Iterator& it = v.iter();
      std::vector<Value> out(it.items.begin() + static_cast<std::ptrdiff_t>(it.pos), it.items.end());
      it.pos = it.items.size();
      return out;
    }
    default: eval_fail("'", type_name(v), "' object is not iterable");
  }
}

Value from_json(const nlohmann::ordered_json& j, int depth) {
  if (depth > kMaxDepth) fail("chat template input: JSON nested deeper than ", kMaxDepth, " levels");
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const uint64_t u = j.get<uint64_t>();
      if (u > static_cast<uint64_t>(INT64_MAX)) fail("chat template input: integer ", u, " is too large");
      return Value(static_cast<int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json(e, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict d;
      d.entries.reserve(j.size());
      for (auto it = j.begin(); it != j.end(); ++it) d.entries.emplace_back(Value(it.key()), from_json(it.value(), depth + 1));
      return Value::dict(std::move(d));
    }
    default: fail("chat template input: unsupported JSON value (binary)");
  }
}

}  // namespace hearth::chat
