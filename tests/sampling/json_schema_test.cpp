// JSON Schema -> grammar. Every string a test expects the grammar to accept
// is also checked with the independent validator (schema_oracle.h); strings
// it must refuse are either invalid (the oracle agrees) or valid strings the
// grammar deliberately does not generate (documented in json_schema.h).
#include "sampling/json_schema.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"
#include "sampling/grammar_matcher.h"
#include "sampling/schema_oracle.h"

namespace hearth::sampling {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

bool whole(const std::shared_ptr<const Grammar>& g, const std::string& text) {
  GrammarMatcher m(g);
  if (!m.accepts(text)) return false;
  m.advance(text);
  return m.complete();
}

struct Case {
  const char* schema;
  std::vector<std::string> accepted;       // the grammar takes them whole; the oracle must agree
  std::vector<std::string> invalid;        // neither takes them
  std::vector<std::string> not_generated;  // valid, but outside what the grammar generates
};

void check(const Case& c) {
  SCOPED_TRACE(c.schema);
  const ordered_json schema = ordered_json::parse(c.schema);
  const json plain = json::parse(c.schema);
  const auto g = grammar_from_json_schema(schema);
  for (const std::string& s : c.accepted) {
    EXPECT_TRUE(whole(g, s)) << "should accept " << s;
    json value;
    ASSERT_NO_THROW(value = json::parse(s)) << s;
    EXPECT_EQ(test::schema_violation(value, plain), "") << s;
  }
  for (const std::string& s : c.invalid) {
    EXPECT_FALSE(whole(g, s)) << "should refuse " << s;
    const json value = json::parse(s, nullptr, false);
    if (!value.is_discarded()) {
      EXPECT_NE(test::schema_violation(value, plain), "") << "oracle accepts " << s;
    }
  }
  for (const std::string& s : c.not_generated) {
    EXPECT_FALSE(whole(g, s)) << "should not generate " << s;
    EXPECT_EQ(test::schema_violation(json::parse(s), plain), "") << "the oracle should accept " << s;
  }
}

TEST(JsonSchema, Primitives) {
  check({R"({"type":"string"})",
         {R"("")", R"("héllo")", R"("a\"b\\c\/\b\f\n\r\t")", R"("\u00e9\uD83D\uDE00")", R"("😀")"},
         {R"(x)", R"("a)", R"("\ud83d")", R"("\udE00")", R"("\x")", "\"\x01\"", "\"a\nb\""},
         {}});
  check({R"({"type":"integer"})",
         {"0", "-0", "7", "-123", "123456789012345678"},
         {"01", "1.5", "+1", "-", "\"1\""},
         {"1234567890123456789", "1.0", "1e2"}});
  check({R"({"type":"number"})",
         {"0", "-1.25", "3e10", "2.5E-3", "1e+99", "0.0000000000000001"},
         {"1.", ".5", "01", "1e", "--1", "NaN"},
         {"1e100", "1.00000000000000001"}});
  check({R"({"type":"boolean"})", {"true", "false"}, {"tru", "1", "null"}, {}});
  check({R"({"type":"null"})", {"null"}, {"nul", "0"}, {}});
}

TEST(JsonSchema, AnyValue) {
  for (const char* schema : {"{}", "true", R"({"description":"anything"})"}) {
    check({schema, {"1", R"("x")", "null", R"([1,{"a":[true,false]}])", R"({"k":{"k":{}}})"}, {"]", "{,}", "[1,]"}, {}});
  }
}

TEST(JsonSchema, StringLengthsCountCharacters) {
  check({R"({"type":"string","minLength":2,"maxLength":3})",
         {R"("ab")", R"("abc")", R"("éé")", R"("\n\t")", R"("a\uD83D\uDE00")", R"("日本語")"},
         {R"("a")", R"("abcd")", R"("")", R"("日本語!")"},
         {}});
}

TEST(JsonSchema, Whitespace) {
  const std::string spaces20(20, ' '), spaces21(21, ' ');
  check({R"({"type":"object","properties":{"a":{"type":"array","items":{"type":"integer"}}},"required":["a"]})",
         {R"({"a":[1,2]})", "{ \"a\" : [ 1 , 2 ] }", "{\n  \"a\": [\n    1,\n    2\n  ]\n}", "{\"a\":[]}" + spaces20},
         {},
         {" {\"a\":[]}", "{" + spaces21 + "\"a\":[]}", "{\"a\":[]}\r\n"}});
}

TEST(JsonSchema, ObjectsKeepOrderAndRequiredness) {
  check({R"({"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"string"},"c":{"type":"boolean"}},"required":["b"]})",
         {R"({"b":"x"})", R"({"a":1,"b":"x"})", R"({"b":"x","c":true})", R"({"a":1,"b":"x","c":false})"},
         {R"({})", R"({"a":1})", R"({"a":1,"c":true})", R"({"b":1})", R"({"b":"x",})", R"({,"b":"x"})", R"({"b":"x" "c":true})"},
         {R"({"b":"x","a":1})", R"({"b":"x","extra":1})"}});
  // The schema's order, not the alphabet's.
  const char* reversed = R"({"type":"object","properties":{"z":{"type":"integer"},"a":{"type":"integer"}},"required":["z","a"]})";
  const auto ordered = grammar_from_json_schema(ordered_json::parse(reversed));
  EXPECT_TRUE(whole(ordered, R"({"z":1,"a":2})"));
  EXPECT_FALSE(whole(ordered, R"({"a":2,"z":1})"));
  // An unordered document has lost it: nlohmann::json sorts the keys.
  const auto sorted = grammar_from_json_schema(json::parse(reversed));
  EXPECT_TRUE(whole(sorted, R"({"a":2,"z":1})"));
  EXPECT_FALSE(whole(sorted, R"({"z":1,"a":2})"));
}

TEST(JsonSchema, AdditionalProperties) {
  check({R"({"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":true})",
         {R"({"name":"x","extra":1})", R"({"other":[1],"more":{}})", R"({})", R"({"nam":1,"namex":2,"":3})"},
         {R"({"name":"x","name":2})", R"({"name":1})"},
         {R"({"n\u0061me":"x"})", R"({"x":1,"name":"y"})"}});
  check({R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"],"additionalProperties":{"type":"string"}})",
         {R"({"id":1})", R"({"id":1,"a":"x","b":"y"})"},
         {R"({"id":1,"a":2})", R"({"a":"x"})", R"({"id":1,"id":"x"})"},
         {}});
  check({R"({"type":"object","properties":{"id":{"type":"integer"}},"additionalProperties":false})",
         {R"({})", R"({"id":3})"},
         {R"({"id":3,"x":1})", R"({"x":1})"},
         {}});
  // No properties named: any object (and keys may be escaped).
  check({R"({"type":"object"})", {R"({})", R"({"a\u0062":[1,{"c":null}]})"}, {R"([])", R"("x")"}, {}});
  check({R"({"type":"object","additionalProperties":{"type":"integer"}})",
         {R"({"a":1,"b\n":2})", R"({})"},
         {R"({"a":"x"})"},
         {}});
  // Required but not described: any value.
  check({R"({"type":"object","required":["k"]})", {R"({"k":[1]})", R"({"k":null,"j":2})"}, {R"({})", R"({"j":2})"}, {}});
}

TEST(JsonSchema, Arrays) {
  check({R"({"type":"array","items":{"type":"integer"},"minItems":2,"maxItems":3})",
         {"[1,2]", "[1, 2, 3]", "[ 1,2 ]"},
         {"[]", "[1]", "[1,2,3,4]", "[1,\"2\"]", "[1,,2]", "[1,2,]"},
         {}});
  check({R"({"type":"array","maxItems":0})", {"[]", "[ ]"}, {"[1]"}, {}});
  check({R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}]})",
         {"[]", R"(["a"])", R"(["a",1])"},
         {R"([1])", R"(["a","b"])"},
         {R"(["a",1,true])"}});
  check({R"({"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"boolean"},"minItems":3})",
         {R"(["a",1,true])", R"(["a",1,true,false])"},
         {R"(["a",1])", R"(["a",1,2])"},
         {}});
  // Draft 4-7: items as an array, additionalItems.
  check({R"({"items":[{"const":1},{"const":2}],"additionalItems":{"type":"null"}})",
         {"[1,2,null,null]", "[1]"},
         {"[2]", "[1,2,3]"},
         {}});
  check({R"({"type":"array","prefixItems":[{"const":"a"},{"const":"b"},{"const":"c"}],"maxItems":2})",
         {R"(["a","b"])", R"(["a"])"},
         {R"(["a","b","c"])"},
         {}});
  check({R"({"type":"array","uniqueItems":true,"maxItems":1})", {"[]", "[1]"}, {"[1,2]"}, {}});
}

TEST(JsonSchema, EnumAndConst) {
  check({R"({"enum":["red","green",1,null,{"k":[1,2]},2.5,true]})",
         {R"("red")", R"("green")", "1", "null", R"({"k":[1,2]})", "2.5", "true"},
         {R"("blue")", R"("re")", "2", "false", R"({"k":[1]})"},
         {R"({ "k": [1, 2] })", "1.0"}});
  check({R"({"type":"string","enum":["a",1,"b"]})", {R"("a")", R"("b")"}, {"1"}, {}});
  check({R"({"type":"integer","enum":[1,1.5,2.0]})", {"1", "2.0"}, {"1.5"}, {}});
  check({R"({"const":"only"})", {R"("only")"}, {R"("other")"}, {}});
  check({R"({"enum":["a","b"],"const":"b"})", {R"("b")"}, {R"("a")"}, {}});
  // A large enum keeps one parse position per possible next character, not
  // one per value (1111 values start with "value-4").
  ordered_json big = {{"enum", ordered_json::array()}};
  for (int i = 0; i < 5000; ++i) big["enum"].push_back("value-" + std::to_string(i));
  const auto g = grammar_from_json_schema(big);
  GrammarMatcher m(g);
  m.advance("\"value-4");
  EXPECT_LE(m.stack_count(), 11u);
  m.advance("999\"");
  EXPECT_TRUE(m.complete());
}

TEST(JsonSchema, IntegerBounds) {
  check({R"({"type":"integer","minimum":-5,"maximum":12})",
         {"-5", "-1", "0", "9", "10", "12"},
         {"-6", "13", "100", "-10"},
         {"-0"}});
  check({R"({"type":"integer","exclusiveMinimum":0,"exclusiveMaximum":100})", {"1", "99", "50"}, {"0", "100", "-1"}, {}});
  check({R"({"type":"integer","minimum":2.5,"maximum":4.5})", {"3", "4"}, {"2", "5"}, {}});
  check({R"({"type":"integer","minimum":1000})", {"1000", "123456789012345678"}, {"999", "-1000", "0"}, {}});
  check({R"({"type":"integer","maximum":-1000})", {"-1000", "-5000"}, {"-999", "0", "5"}, {}});
  // Draft 4's boolean exclusives.
  check({R"({"type":"integer","minimum":0,"exclusiveMinimum":true,"maximum":3,"exclusiveMaximum":true})",
         {"1", "2"},
         {"0", "3"},
         {}});
}

TEST(JsonSchema, NumberBounds) {
  check({R"({"type":"number","minimum":0,"maximum":1})",
         {"0", "1", "0.5", "1.0", "1.000", "0.999", "0.0"},
         {"1.5", "-0.1", "1.01", "2", "-1"},
         {"-0", "5e-1"}});
  check({R"({"type":"number","exclusiveMinimum":0})", {"0.001", "5", "12.75"}, {"0", "0.0", "-3", "-0.5"}, {}});
  check({R"({"type":"number","minimum":-2,"exclusiveMaximum":3})",
         {"-2", "-1.5", "0", "2.999", "-2.0"},
         {"3", "3.0", "-2.5", "-3"},
         {}});
}

TEST(JsonSchema, TypeListsAndInference) {
  check({R"({"type":["string","null"],"maxLength":2})", {R"("ab")", "null"}, {R"("abc")", "1"}, {}});
  check({R"({"type":["integer","number"]})", {"1", "1.5"}, {R"("1")"}, {}});
  check({R"({"properties":{"a":{"type":"integer"}}})", {R"({"a":1})", "{}"}, {}, {"5", R"("x")"}});
  check({R"({"minimum":3})", {"3", "3.5"}, {"2"}, {}});
}

TEST(JsonSchema, UnionsAndRefs) {
  check({R"({"anyOf":[{"type":"string","maxLength":1},{"type":"integer"}]})", {R"("a")", "12"}, {R"("ab")", "1.5"}, {}});
  check({R"({"oneOf":[
            {"type":"object","properties":{"kind":{"const":"circle"},"r":{"type":"number"}},"required":["kind","r"]},
            {"type":"object","properties":{"kind":{"const":"square"},"side":{"type":"integer"}},"required":["kind","side"]}]})",
         {R"({"kind":"circle","r":1.5})", R"({"kind":"square","side":2})"},
         {R"({"kind":"square","r":1.5})", R"({"kind":"circle"})"},
         {}});
  check({R"({"oneOf":[{"type":"string"},{"type":"integer"},{"enum":[true]}]})", {R"("x")", "3", "true"}, {"false"}, {}});
  check({R"({"$defs":{"id":{"type":"integer","minimum":1}},"type":"object",
             "properties":{"a":{"$ref":"#/$defs/id"},"b":{"$ref":"#/definitions/name"}},"required":["a","b"],
             "definitions":{"name":{"type":"string","maxLength":3}}})",
         {R"({"a":1,"b":"xyz"})"},
         {R"({"a":0,"b":"x"})", R"({"a":1,"b":"long"})"},
         {}});
  // Recursion.
  check({R"({"$defs":{"node":{"type":"object","properties":{"v":{"type":"integer"},
             "kids":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},"required":["v"]}},
             "$ref":"#/$defs/node"})",
         {R"({"v":1})", R"({"v":1,"kids":[{"v":2},{"v":3,"kids":[{"v":4,"kids":[]}]}]})"},
         {R"({"v":1,"kids":[{"v":2},{"v":3},{"v":4}]})", R"({"v":1,"kids":[{}]})"},
         {}});
  check({R"({"type":"array","items":{"$ref":"#"},"maxItems":2})", {"[]", "[[],[[]]]"}, {"[[],[],[]]", "[1]"}, {}});
  // Pointer escapes: ~1 is '/', ~0 is '~', %25 is '%'.
  check({R"({"$defs":{"a/b":{"const":1},"c~d":{"const":2},"e%f":{"const":3}},
             "prefixItems":[{"$ref":"#/$defs/a~1b"},{"$ref":"#/$defs/c~0d"},{"$ref":"#/$defs/e%25f"}]})",
         {"[1,2,3]"},
         {"[2]"},
         {}});
}

TEST(JsonSchema, AllOfAndSiblingsMerge) {
  check({R"({"$defs":{"base":{"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]}},
             "allOf":[{"$ref":"#/$defs/base"},{"properties":{"tag":{"type":"string"}},"required":["tag"]}]})",
         {R"({"id":1,"tag":"x"})"},
         {R"({"id":1})", R"({"tag":"x"})"},
         {}});
  check({R"({"allOf":[{"type":"integer","minimum":0},{"maximum":5},{"type":["integer","string"]}]})",
         {"0", "5"},
         {"6", "-1", R"("x")", "2.5"},
         {}});
  check({R"({"allOf":[{"type":"string","maxLength":4},{"minLength":2,"maxLength":3}]})",
         {R"("ab")", R"("abc")"},
         {R"("a")", R"("abcd")"},
         {}});
  // Keywords beside anyOf apply to every branch.
  check({R"({"type":"object","properties":{"a":{"type":"integer"}},
             "anyOf":[{"required":["a"]},{"properties":{"b":{"type":"string"}},"required":["b"]}]})",
         {R"({"a":1})", R"({"a":1,"b":"x"})", R"({"b":"x"})"},
         {R"({})", R"({"a":"x"})"},
         {}});
  // $ref with constraints beside it.
  check({R"({"$defs":{"s":{"type":"string"}},"$ref":"#/$defs/s","maxLength":2})", {R"("ab")"}, {R"("abc")"}, {}});
  check({R"({"allOf":[{"enum":["a","b","c"]},{"enum":["b","c","d"]}]})",
         {R"("b")", R"("c")"},
         {R"("a")", R"("d")"},
         {}});
}

TEST(JsonSchema, Formats) {
  check({R"({"type":"string","format":"date"})",
         {R"("2024-01-31")", R"("1999-02-28")", R"("2023-04-30")", R"("0000-12-01")"},
         {R"("2024-02-30")", R"("2024-13-01")", R"("2024-04-31")", R"("2024-1-01")", R"("2024-00-10")", R"("2023-02-29")"},
         {R"("2024-02-29")"}});
  check({R"({"type":"string","format":"time"})",
         {R"("12:34:56Z")", R"("23:59:59.123+05:30")", R"("00:00:00-12:00")"},
         {R"("24:00:00Z")", R"("12:60:00Z")", R"("12:00:00")", R"("1:00:00Z")"},
         {R"("23:59:60Z")", R"("12:00:00z")"}});
  check({R"({"format":"date-time"})", {R"("2024-05-06T07:08:09Z")"}, {R"("2024-05-06 07:08:09Z")"}, {}});
  check({R"({"type":"string","format":"uuid"})",
         {R"("123e4567-e89b-12d3-a456-426614174000")", R"("ABCDEF00-0000-0000-0000-000000000000")"},
         {R"("123e4567e89b12d3a456426614174000")", R"("123e4567-e89b-12d3-a456-42661417400g")"},
         {}});
}

TEST(JsonSchema, SchemasAsClientsSendThem) {
  // ollama's structured-output example.
  check({R"({"type":"object","properties":{"name":{"type":"string"},"capital":{"type":"string"},
             "languages":{"type":"array","items":{"type":"string"}}},"required":["name","capital","languages"]})",
         {R"({"name":"Canada","capital":"Ottawa","languages":["English","French"]})"},
         {R"({"name":"Canada","capital":"Ottawa"})"},
         {}});
  // What pydantic's model_json_schema() gives (titles, $defs, Optional as anyOf null, a default).
  check({R"({"$defs":{"Step":{"properties":{"explanation":{"title":"Explanation","type":"string"},
                                            "output":{"title":"Output","type":"string"}},
                              "required":["explanation","output"],"title":"Step","type":"object","additionalProperties":false}},
             "properties":{"steps":{"items":{"$ref":"#/$defs/Step"},"title":"Steps","type":"array"},
                           "final_answer":{"title":"Final Answer","type":"string"},
                           "confidence":{"anyOf":[{"type":"number","minimum":0,"maximum":1},{"type":"null"}],"default":null,
                                         "title":"Confidence"}},
             "required":["steps","final_answer"],"title":"MathReasoning","type":"object"})",
         {R"({"steps":[{"explanation":"a","output":"b"}],"final_answer":"42","confidence":0.9})",
          R"({"steps":[],"final_answer":"x","confidence":null})"},
         {R"({"steps":[{"explanation":"a"}],"final_answer":"x"})", R"({"steps":[],"final_answer":"x","confidence":2})"},
         {}});
}

TEST(JsonSchema, FormatJsonIsAnObject) {
  const auto g = json_grammar();
  EXPECT_EQ(g, json_grammar());  // built once
  for (const char* ok : {"{}", R"({"a":[1,{"b":null}],"c":"d"})", "{ }\n"}) EXPECT_TRUE(whole(g, ok)) << ok;
  for (const char* bad : {"[]", R"("x")", "1", "null", "{\"a\"}"}) EXPECT_FALSE(whole(g, bad)) << bad;
}

// ------------------------------------------------------------------ refusals

std::string refusal(const ordered_json& schema) {
  try {
    grammar_from_json_schema(schema);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  }
  ADD_FAILURE() << "accepted " << schema.dump();
  return "";
}

void expect_refused(const char* schema, std::vector<std::string> parts) {
  const std::string msg = refusal(ordered_json::parse(schema));
  for (const std::string& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << schema << "\n -> " << msg << "\n lacks: " << p;
}

TEST(JsonSchema, RefusesWhatItCannotEnforce) {
  expect_refused(R"({"type":"string","pattern":"^a+$"})", {"'pattern'", "at #"});
  expect_refused(R"({"properties":{"n":{"type":"number","multipleOf":2}}})", {"'multipleOf'", "#/properties/n"});
  expect_refused(R"({"items":{"not":{"type":"null"}}})", {"'not'", "#/items"});
  expect_refused(R"({"if":{"type":"string"},"then":{"maxLength":1}})", {"'if'"});
  expect_refused(R"({"type":"object","patternProperties":{"^x":{}}})", {"'patternProperties'"});
  expect_refused(R"({"type":"array","contains":{"type":"integer"}})", {"'contains'"});
  expect_refused(R"({"type":"string","format":"email"})", {"format 'email'", "#"});
  expect_refused(R"({"$defs":{"a":{"$ref":"https://example.com/s.json"}},"$ref":"#/$defs/a"})", {"unsupported $ref", "#/$defs/a"});
  expect_refused(R"({"$ref":"#/$defs/missing"})", {"points to nothing"});
  expect_refused(R"({"$ref":"#anchor"})", {"anchors are not supported"});
  expect_refused(R"({"oneOf":[{"type":"string"},{"type":"string","maxLength":3}]})", {"oneOf", "may both match"});
  expect_refused(R"({"type":"number","minimum":0.5})", {"'minimum' 0.5", "whole-number"});
  expect_refused(R"({"type":"array","uniqueItems":true})", {"uniqueItems"});
  expect_refused(R"({"type":"object","minProperties":1})", {"minProperties"});
  expect_refused(R"({"type":"object","properties":{"a":{}},"maxProperties":0})", {"maxProperties"});
  expect_refused(R"({"allOf":[{"type":"string","format":"date"},{"format":"uuid"}]})", {"combines different 'format'"});
  expect_refused(R"({"type":"object","properties":{"a":true},"additionalProperties":false,"allOf":[{"properties":{"b":true}}]})",
                 {"additionalProperties of one part"});
  expect_refused(R"({"type":"stringy"})", {"unknown type 'stringy'"});
  expect_refused(R"({"type":"string","minLength":-1})", {"'minLength' must be a non-negative integer"});
  expect_refused(R"({"type":"array","minItems":5000000000})", {"'minItems' is too large"});
  expect_refused(R"({"properties":{"a":{"$id":"x","type":"string"}}})", {"'$id'", "#/properties/a"});
  expect_refused(R"({"anyOf":[],"type":"string"})", {"non-empty array"});
  expect_refused(R"({"type":"array","prefixItems":[{}],"minItems":2})", {"minItems 2"});
  expect_refused(R"({"properties":{"x":5}})", {"must be an object or a boolean", "#/properties/x"});
  expect_refused(R"({"$ref":"#/$defs/a","$defs":{"a":{"$ref":"#/$defs/a","type":"object"}}})", {"includes itself"});
}

TEST(JsonSchema, RefusesSchemasWithNoValue) {
  expect_refused("false", {"no JSON value satisfies"});
  expect_refused(R"({"type":"string","minLength":3,"maxLength":2})", {"no JSON value"});
  expect_refused(R"({"type":"integer","minimum":5,"maximum":4})", {"no JSON value"});
  expect_refused(R"({"type":"object","properties":{"a":false},"required":["a"]})", {"no JSON value"});
  expect_refused(R"({"allOf":[{"type":"string"},{"type":"integer"}]})", {"no JSON value"});
  // Only infinite values: an array that must hold itself.
  expect_refused(R"({"type":"array","items":{"$ref":"#"},"minItems":1})", {"no JSON value"});
  // A reference to itself before any text.
  expect_refused(R"({"$ref":"#"})", {"no JSON value"});
  expect_refused(R"({"anyOf":[{"$ref":"#"},{"type":"null"}]})", {"left-recursive"});
}

// ------------------------------------------------------------------ limits

TEST(JsonSchema, HugeCountsAreNotUnrolled) {
  const auto start = std::chrono::steady_clock::now();
  const auto g = grammar_from_json_schema(ordered_json::parse(
      R"({"type":"object","properties":{"list":{"type":"array","items":{"type":"string","maxLength":1000000000},
          "minItems":1,"maxItems":1000000},"s":{"type":"string","minLength":100000,"maxLength":4000000000}}})"));
  EXPECT_LT(g->element_count(), 400u);
  EXPECT_TRUE(whole(g, R"({"list":["a","b"]})"));
  EXPECT_FALSE(whole(g, R"({"list":[]})"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(JsonSchema, DeepOrLargeSchemasAreRefusedNotCrashed) {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += R"({"items":)";
  deep += "{}";
  for (int i = 0; i < 300; ++i) deep += "}";
  expect_refused(deep.c_str(), {"nested deeper than"});
  // Deep but within the document limit, and not a schema chain.
  std::string deep_value = R"({"const":)";
  for (int i = 0; i < 200; ++i) deep_value += "[";
  for (int i = 0; i < 200; ++i) deep_value += "]";
  deep_value += "}";
  const auto g = grammar_from_json_schema(ordered_json::parse(deep_value));
  EXPECT_TRUE(whole(g, std::string(200, '[') + std::string(200, ']')));
  // Too much literal text.
  ordered_json big = {{"enum", ordered_json::array()}};
  for (int i = 0; i < 300; ++i) big["enum"].push_back(std::string(1000, 'a') + std::to_string(i));
  EXPECT_NE(refusal(big).find("bytes of enum/const values"), std::string::npos);
  // Many properties are fine.
  ordered_json wide = {{"type", "object"}, {"properties", ordered_json::object()}};
  for (int i = 0; i < 2000; ++i) wide["properties"][std::string("p").append(std::to_string(i))] = {{"type", "integer"}};
  wide["required"] = {"p1999"};
  const auto w = grammar_from_json_schema(wide);
  EXPECT_TRUE(whole(w, R"({"p0":1,"p1999":2})"));
  EXPECT_FALSE(whole(w, R"({"p0":1})"));
  // Too much work, or too many rules for a grammar: refused as schema errors.
  json many = {{"type", "object"}, {"properties", json::object()}};  // (std::map: quick to fill)
  for (int i = 0; i < 21000; ++i) many["properties"][std::string("p").append(std::to_string(i))] = true;
  std::string msg;
  try {
    grammar_from_json_schema(many);
  } catch (const Error& e) {
    msg = e.what();
  }
  EXPECT_EQ(msg.rfind("json schema: too complex", 0), 0u) << msg;
  ordered_json names = {{"type", "object"}, {"properties", ordered_json::object()}, {"additionalProperties", true}};
  for (int i = 0; i < 1000; ++i) names["properties"][std::to_string(i).append(70, 'x')] = true;
  msg = refusal(names);
  EXPECT_EQ(msg.rfind("json schema: grammar: more than", 0), 0u) << msg;
  EXPECT_NE(msg.find("rules"), std::string::npos) << msg;
}

}  // namespace
}  // namespace hearth::sampling
