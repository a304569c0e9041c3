#pragma once
// A GGUF metadata value: one of the 13 value types, arrays nested to any depth.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hearth::gguf {

enum class ValueType : uint32_t {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6,
  BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};

// "uint32", "string", "array", ... ; "unknown" for ids past FLOAT64.
const char* value_type_name(ValueType type);

// Arrays may hold arrays; the reader refuses, and the writer will not write,
// values nested deeper than this (an array of scalars is one level).
constexpr int kMaxArrayDepth = 8;

struct Value;

struct Array {
  ValueType element_type = ValueType::UINT8;
  std::vector<Value> items;

  friend bool operator==(const Array&, const Array&) = default;
};

struct Value {
  using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, float, bool,
                               std::string, Array, uint64_t, int64_t, double>;
  // The variant index equals the ValueType id.
  Storage data;

  ValueType type() const { return static_cast<ValueType>(data.index()); }
  bool is_integer() const;  // any of the 8 integer types
  bool is_number() const;   // integer or float32/float64

  // Conversions that throw hearth::Error naming `what` when the value is not
  // of a compatible type or does not fit.
  uint64_t as_uint(std::string_view what) const;
  int64_t as_int(std::string_view what) const;
  double as_double(std::string_view what) const;
  bool as_bool(std::string_view what) const;
  const std::string& as_string(std::string_view what) const;
  const Array& as_array(std::string_view what) const;

  // Equal types and values (floats compare as floats: NaN != NaN).
  friend bool operator==(const Value&, const Value&) = default;
};

struct KeyValue {
  std::string key;
  Value value;

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

}  // namespace hearth::gguf
