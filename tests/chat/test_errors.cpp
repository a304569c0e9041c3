// Bad and hostile templates: every problem is a hearth::Error naming the
// template line, never a crash, a hang or unbounded memory.
#include <gtest/gtest.h>

#include <string>

#include "chat/chat_test_util.h"

namespace hearth::chat::testing {
namespace {

// Renders source and returns the TemplateError it must throw.
TemplateError error_of(const std::string& source, const RenderLimits& limits = {}) {
  try {
    Template::parse(source).render(default_context(), limits);
  } catch (const TemplateError& e) {
    return e;
  }
  ADD_FAILURE() << "no TemplateError for: " << source;
  return TemplateError(0, "none");
}

void expect_error(const std::string& source, int line, const std::string& phrase, const RenderLimits& limits = {}) {
  const TemplateError e = error_of(source, limits);
  EXPECT_EQ(e.line(), line) << e.what();
  EXPECT_NE(e.problem().find(phrase), std::string::npos) << "expected '" << phrase << "' in: " << e.what();
  EXPECT_EQ(std::string(e.what()).rfind("chat template line " + std::to_string(line) + ": ", 0), 0u) << e.what();
}

TEST(ChatErrors, SyntaxErrorsNameTheLine) {
  expect_error("{% if true %}\nok\n{% for %}", 3, "expected");
  expect_error("a\n{{ 'unterminated }}", 2, "unterminated string");
  expect_error("{# never closed", 1, "missing end of comment");
  expect_error("{% raw %} never closed", 1, "missing end of raw");
  expect_error("\n{{ x ! y }}", 2, "unexpected character '!'");
  expect_error("{{ (1 }}", 1, "unexpected '}'");
  expect_error("{% if true %}\nno end", 2, "unexpected end of template, expected 'elif' or 'else' or 'endif'");
  expect_error("{% endif %}", 1, "unknown tag 'endif'");
  expect_error("{% do x %}", 1, "unknown tag 'do'");
  expect_error("{% include 'x' %}", 1, "not supported");
  expect_error("\n\n{{ x | nosuchfilter }}", 3, "no filter named 'nosuchfilter'");
  expect_error("{{ x is nosuchtest }}", 1, "no test named 'nosuchtest'");
  expect_error("{% break %}", 1, "'break' outside loop");
  expect_error("{% set true = 1 %}", 1, "can't assign");
  expect_error("{% macro m(a=1, b) %}{% endmacro %}", 1, "non-default argument");
  expect_error("{{ f(a=1, 2) }}", 1, "invalid syntax");
  expect_error("{{ }}", 1, "expected an expression");
}

TEST(ChatErrors, RuntimeErrorsNameTheLine) {
  expect_error("line 1\n{{ missing.attr }}", 2, "'missing' is undefined");
  expect_error("{% for m in msgs %}\n{{ m.content + 1 }}\n{% endfor %}", 2, "can only concatenate str");
  expect_error("{{ 1 / 0 }}", 1, "division by zero");
  expect_error("\n{{ n|length }}", 2, "has no len()");
  expect_error("{{ missing + 1 }}", 1, "'missing' is undefined");
  expect_error("{{ missing|tojson }}", 1, "not JSON serializable");
  expect_error("{{ l.append(4) }}", 1, "unsafe");
  expect_error("{% for a, b in [[1, 2, 3]] %}{% endfor %}", 1, "too many values to unpack");
  expect_error("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", 1, "takes not more than 1 argument");
  expect_error("{% set d2 = {} %}{% set d2.y = 1 %}", 1, "non-namespace");
  expect_error("{{ n() }}", 1, "not callable");
  expect_error("{{ 'a' < 1 }}", 1, "not supported between");
  expect_error("{{ 9223372036854775807 + 1 }}", 1, "integer overflow");
}

TEST(ChatErrors, RaisedExceptionIsItsOwnType) {
  try {
    Template::parse("{{ raise_exception('System role not supported') }}").render(default_context());
    FAIL() << "no exception";
  } catch (const TemplateRaised& e) {
    EXPECT_EQ(e.message(), "System role not supported");
    EXPECT_NE(std::string(e.what()).find("System role not supported"), std::string::npos);
  }
}

TEST(ChatErrors, RecursionIsBounded) {
  expect_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", 1, "maximum recursion depth");
}

TEST(ChatErrors, DeepNestingIsRefusedAtParse) {
  const std::string parens = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  EXPECT_THROW(Template::parse(parens), TemplateError);
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
  EXPECT_THROW(Template::parse(ifs), TemplateError);
  std::string nots = "{{ ";
  for (int i = 0; i < 5000; ++i) nots += "not ";
  EXPECT_THROW(Template::parse(nots + "1 }}"), TemplateError);
  std::string negs = "{{ " + std::string(5000, '-') + "1 }}";
  EXPECT_THROW(Template::parse(negs), TemplateError);
  // Long chains nest as deeply (a + b + c is ((a + b) + c)).
  std::string sum = "{{ 1";
  for (int i = 0; i < 100000; ++i) sum += " + 1";
  EXPECT_THROW(Template::parse(sum + " }}"), TemplateError);
  std::string filters = "{{ 'x'";
  for (int i = 0; i < 100000; ++i) filters += "|trim";
  EXPECT_THROW(Template::parse(filters + " }}"), TemplateError);
  std::string attrs = "{{ x";
  for (int i = 0; i < 100000; ++i) attrs += ".a";
  EXPECT_THROW(Template::parse(attrs + " }}"), TemplateError);
  // A long but reasonable chain is fine.
  std::string ok = "{{ 'a'";
  for (int i = 0; i < 100; ++i) ok += " + 'a'";
  EXPECT_EQ(Template::parse(ok + " }}").render(default_context()), std::string(101, 'a'));
}

TEST(ChatErrors, OutputAndStringsAreBounded) {
  RenderLimits limits;
  limits.max_output = 1 << 20;
  expect_error("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", 1, "output exceeds the limit", limits);
  expect_error("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}", 1,
               "exceeds the template output limit", limits);
  expect_error("{{ 'x' * 100000000000 }}", 1, "exceeds the template output limit", limits);
  expect_error("{{ ([1] * 1000) * 100000000 }}", 1, "item limit", limits);
  expect_error("{{ range(10000000000000)|length }}", 1, "item limit", limits);
}

TEST(ChatErrors, EvaluationStepsAreBounded) {
  RenderLimits limits;
  limits.max_steps = 100000;
  expect_error("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", 1,
               "evaluation limit", limits);
  // Work on big data inside a loop counts too: each `in` scans the list.
  limits.max_steps = 1000000;
  expect_error("{% set big = range(100000)|list %}{% for i in range(100000) %}{% if -1 in big %}{% endif %}"
               "{% endfor %}",
               1, "evaluation limit", limits);
  expect_error("{% set s = 'x' * 100000 %}{% for i in range(100000) %}{{ s|upper|length }}{% endfor %}", 1,
               "evaluation limit", limits);
}

TEST(ChatErrors, DeeplyNestedInputIsRefused) {
  std::string json;
  for (int i = 0; i < 2000; ++i) json += "[";
  for (int i = 0; i < 2000; ++i) json += "]";
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  ctx["x"] = nlohmann::ordered_json::parse(json);
  EXPECT_THROW(Template::parse("{{ x }}").render(ctx), Error);
}

}  // namespace
}  // namespace hearth::chat::testing
