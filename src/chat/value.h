#pragma once
// The template language's values, with Python's semantics: jinja2 evaluates
// templates as Python, so truthiness, equality, printing (str/repr) and the
// int/float distinction follow Python's rules.
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hearth::chat {

class Value;
class Interpreter;

// A problem found while rendering. The interpreter catches it and rethrows a
// hearth::Error that names the template line.
class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <typename... Args>
[[noreturn]] void eval_fail(const Args&... args) {
  throw EvalError(cat(args...));
}

struct Dict;
struct Namespace;
struct CallArgs;
struct Function;
struct Iterator;

class Value {
 public:
  enum class Type : uint8_t {
    Undefined, None, Bool, Int, Float, String, List, Tuple, Dict, Namespace, Function, Iterator,
  };

  Value() = default;  // undefined
  Value(bool b) : type_(Type::Bool) { num_.b = b; }
  Value(int v) : Value(static_cast<int64_t>(v)) {}
  Value(int64_t v) : type_(Type::Int) { num_.i = v; }
  Value(double v) : type_(Type::Float) { num_.f = v; }
  Value(std::string s) : type_(Type::String), str_(std::move(s)) {}
  Value(std::string_view s) : type_(Type::String), str_(s) {}
  Value(const char* s) : type_(Type::String), str_(s) {}

  static Value undefined(std::string hint = {});
  static Value none();
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value dict(Dict d);
  static Value namespace_(std::shared_ptr<Namespace> ns);
  static Value function(std::string name, std::function<Value(Interpreter&, CallArgs&)> fn);
  static Value iterator(std::vector<Value> items);

  Type type() const { return type_; }
  bool is_undefined() const { return type_ == Type::Undefined; }
  bool is_none() const { return type_ == Type::None; }
  bool is_bool() const { return type_ == Type::Bool; }
  bool is_int() const { return type_ == Type::Int; }
  bool is_float() const { return type_ == Type::Float; }
  // Python's numbers.Number: bool is an int.
  bool is_number() const { return type_ == Type::Bool || type_ == Type::Int || type_ == Type::Float; }
  bool is_integral() const { return type_ == Type::Bool || type_ == Type::Int; }
  bool is_string() const { return type_ == Type::String; }
  bool is_list() const { return type_ == Type::List; }
  bool is_tuple() const { return type_ == Type::Tuple; }
  bool is_sequence() const { return type_ == Type::List || type_ == Type::Tuple; }
  bool is_dict() const { return type_ == Type::Dict; }
  bool is_namespace() const { return type_ == Type::Namespace; }
  bool is_function() const { return type_ == Type::Function; }
  bool is_iterator() const { return type_ == Type::Iterator; }

  bool as_bool() const { return num_.b; }
  // Int or Bool as an integer; Float as a double (callers check the type).
  int64_t as_int() const { return type_ == Type::Bool ? (num_.b ? 1 : 0) : num_.i; }
  double as_double() const { return type_ == Type::Float ? num_.f : static_cast<double>(as_int()); }
  const std::string& str() const { return str_; }
  const std::string& undefined_hint() const { return str_; }
  const std::vector<Value>& items() const;
  const Dict& dict() const;
  Namespace& ns() const;
  const Function& fn() const;
  Iterator& iter() const;
  // Identity of the shared object (namespaces, functions, iterators).
  const void* identity() const { return ptr_.get(); }

 private:
  Type type_ = Type::Undefined;
  union {
    bool b;
    int64_t i;
    double f;
  } num_{};
  std::string str_;
  std::shared_ptr<void> ptr_;
};

// An insertion-ordered mapping (Python's dict). Keys compare with Python's
// equality, so 1, 1.0 and True are the same key.
struct Dict {
  std::vector<std::pair<Value, Value>> entries;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  void set(const Value& key, const Value& value);  // replaces the value of an equal key in place
  size_t size() const { return entries.size(); }
};

// jinja2's namespace(): the one mutable object ({% set ns.x = ... %}).
struct Namespace {
  Dict attrs;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// A builtin function, a bound method or a macro.
struct Function {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> call;
};

// A one-shot generator, as returned by jinja2's select/map/... filters:
// iterating consumes it, it is always true, it has no length and cannot be
// indexed.
struct Iterator {
  std::vector<Value> items;
  size_t pos = 0;
};


// How deeply values may nest (JSON input, printing, tojson).
constexpr int kMaxDepth = 512;

// Work proportional to the size of the data an operation touches (items of
// a container, bytes of a string) counts against the evaluation limit of
// the render running on this thread, so that a loop cannot multiply a cheap
// step by a huge container. No-op outside a render.
void charge_work(uint64_t units);
// The units an operation over v costs: 1 + items, or 1 + bytes / 128.
uint64_t work_units(const Value& v);

// Python's type names, for error messages ("int", "str", "NoneType", ...).
const char* type_name(const Value& v);

bool truthy(const Value& v);
bool equals(const Value& a, const Value& b);

// Python's str() and repr().
std::string to_str(const Value& v);
std::string repr(const Value& v);
std::string float_repr(double d);
std::string string_repr(std::string_view s);

// Throws the error an undefined value gives when it is used ("'x' is undefined").
[[noreturn]] void undefined_error(const Value& v);

// The items a for loop sees: a string's characters, a dict's keys, a list's
// items; undefined iterates as empty; an iterator is consumed.
std::vector<Value> iterate(const Value& v);

// JSON (insertion-ordered objects) to values: objects become dicts, arrays
// lists, integers Int, other numbers Float.
Value from_json(const nlohmann::ordered_json& j, int depth = 0);

}  // namespace hearth::chat
