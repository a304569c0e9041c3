#include "sampling/json_rules.h"

namespace hearth::sampling {

namespace {

Expr lit(std::string_view s) { return Expr::literal(s); }
Expr digit() { return Expr::chars({{'0', '9'}}); }
Expr hex() { return Expr::chars({{'0', '9'}, {'a', 'f'}, {'A', 'F'}}); }

}  // namespace

Expr JsonRules::ws() { return Expr::repeat(Expr::one_of(U" \t\n"), 0, kMaxSpace); }

Expr JsonRules::string_char() {
  if (!char_) {
    // \uXXXX except surrogates, or a high surrogate escape followed by a
    // low one: a lone surrogate would not parse (or would decode to
    // invalid UTF-8).
    const Expr unicode_escape = Expr::alt({
        Expr::seq({Expr::chars({{'0', '9'}, {'a', 'c'}, {'A', 'C'}, {'e', 'f'}, {'E', 'F'}}), Expr::repeat(hex(), 3, 3)}),
        Expr::seq({Expr::one_of(U"dD"),
                   Expr::alt({
                       Expr::seq({Expr::chars({{'0', '7'}}), hex(), hex()}),
                       Expr::seq({Expr::one_of(U"89abAB"), hex(), hex(), lit("\\u"), Expr::one_of(U"dD"),
                                  Expr::chars({{'c', 'f'}, {'C', 'F'}}), hex(), hex()}),
                   })}),
    });
    char_ = b_.add("char", Expr::alt({
                               Expr::chars({{0, 0x1F}, {'"', '"'}, {'\\', '\\'}}, true),
                               Expr::seq({lit("\\"), Expr::alt({Expr::one_of(U"\"\\/bfnrt"),
                                                                Expr::seq({lit("u"), unicode_escape})})}),
                           }));
  }
  return Expr::ref(*char_);
}

Expr JsonRules::string(uint32_t min_chars, uint32_t max_chars) {
  if (min_chars == 0 && max_chars == kUnbounded) {
    if (!string_) string_ = b_.add("string", Expr::seq({lit("\""), Expr::repeat(string_char(), 0, kUnbounded), lit("\"")}));
    return Expr::ref(*string_);
  }
  return Expr::seq({lit("\""), Expr::repeat(string_char(), min_chars, max_chars), lit("\"")});
}

Expr JsonRules::integer() {
  if (!integer_) {
    integer_ = b_.add("integer", Expr::seq({Expr::optional(lit("-")),
                                            Expr::alt({lit("0"), Expr::seq({Expr::chars({{'1', '9'}}),
                                                                            Expr::repeat(digit(), 0, kMaxIntDigits - 1)})})}));
  }
  return Expr::ref(*integer_);
}

Expr JsonRules::number() {
  if (!number_) {
    number_ = b_.add("number", Expr::seq({
                                   integer(),
                                   Expr::optional(Expr::seq({lit("."), Expr::repeat(digit(), 1, kMaxFracDigits)})),
                                   Expr::optional(Expr::seq({Expr::one_of(U"eE"), Expr::optional(Expr::one_of(U"+-")),
                                                             Expr::repeat(digit(), 1, kMaxExpDigits)})),
                               }));
  }
  return Expr::ref(*number_);
}

Expr JsonRules::boolean() { return Expr::alt({lit("true"), lit("false")}); }

Expr JsonRules::null() { return lit("null"); }

void JsonRules::define_values() {
  value_ = b_.declare("value");
  object_ = b_.declare("object");
  array_ = b_.declare("array");
  const RuleId member = b_.add("member", Expr::seq({string(), ws(), lit(":"), ws(), Expr::ref(*value_), ws()}));
  b_.define(*object_, Expr::seq({lit("{"), ws(),
                                  Expr::optional(Expr::seq({Expr::ref(member),
                                                            Expr::repeat(Expr::seq({lit(","), ws(), Expr::ref(member)}), 0, kUnbounded)})),
                                  lit("}")}));
  const Expr item = Expr::seq({Expr::ref(*value_), ws()});
  b_.define(*array_, Expr::seq({lit("["), ws(),
                                 Expr::optional(Expr::seq({item, Expr::repeat(Expr::seq({lit(","), ws(), item}), 0, kUnbounded)})),
                                 lit("]")}));
  b_.define(*value_, Expr::alt({Expr::ref(*object_), Expr::ref(*array_), string(), number(), boolean(), null()}));
}

Expr JsonRules::value() {
  if (!value_) define_values();
  return Expr::ref(*value_);
}

Expr JsonRules::object() {
  if (!value_) define_values();
  return Expr::ref(*object_);
}

Expr JsonRules::array() {
  if (!value_) define_values();
  return Expr::ref(*array_);
}

}  // namespace hearth::sampling
