#include "sampling/string_formats.h"

namespace hearth::sampling {

namespace {

Expr lit(std::string_view s) { return Expr::literal(s); }
Expr range(char lo, char hi) { return Expr::chars({{static_cast<uint32_t>(lo), static_cast<uint32_t>(hi)}}); }
Expr digits(uint32_t n) { return Expr::repeat(range('0', '9'), n, n); }
Expr hex(uint32_t n) { return Expr::repeat(Expr::chars({{'0', '9'}, {'a', 'f'}, {'A', 'F'}}), n, n); }

Expr date() {
  const Expr d01_09 = Expr::seq({lit("0"), range('1', '9')});
  const Expr day31 = Expr::alt({d01_09, Expr::seq({range('1', '2'), range('0', '9')}), Expr::seq({lit("3"), range('0', '1')})});
  const Expr day30 = Expr::alt({d01_09, Expr::seq({range('1', '2'), range('0', '9')}), lit("30")});
  const Expr day28 = Expr::alt({d01_09, Expr::seq({lit("1"), range('0', '9')}), Expr::seq({lit("2"), range('0', '8')})});
  return Expr::seq({digits(4), lit("-"),
                    Expr::alt({
                        Expr::seq({Expr::alt({Expr::seq({lit("0"), Expr::one_of(U"13578")}), Expr::seq({lit("1"), Expr::one_of(U"02")})}),
                                   lit("-"), day31}),
                        Expr::seq({Expr::alt({Expr::seq({lit("0"), Expr::one_of(U"469")}), lit("11")}), lit("-"), day30}),
                        Expr::seq({lit("02-"), day28}),
                    })});
}

Expr hour() { return Expr::alt({Expr::seq({range('0', '1'), range('0', '9')}), Expr::seq({lit("2"), range('0', '3')})}); }
Expr minute() { return Expr::seq({range('0', '5'), range('0', '9')}); }

Expr time() {
  return Expr::seq({hour(), lit(":"), minute(), lit(":"), minute(),
                    Expr::optional(Expr::seq({lit("."), Expr::repeat(range('0', '9'), 1, 9)})),
                    Expr::alt({lit("Z"), Expr::seq({Expr::one_of(U"+-"), hour(), lit(":"), minute()})})});
}

}  // namespace

std::optional<Expr> string_format(std::string_view format) {
  if (format == "date") return date();
  if (format == "time") return time();
  if (format == "date-time") return Expr::seq({date(), lit("T"), time()});
  if (format == "uuid") return Expr::seq({hex(8), lit("-"), hex(4), lit("-"), hex(4), lit("-"), hex(4), lit("-"), hex(12)});
  return std::nullopt;
}

}  // namespace hearth::sampling
