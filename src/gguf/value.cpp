#include "gguf/value.h"

#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/error.h"

namespace hearth::gguf {

const char* value_type_name(ValueType type) {
  switch (type) {
    case ValueType::UINT8: return "uint8";
    case ValueType::INT8: return "int8";
    case ValueType::UINT16: return "uint16";
    case ValueType::INT16: return "int16";
    case ValueType::UINT32: return "uint32";
    case ValueType::INT32: return "int32";
    case ValueType::FLOAT32: return "float32";
    case ValueType::BOOL: return "bool";
    case ValueType::STRING: return "string";
    case ValueType::ARRAY: return "array";
    case ValueType::UINT64: return "uint64";
    case ValueType::INT64: return "int64";
    case ValueType::FLOAT64: return "float64";
  }
  return "unknown";
}

namespace {

template <typename T>
constexpr bool kIsInteger = std::is_integral_v<T> && !std::is_same_v<T, bool>;

[[noreturn]] void wrong_type(std::string_view what, const Value& v, const char* expected) {
  fail(what, " has type ", value_type_name(v.type()), ", expected ", expected);
}

}  // namespace

bool Value::is_integer() const {
  return std::visit([](const auto& x) { return kIsInteger<std::decay_t<decltype(x)>>; }, data);
}

bool Value::is_number() const {
  const ValueType t = type();
  return is_integer() || t == ValueType::FLOAT32 || t == ValueType::FLOAT64;
}

uint64_t Value::as_uint(std::string_view what) const {
  return std::visit(
      [&](const auto& x) -> uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (kIsInteger<T>) {
          if constexpr (std::is_signed_v<T>) {
            if (x < 0) fail(what, " is ", static_cast<int64_t>(x), ", expected a non-negative integer");
          }
          return static_cast<uint64_t>(x);
        } else {
          wrong_type(what, *this, "an unsigned integer");
        }
      },
      data);
}

int64_t Value::as_int(std::string_view what) const {
  return std::visit(
      [&](const auto& x) -> int64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (kIsInteger<T>) {
          if constexpr (std::is_same_v<T, uint64_t>) {
            if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
              fail(what, " is ", x, ", which does not fit in int64");
          }
          return static_cast<int64_t>(x);
        } else {
          wrong_type(what, *this, "an integer");
        }
      },
      data);
}

double Value::as_double(std::string_view what) const {
  return std::visit(
      [&](const auto& x) -> double {
        using T = std::decay_t<decltype(x)>;
        if constexpr (kIsInteger<T> || std::is_floating_point_v<T>) {
          return static_cast<double>(x);
        } else {
          wrong_type(what, *this, "a number");
        }
      },
      data);
}

bool Value::as_bool(std::string_view what) const {
  if (const bool* b = std::get_if<bool>(&data)) return *b;
  wrong_type(what, *this, "bool");
}

const std::string& Value::as_string(std::string_view what) const {
  if (const std::string* s = std::get_if<std::string>(&data)) return *s;
  wrong_type(what, *this, "string");
}

const Array& Value::as_array(std::string_view what) const {
  if (const Array* a = std::get_if<Array>(&data)) return *a;
  wrong_type(what, *this, "array");
}

}  // namespace hearth::gguf
