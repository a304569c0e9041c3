// The grammar builder's checks and the matcher's parse-position bookkeeping:
// prefixes, whole sentences, repetition counts, UTF-8 split across calls,
// hostile-input bounds, and an exhaustive comparison with a direct
// recogniser for a recursive grammar.
#include "sampling/grammar.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "sampling/grammar_matcher.h"

namespace hearth::sampling {
namespace {

std::shared_ptr<const Grammar> one_rule(const Expr& body) {
  GrammarBuilder b;
  const RuleId r = b.add("root", body);
  return b.build(r);
}

// accepts() and complete() after advancing over the whole text.
struct Verdict {
  bool prefix;
  bool whole;
};

Verdict match(const std::shared_ptr<const Grammar>& g, const std::string& text) {
  GrammarMatcher m(g);
  if (!m.accepts(text)) return {false, false};
  m.advance(text);
  return {true, m.complete()};
}

bool whole(const std::shared_ptr<const Grammar>& g, const std::string& text) { return match(g, text).whole; }
bool prefix(const std::shared_ptr<const Grammar>& g, const std::string& text) { return match(g, text).prefix; }

std::string expect_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no hearth::Error thrown";
  return "";
}

TEST(Grammar, LiteralsAndSequences) {
  const auto g = one_rule(Expr::seq({Expr::literal("ab"), Expr::literal("c")}));
  EXPECT_TRUE(whole(g, "abc"));
  EXPECT_TRUE(prefix(g, "ab"));
  EXPECT_FALSE(whole(g, "ab"));
  EXPECT_FALSE(prefix(g, "abd"));
  EXPECT_FALSE(prefix(g, "abcd"));
  EXPECT_TRUE(prefix(g, ""));
}

TEST(Grammar, AlternativesAndClasses) {
  const auto g = one_rule(Expr::alt({Expr::literal("yes"), Expr::seq({Expr::chars({{'0', '9'}}), Expr::one_of(U"xyz", true)})}));
  EXPECT_TRUE(whole(g, "yes"));
  EXPECT_TRUE(whole(g, "7a"));
  EXPECT_TRUE(whole(g, "0\xC3\xA9"));  // é is not x, y or z
  EXPECT_FALSE(prefix(g, "7x"));
  EXPECT_FALSE(prefix(g, "a"));
  EXPECT_FALSE(prefix(g, "ye5"));
}

TEST(Grammar, RepetitionCountsAreExact) {
  const auto g = one_rule(Expr::seq({Expr::repeat(Expr::literal("ab"), 2, 4), Expr::literal(";")}));
  for (int n = 0; n <= 6; ++n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "ab";
    EXPECT_EQ(whole(g, s + ";"), n >= 2 && n <= 4) << n;
    EXPECT_EQ(prefix(g, s), n <= 4) << n;
  }
  const auto star = one_rule(Expr::seq({Expr::literal("<"), Expr::repeat(Expr::literal("x"), 3, kUnbounded), Expr::literal(">")}));
  EXPECT_FALSE(whole(star, "<xx>"));
  EXPECT_TRUE(whole(star, "<xxx>"));
  EXPECT_TRUE(whole(star, "<" + std::string(5000, 'x') + ">"));
}

TEST(Grammar, HugeBoundsAreCountedNotUnrolled) {
  const auto g = one_rule(Expr::repeat(Expr::literal("x"), 3, 1000000));
  EXPECT_LT(g->element_count(), 10u);
  GrammarMatcher m(g);
  m.advance("xx");
  EXPECT_FALSE(m.complete());
  for (int i = 0; i < 20000; ++i) m.advance("x");
  EXPECT_TRUE(m.complete());
  EXPECT_EQ(m.stack_count(), 1u);
  EXPECT_LT(one_rule(Expr::repeat(Expr::literal("ab"), 0, 1000000000))->element_count(), 10u);
  // Exactly the bound, then no more.
  const auto exact = one_rule(Expr::repeat(Expr::literal("ab"), 0, 30000));
  GrammarMatcher e(exact);
  std::string ab;
  for (int i = 0; i < 1000; ++i) ab += "ab";
  for (int i = 0; i < 29; ++i) e.advance(ab);
  e.advance(ab.substr(0, 1998));
  EXPECT_TRUE(e.complete());
  EXPECT_TRUE(e.accepts("ab"));
  e.advance("ab");
  EXPECT_TRUE(e.complete());
  EXPECT_FALSE(e.accepts("a"));
  EXPECT_FALSE(e.can_continue());
}

TEST(Grammar, AmbiguityDoesNotMultiplyStacks) {
  // x* x* ".": after n x's there are n+1 ways to split them, but only three
  // parse positions (in the first repetition, in the second, before ".").
  const auto g = one_rule(Expr::seq({Expr::repeat(Expr::literal("x"), 0, kUnbounded),
                                     Expr::repeat(Expr::literal("x"), 0, kUnbounded), Expr::literal(".")}));
  GrammarMatcher m(g);
  for (int i = 0; i < 100; ++i) m.advance("x");
  EXPECT_EQ(m.stack_count(), 3u);
  m.advance(".");
  EXPECT_TRUE(m.complete());
}

// Balanced brackets of two kinds: r ::= ( "(" r ")" | "[" r "]" )*.
std::shared_ptr<const Grammar> brackets() {
  GrammarBuilder b;
  const RuleId r = b.declare("r");
  b.define(r, Expr::repeat(Expr::alt({Expr::seq({Expr::literal("("), Expr::ref(r), Expr::literal(")")}),
                                      Expr::seq({Expr::literal("["), Expr::ref(r), Expr::literal("]")})}),
                           0, kUnbounded));
  return b.build(r);
}

// The direct recogniser: a stack of open brackets.
Verdict brackets_reference(const std::string& s) {
  std::string open;
  for (char c : s) {
    if (c == '(' || c == '[') {
      open += c;
    } else {
      const char want = c == ')' ? '(' : '[';
      if (open.empty() || open.back() != want) return {false, false};
      open.pop_back();
    }
  }
  return {true, open.empty()};
}

TEST(Grammar, RecursionAgreesWithADirectRecogniserOnEveryShortString) {
  const auto g = brackets();
  const char alphabet[] = {'(', ')', '[', ']'};
  int checked = 0;
  for (int len = 0; len <= 8; ++len) {
    std::vector<int> digits(static_cast<size_t>(len), 0);
    while (true) {
      std::string s;
      for (int d : digits) s += alphabet[d];
      const Verdict want = brackets_reference(s);
      const Verdict got = match(g, s);
      ASSERT_EQ(got.prefix, want.prefix) << s;
      ASSERT_EQ(got.whole, want.whole) << s;
      ++checked;
      size_t i = 0;
      while (i < digits.size() && ++digits[i] == 4) digits[i++] = 0;
      if (i == digits.size()) break;
    }
  }
  EXPECT_EQ(checked, ((1 << 18) - 1) / 3);  // 4^0 + ... + 4^8
}

TEST(Grammar, RightRecursionKeepsAConstantDepth) {
  // list ::= "a" list | "" : without the tail call every "a" would add a frame.
  GrammarBuilder b;
  const RuleId list = b.declare("list");
  b.define(list, Expr::alt({Expr::seq({Expr::literal("a"), Expr::ref(list)}), Expr::empty()}));
  const auto g = b.build(list);
  GrammarMatcher m(g);
  for (size_t i = 0; i < 3 * GrammarMatcher::kMaxDepth; ++i) m.advance("a");
  EXPECT_TRUE(m.complete());
}

TEST(Grammar, NestingBeyondTheDepthLimitIsNotFollowed) {
  GrammarMatcher m(brackets());
  size_t opened = 0;
  while (m.accepts("(") && opened < 10 * GrammarMatcher::kMaxDepth) {
    m.advance("(");
    ++opened;
  }
  EXPECT_GT(opened, 100u);
  EXPECT_LT(opened, GrammarMatcher::kMaxDepth);
  // Closing still works all the way out.
  for (size_t i = 0; i < opened; ++i) m.advance(")");
  EXPECT_TRUE(m.complete());
}

TEST(Grammar, Utf8SplitAcrossCalls) {
  const auto g = one_rule(Expr::seq({Expr::literal("\xE2\x82\xAC"), Expr::chars({{0x1F600, 0x1F64F}})}));  // € then an emoji
  GrammarMatcher m(g);
  EXPECT_TRUE(m.accepts("\xE2"));
  EXPECT_FALSE(m.accepts("\xE3"));  // U+3000.. cannot be €
  m.advance("\xE2");
  EXPECT_FALSE(m.complete());
  EXPECT_TRUE(m.can_continue());
  EXPECT_FALSE(m.accepts("\x82\xAD"));  // U+20AD
  m.advance("\x82");
  m.advance("\xAC\xF0\x9F");
  EXPECT_TRUE(m.accepts("\x98"));   // U+1F600..U+1F63F
  EXPECT_FALSE(m.accepts("\x90"));  // U+1F400..: outside the class
  m.advance("\x98\x80");            // 😀
  EXPECT_TRUE(m.complete());
}

TEST(Grammar, InvalidUtf8IsNeverAccepted) {
  const auto any = one_rule(Expr::repeat(Expr::chars({}, true), 0, kUnbounded));
  EXPECT_TRUE(whole(any, "h\xC3\xA9llo \xF0\x9F\x98\x80"));
  for (const char* bad : {"\x80", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xF5",
                          "\xFF", "\xC3\x41", "\xE2\x82\x41"}) {
    EXPECT_FALSE(prefix(any, bad)) << testing::PrintToString(std::string(bad));
  }
  EXPECT_TRUE(prefix(any, "\xF0\x9F"));
  EXPECT_FALSE(whole(any, "\xF0\x9F"));  // a character is still pending
}

TEST(Grammar, MayStartWithAgreesWithAccepts) {
  const auto g = one_rule(Expr::seq({Expr::one_of(U"{é€"), Expr::repeat(Expr::chars({{'a', 'z'}, {0x4E00, 0x9FFF}}), 0, 3),
                                     Expr::chars({{0xD000, 0xE0FF}})}));
  GrammarMatcher m(g);
  const auto check = [&](const char* when) {
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      ASSERT_EQ(m.may_start_with(static_cast<unsigned char>(b)), m.accepts(std::string_view(&c, 1)))
          << when << ": byte " << b;
    }
  };
  check("start");
  m.advance("\xC3");
  check("inside é");
  m.advance("\xA9" "ab");
  check("after letters");
}

TEST(Grammar, AdvanceRefusesAndChangesNothing) {
  const auto g = one_rule(Expr::literal("abc"));
  GrammarMatcher m(g);
  m.advance("a");
  const std::string msg = expect_error([&] { m.advance("bd"); });
  EXPECT_NE(msg.find("\"bd\""), std::string::npos) << msg;
  m.advance("bc");  // still right after "a"
  EXPECT_TRUE(m.complete());
  EXPECT_FALSE(m.can_continue());
  EXPECT_FALSE(m.accepts("\xC3"));
}

TEST(Grammar, UnproductivePartsArePruned) {
  // loop ::= "c" loop has no finite sentence: "b" loop must never be entered.
  GrammarBuilder b;
  const RuleId loop = b.declare("loop");
  b.define(loop, Expr::seq({Expr::literal("c"), Expr::ref(loop)}));
  const RuleId root = b.add("root", Expr::alt({Expr::literal("a"), Expr::seq({Expr::literal("b"), Expr::ref(loop)}),
                                               Expr::seq({Expr::literal("d"), Expr::optional(Expr::ref(loop))})}));
  const auto g = b.build(root);
  EXPECT_TRUE(whole(g, "a"));
  EXPECT_FALSE(prefix(g, "b"));
  EXPECT_TRUE(whole(g, "d"));
  EXPECT_FALSE(prefix(g, "dc"));
}

TEST(Grammar, BuilderRefusesBrokenGrammars) {
  {
    GrammarBuilder b;
    const RuleId r = b.declare("r");
    b.declare("undefined");
    b.define(r, Expr::literal("x"));
    EXPECT_NE(expect_error([&] { b.build(r); }).find("'undefined' is used but never defined"), std::string::npos);
  }
  {
    GrammarBuilder b;
    const RuleId r = b.declare("expr");
    b.define(r, Expr::alt({Expr::seq({Expr::ref(r), Expr::literal("+x")}), Expr::literal("x")}));
    EXPECT_NE(expect_error([&] { b.build(r); }).find("left-recursive"), std::string::npos);
  }
  {
    GrammarBuilder b;
    const RuleId maybe = b.add("maybe", Expr::optional(Expr::literal("x")));
    const RuleId r = b.add("r", Expr::repeat(Expr::ref(maybe), 0, kUnbounded));
    EXPECT_NE(expect_error([&] { b.build(r); }).find("can match the empty text"), std::string::npos);
  }
  {
    GrammarBuilder b;
    const RuleId r = b.declare("forever");
    b.define(r, Expr::seq({Expr::literal("x"), Expr::ref(r)}));
    EXPECT_NE(expect_error([&] { b.build(r); }).find("matches no finite text"), std::string::npos);
  }
  EXPECT_NE(expect_error([] { one_rule(Expr::chars({{0, kMaxCodePoint}}, true)); }).find("empty character class"),
            std::string::npos);
  EXPECT_NE(expect_error([] { one_rule(Expr::chars({{0xD800, 0xDFFF}})); }).find("empty character class"),
            std::string::npos);
  EXPECT_NE(expect_error([] { one_rule(Expr::repeat(Expr::literal("x"), 3, 2)); }).find("repetition"), std::string::npos);
  EXPECT_NE(expect_error([] { one_rule(Expr::literal("\xC3")); }).find("not valid UTF-8"), std::string::npos);
}

TEST(Grammar, TooAmbiguousIsAnError) {
  // Thousands of alternatives that all start alike: one parse position each.
  std::vector<Expr> alts;
  for (int i = 0; i < 5000; ++i) alts.push_back(Expr::seq({Expr::literal("a"), Expr::literal(std::to_string(i))}));
  const auto g = one_rule(Expr::alt(std::move(alts)));
  EXPECT_NE(expect_error([&] { GrammarMatcher m(g); }).find("too ambiguous"), std::string::npos);
}

TEST(Grammar, ToStringShowsTheRules) {
  const auto g = one_rule(Expr::seq({Expr::literal("a"), Expr::repeat(Expr::chars({{'0', '9'}}), 1, kUnbounded),
                                     Expr::optional(Expr::literal("-"))}));
  EXPECT_EQ(g->to_string(), "root ::= \"a\" [0-9]+ \"-\"?\n");
}

}  // namespace
}  // namespace hearth::sampling
