#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "gguf_test_util.h"
#include "gguf/value.h"

namespace hearth::gguf {
namespace {

using test::expect_error;

TEST(GgufValue, TypeNames) {
  EXPECT_STREQ(value_type_name(ValueType::UINT8), "uint8");
  EXPECT_STREQ(value_type_name(ValueType::INT8), "int8");
  EXPECT_STREQ(value_type_name(ValueType::UINT16), "uint16");
  EXPECT_STREQ(value_type_name(ValueType::INT16), "int16");
  EXPECT_STREQ(value_type_name(ValueType::UINT32), "uint32");
  EXPECT_STREQ(value_type_name(ValueType::INT32), "int32");
  EXPECT_STREQ(value_type_name(ValueType::FLOAT32), "float32");
  EXPECT_STREQ(value_type_name(ValueType::BOOL), "bool");
  EXPECT_STREQ(value_type_name(ValueType::STRING), "string");
  EXPECT_STREQ(value_type_name(ValueType::ARRAY), "array");
  EXPECT_STREQ(value_type_name(ValueType::UINT64), "uint64");
  EXPECT_STREQ(value_type_name(ValueType::INT64), "int64");
  EXPECT_STREQ(value_type_name(ValueType::FLOAT64), "float64");
  EXPECT_STREQ(value_type_name(static_cast<ValueType>(13)), "unknown");
  EXPECT_STREQ(value_type_name(static_cast<ValueType>(0xffffffffu)), "unknown");
}

TEST(GgufValue, TypeMatchesVariantIndex) {
  EXPECT_EQ(Value{uint8_t{1}}.type(), ValueType::UINT8);
  EXPECT_EQ(Value{int8_t{1}}.type(), ValueType::INT8);
  EXPECT_EQ(Value{uint16_t{1}}.type(), ValueType::UINT16);
  EXPECT_EQ(Value{int16_t{1}}.type(), ValueType::INT16);
  EXPECT_EQ(Value{uint32_t{1}}.type(), ValueType::UINT32);
  EXPECT_EQ(Value{int32_t{1}}.type(), ValueType::INT32);
  EXPECT_EQ(Value{1.0f}.type(), ValueType::FLOAT32);
  EXPECT_EQ(Value{true}.type(), ValueType::BOOL);
  EXPECT_EQ(Value{std::string("x")}.type(), ValueType::STRING);
  EXPECT_EQ(Value{Array{}}.type(), ValueType::ARRAY);
  EXPECT_EQ(Value{uint64_t{1}}.type(), ValueType::UINT64);
  EXPECT_EQ(Value{int64_t{1}}.type(), ValueType::INT64);
  EXPECT_EQ(Value{1.0}.type(), ValueType::FLOAT64);
}

TEST(GgufValue, Classification) {
  EXPECT_TRUE(Value{uint8_t{1}}.is_integer());
  EXPECT_TRUE(Value{int64_t{1}}.is_integer());
  EXPECT_FALSE(Value{true}.is_integer());
  EXPECT_FALSE(Value{1.0f}.is_integer());
  EXPECT_TRUE(Value{1.0f}.is_number());
  EXPECT_TRUE(Value{1.0}.is_number());
  EXPECT_TRUE(Value{int16_t{-3}}.is_number());
  EXPECT_FALSE(Value{true}.is_number());
  EXPECT_FALSE(Value{std::string("1")}.is_number());
  EXPECT_FALSE(Value{Array{}}.is_number());
}

TEST(GgufValue, AsUint) {
  EXPECT_EQ(Value{uint8_t{255}}.as_uint("v"), 255u);
  EXPECT_EQ(Value{int8_t{7}}.as_uint("v"), 7u);
  EXPECT_EQ(Value{uint16_t{65535}}.as_uint("v"), 65535u);
  EXPECT_EQ(Value{int32_t{123456}}.as_uint("v"), 123456u);
  EXPECT_EQ(Value{uint32_t{4294967295u}}.as_uint("v"), 4294967295u);
  EXPECT_EQ(Value{std::numeric_limits<uint64_t>::max()}.as_uint("v"),
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(Value{std::numeric_limits<int64_t>::max()}.as_uint("v"),
            static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  expect_error([] { Value{int8_t{-1}}.as_uint("key 'a'"); }, "key 'a' is -1");
  expect_error([] { Value{int64_t{-5}}.as_uint("key 'a'"); }, "non-negative");
  expect_error([] { Value{1.0f}.as_uint("key 'a'"); }, "key 'a' has type float32, expected an unsigned integer");
  expect_error([] { Value{true}.as_uint("key 'a'"); }, "has type bool");
  expect_error([] { Value{std::string("5")}.as_uint("key 'a'"); }, "has type string");
  expect_error([] { Value{Array{}}.as_uint("key 'a'"); }, "has type array");
}

TEST(GgufValue, AsInt) {
  EXPECT_EQ(Value{int8_t{-128}}.as_int("v"), -128);
  EXPECT_EQ(Value{int16_t{-300}}.as_int("v"), -300);
  EXPECT_EQ(Value{uint32_t{4294967295u}}.as_int("v"), 4294967295LL);
  EXPECT_EQ(Value{std::numeric_limits<int64_t>::min()}.as_int("v"), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Value{uint64_t{1} << 62}.as_int("v"), int64_t{1} << 62);
  expect_error([] { Value{uint64_t{1} << 63}.as_int("key 'b'"); }, "key 'b' is 9223372036854775808, which does not fit in int64");
  expect_error([] { Value{2.0}.as_int("key 'b'"); }, "has type float64, expected an integer");
}

TEST(GgufValue, AsDouble) {
  EXPECT_EQ(Value{1.5f}.as_double("v"), 1.5);
  EXPECT_EQ(Value{0.25}.as_double("v"), 0.25);
  EXPECT_EQ(Value{int32_t{-7}}.as_double("v"), -7.0);
  EXPECT_EQ(Value{uint64_t{1} << 40}.as_double("v"), std::ldexp(1.0, 40));
  EXPECT_TRUE(std::isnan(Value{std::numeric_limits<float>::quiet_NaN()}.as_double("v")));
  expect_error([] { Value{true}.as_double("key 'c'"); }, "key 'c' has type bool, expected a number");
  expect_error([] { Value{std::string("1.0")}.as_double("key 'c'"); }, "expected a number");
}

TEST(GgufValue, AsBoolStringArray) {
  EXPECT_TRUE(Value{true}.as_bool("v"));
  EXPECT_FALSE(Value{false}.as_bool("v"));
  expect_error([] { Value{uint8_t{1}}.as_bool("key 'd'"); }, "key 'd' has type uint8, expected bool");

  EXPECT_EQ(Value{std::string("hello")}.as_string("v"), "hello");
  expect_error([] { Value{uint32_t{1}}.as_string("key 'e'"); }, "key 'e' has type uint32, expected string");

  Value arr{Array{ValueType::INT32, {Value{int32_t{1}}, Value{int32_t{2}}}}};
  EXPECT_EQ(arr.as_array("v").items.size(), 2u);
  EXPECT_EQ(arr.as_array("v").element_type, ValueType::INT32);
  expect_error([] { Value{std::string("x")}.as_array("key 'f'"); }, "key 'f' has type string, expected array");
}

TEST(GgufValue, Equality) {
  EXPECT_EQ(Value{uint32_t{1}}, Value{uint32_t{1}});
  EXPECT_NE(Value{uint32_t{1}}, Value{int32_t{1}});  // different types
  Value a{Array{ValueType::STRING, {Value{std::string("x")}}}};
  Value b{Array{ValueType::STRING, {Value{std::string("x")}}}};
  EXPECT_EQ(a, b);
  std::get<Array>(b.data).items[0] = Value{std::string("y")};
  EXPECT_NE(a, b);
  EXPECT_NE((Value{Array{ValueType::UINT8, {}}}), (Value{Array{ValueType::INT8, {}}}));
}

}  // namespace
}  // namespace hearth::gguf
