// Values with Python's semantics: printing, equality, truthiness, JSON, and
// the code-point helpers underneath.
#include <gtest/gtest.h>

#include <cmath>

#include "chat/json_dump.h"
#include "chat/lexer.h"
#include "chat/string_ops.h"
#include "chat/unicode.h"
#include "chat/value.h"

namespace hearth::chat {
namespace {

TEST(ChatValues, FloatReprIsPythons) {
  EXPECT_EQ(float_repr(1.0), "1.0");
  EXPECT_EQ(float_repr(-2.5), "-2.5");
  EXPECT_EQ(float_repr(0.1), "0.1");
  EXPECT_EQ(float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(float_repr(1e16), "1e+16");
  EXPECT_EQ(float_repr(1.5e16), "1.5e+16");
  EXPECT_EQ(float_repr(0.0001), "0.0001");
  EXPECT_EQ(float_repr(0.00001), "1e-05");
  EXPECT_EQ(float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(float_repr(123456789.123), "123456789.123");
  EXPECT_EQ(float_repr(1e100), "1e+100");
  EXPECT_EQ(float_repr(0.0), "0.0");
  EXPECT_EQ(float_repr(-0.0), "-0.0");
  EXPECT_EQ(float_repr(INFINITY), "inf");
  EXPECT_EQ(float_repr(-INFINITY), "-inf");
  EXPECT_EQ(float_repr(NAN), "nan");
}

TEST(ChatValues, ReprAndStr) {
  EXPECT_EQ(string_repr("abc"), "'abc'");
  EXPECT_EQ(string_repr("it's"), "\"it's\"");
  EXPECT_EQ(string_repr("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(string_repr("a\\b\n\t\r\x01\x7f"), "'a\\\\b\\n\\t\\r\\x01\\x7f'");
  EXPECT_EQ(string_repr("é😀"), "'é😀'");
  EXPECT_EQ(string_repr("\xc2\xa0\xe2\x80\x8b"), "'\\xa0\\u200b'");
  EXPECT_EQ(to_str(Value::list({Value(int64_t{1}), Value("a"), Value::none(), Value(true)})), "[1, 'a', None, True]");
  EXPECT_EQ(to_str(Value::tuple({Value(int64_t{1})})), "(1,)");
  EXPECT_EQ(to_str(Value::tuple({})), "()");
  Dict d;
  d.set(Value("k"), Value(2.0));
  EXPECT_EQ(to_str(Value::dict(d)), "{'k': 2.0}");
  EXPECT_EQ(to_str(Value()), "");
  EXPECT_EQ(to_str(Value::none()), "None");
}

TEST(ChatValues, TruthinessAndEquality) {
  EXPECT_FALSE(truthy(Value()));
  EXPECT_FALSE(truthy(Value::none()));
  EXPECT_FALSE(truthy(Value("")));
  EXPECT_FALSE(truthy(Value::list({})));
  EXPECT_FALSE(truthy(Value::dict({})));
  EXPECT_FALSE(truthy(Value(0.0)));
  EXPECT_TRUE(truthy(Value(" ")));
  EXPECT_TRUE(truthy(Value::iterator({})));
  EXPECT_TRUE(equals(Value(int64_t{1}), Value(1.0)));
  EXPECT_TRUE(equals(Value(true), Value(int64_t{1})));
  EXPECT_FALSE(equals(Value::list({}), Value::tuple({})));
  EXPECT_FALSE(equals(Value("1"), Value(int64_t{1})));
  Dict a, b;
  a.set(Value("x"), Value(int64_t{1}));
  a.set(Value("y"), Value(int64_t{2}));
  b.set(Value("y"), Value(int64_t{2}));
  b.set(Value("x"), Value(1.0));
  EXPECT_TRUE(equals(Value::dict(a), Value::dict(b)));
  // 1, 1.0 and True are one dict key.
  a.set(Value(true), Value("t"));
  a.set(Value(1.0), Value("f"));
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(a.find(Value(int64_t{1}))->str(), "f");
}

TEST(ChatValues, JsonDumpsLikePython) {
  const Value v = from_json(nlohmann::ordered_json::parse(R"({"b": [1, 2.5, "é\n", null, true], "a": {}})"));
  EXPECT_EQ(json_dumps(v, {}), R"({"b": [1, 2.5, "é\n", null, true], "a": {}})");
  JsonDumpOptions ascii;
  ascii.ensure_ascii = true;
  EXPECT_EQ(json_dumps(Value("é😀\x01"), ascii), R"("\u00e9\ud83d\ude00\u0001")");
  JsonDumpOptions indent;
  indent.indent = "  ";
  EXPECT_EQ(json_dumps(v, indent), "{\n  \"b\": [\n    1,\n    2.5,\n    \"é\\n\",\n    null,\n    true\n  ],\n  \"a\": {}\n}");
  JsonDumpOptions sorted;
  sorted.sort_keys = true;
  sorted.separators = std::make_pair(std::string(","), std::string(":"));
  EXPECT_EQ(json_dumps(v, sorted), R"({"a":{},"b":[1,2.5,"é\n",null,true]})");
  EXPECT_EQ(json_dumps(Value(NAN), {}), "NaN");
  EXPECT_EQ(json_dumps(Value(1e16), {}), "1e+16");
  EXPECT_THROW(json_dumps(Value(), {}), EvalError);
}

TEST(ChatValues, JsonInputKeepsOrderAndTypes) {
  const Value v = from_json(nlohmann::ordered_json::parse(R"({"z": 1, "a": 1.0, "m": [1e2, -0]})"));
  ASSERT_TRUE(v.is_dict());
  EXPECT_EQ(v.dict().entries[0].first.str(), "z");
  EXPECT_TRUE(v.dict().entries[0].second.is_int());
  EXPECT_TRUE(v.dict().entries[1].second.is_float());
  EXPECT_EQ(to_str(v), "{'z': 1, 'a': 1.0, 'm': [100.0, 0]}");
}

TEST(ChatValues, CodePoints) {
  EXPECT_EQ(unicode::length("héllo😀"), 6u);
  EXPECT_EQ(unicode::upper("héllo ÿ"), "HÉLLO Ÿ");
  EXPECT_EQ(unicode::lower("ÀÉÎ ΑΒΓ АБВ"), "àéî αβγ абв");
  EXPECT_TRUE(unicode::is_space(0x3000));
  EXPECT_TRUE(unicode::is_space(0xa0));
  EXPECT_FALSE(unicode::is_space(0x200b));
  // Invalid bytes survive a decode/encode round trip.
  const std::string bad = "a\xff\xc3(b\xe2\x82";
  EXPECT_EQ(unicode::encode(unicode::decode(bad)), bad);
}

TEST(ChatValues, PythonStringFunctions) {
  using V = std::vector<std::string>;
  EXPECT_EQ(pystr::split("  a  b ", std::nullopt, -1), (V{"a", "b"}));
  EXPECT_EQ(pystr::split("a b c", std::nullopt, 1), (V{"a", "b c"}));
  EXPECT_EQ(pystr::split("a,,b", std::string(","), -1), (V{"a", "", "b"}));
  EXPECT_EQ(pystr::rsplit("a b c", std::nullopt, 1), (V{"a b", "c"}));
  EXPECT_EQ(pystr::rsplit("a,b,c", std::string(","), 1), (V{"a,b", "c"}));
  EXPECT_EQ(pystr::splitlines("a\nb\r\nc\rd", false), (V{"a", "b", "c", "d"}));
  EXPECT_EQ(pystr::strip("\u3000 x \n", std::nullopt, true, true), "x");
  EXPECT_EQ(pystr::strip("xxhixx", std::string("x"), true, false), "hixx");
  EXPECT_EQ(pystr::title("they're bill's friends"), "They'Re Bill'S Friends");
  EXPECT_EQ(pystr::center("abc", 8, ' '), "  abc   ");
  EXPECT_EQ(pystr::replace("abc", "", "-", -1, 100), "-a-b-c-");
  EXPECT_EQ(pystr::percent_format("%s|%5.1f|%-3d|%03d|%x|%%", Value::tuple({Value("a"), Value(2.25), Value(int64_t{7}),
                                                                        Value(int64_t{5}), Value(int64_t{255})})),
            "a|  2.2|7  |005|ff|%");
  EXPECT_EQ(pystr::brace_format("{0}-{name}-{0!r}", {Value("x")}, {{"name", Value(int64_t{3})}}), "x-3-'x'");
}

TEST(ChatValues, LexerTokens) {
  const auto toks = tokenize("a{{ x.y|f(1, 2.5e1) }}b{% if not z %}c{% endif %}");
  std::vector<Tok> types;
  for (const auto& t : toks) types.push_back(t.type);
  const std::vector<Tok> want = {Tok::Data, Tok::VarBegin, Tok::Name, Tok::Op, Tok::Name, Tok::Op, Tok::Name,
                                 Tok::Op, Tok::Int, Tok::Op, Tok::Float, Tok::Op, Tok::VarEnd, Tok::Data,
                                 Tok::BlockBegin, Tok::Name, Tok::Name, Tok::Name, Tok::BlockEnd, Tok::Data,
                                 Tok::BlockBegin, Tok::Name, Tok::BlockEnd, Tok::Eof};
  EXPECT_EQ(types, want);
  EXPECT_EQ(toks[10].float_value, 25.0);
}

}  // namespace
}  // namespace hearth::chat
