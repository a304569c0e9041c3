#include "chat/parser.h"

#include "chat/errors.h"
#include "chat/filters.h"
#include "chat/lexer.h"

namespace hearth::chat {
namespace {

std::string describe(const Token& t) {
  switch (t.type) {
    case Tok::Data: return "template data";
    case Tok::VarBegin: return "'{{'";
    case Tok::VarEnd: return "'}}'";
    case Tok::BlockBegin: return "'{%'";
    case Tok::BlockEnd: return "'%}'";
    case Tok::Name: return "'" + t.text + "'";
    case Tok::String: return "string literal";
    case Tok::Int: return "integer '" + t.text + "'";
    case Tok::Float: return "number '" + t.text + "'";
    case Tok::Op: return "'" + t.text + "'";
    case Tok::Eof: return "end of template";
  }
  return "token";
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ParseLimits& limits) : toks_(std::move(tokens)), limits_(limits) {}

  Body parse() {
    Body body = subparse({});
    if (cur().type != Tok::Eof) fail(cur().line, "unexpected " + describe(cur()));
    return body;
  }

 private:
  std::vector<Token> toks_;
  size_t i_ = 0;
  ParseLimits limits_;
  int depth_ = 0;
  int loop_depth_ = 0;
  std::vector<MacroDef*> macros_;

  struct DepthGuard {
    Parser& p;
    explicit DepthGuard(Parser& parser) : p(parser) {
      if (++p.depth_ > p.limits_.max_nesting) fail(p.cur().line, "template nesting is too deep");
    }
    ~DepthGuard() { --p.depth_; }
  };

  [[noreturn]] static void fail(int line, const std::string& msg) { syntax_fail(line, msg); }

  // Operator, filter and postfix chains nest their nodes to the left: each
  // link counts as one level of nesting, so evaluation depth stays bounded.
  void chain_link(int& links) {
    if (depth_ + ++links > limits_.max_nesting) fail(cur().line, "expression is too long or nested too deeply");
  }

  const Token& cur() const { return toks_[i_]; }
  const Token& look() const { return toks_[std::min(i_ + 1, toks_.size() - 1)]; }
  const Token& advance() {
    const Token& t = toks_[i_];
    if (i_ + 1 < toks_.size()) ++i_;
    return t;
  }
  bool skip_op(std::string_view op) {
    if (cur().is_op(op)) {
      advance();
      return true;
    }
    return false;
  }
  bool skip_name(std::string_view name) {
    if (cur().is_name(name)) {
      advance();
      return true;
    }
    return false;
  }
  void expect_op(std::string_view op) {
    if (!cur().is_op(op)) fail(cur().line, cat("expected '", op, "', got ", describe(cur())));
    advance();
  }
  void expect(Tok type, const char* what) {
    if (cur().type != type) fail(cur().line, cat("expected ", what, ", got ", describe(cur())));
    advance();
  }
  std::string expect_name() {
    if (cur().type != Tok::Name) fail(cur().line, "expected a name, got " + describe(cur()));
    return advance().text;
  }
  bool at_end_name(const std::vector<std::string_view>& names) const {
    if (cur().type != Tok::Name) return false;
    for (auto n : names)
      if (cur().text == n) return true;
    return false;
  }

  // ---- statements

  Body subparse(const std::vector<std::string_view>& end_names) {
    DepthGuard guard(*this);
    Body body;
    for (;;) {
      const Token& t = cur();
      switch (t.type) {
        case Tok::Data:
          body.push_back(std::make_unique<TextStmt>(t.line, t.text));
          advance();
          break;
        case Tok::VarBegin: {
          const int line = advance().line;
          ExprPtr e = parse_tuple(true, {}, false);
          expect(Tok::VarEnd, "'}}'");
          body.push_back(std::make_unique<OutputStmt>(line, std::move(e)));
          break;
        }
        case Tok::BlockBegin:
          advance();
          if (!end_names.empty() && at_end_name(end_names)) return body;
          body.push_back(parse_statement());
          expect(Tok::BlockEnd, "'%}'");
          break;
        case Tok::Eof:
          if (!end_names.empty()) {
            std::string names;
            for (auto n : end_names) names += (names.empty() ? "'" : " or '") + std::string(n) + "'";
            fail(t.line, "unexpected end of template, expected " + names);
          }
          return body;
        default: fail(t.line, "unexpected " + describe(t));
      }
    }
  }

  Body parse_statements(const std::vector<std::string_view>& end_names, bool drop_needle) {
    skip_op(":");
    expect(Tok::BlockEnd, "'%}'");
    Body body = subparse(end_names);
    if (drop_needle) advance();
    return body;
  }

  StmtPtr parse_statement() {
    const Token& t = cur();
    if (t.type != Tok::Name) fail(t.line, "tag name expected, got " + describe(t));
    const std::string& tag = t.text;
    if (tag == "if") return parse_if();
    if (tag == "for") return parse_for();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "with") return parse_with();
    if (tag == "generation") {
      auto s = std::make_unique<ScopeStmt>(advance().line);
      s->body = parse_statements({"endgeneration"}, true);
      return s;
    }
    if (tag == "break" || tag == "continue") {
      const int line = advance().line;
      if (loop_depth_ == 0) fail(line, "'" + tag + "' outside loop");
      return std::make_unique<LoopControlStmt>(tag == "break" ? StmtKind::Break : StmtKind::Continue, line);
    }
    if (tag == "include" || tag == "import" || tag == "from" || tag == "extends" || tag == "block" ||
        tag == "autoescape")
      fail(t.line, "the '" + tag + "' tag is not supported in chat templates");
    fail(t.line, "encountered unknown tag '" + tag + "'");
  }

  StmtPtr parse_if() {
    auto node = std::make_unique<IfStmt>(advance().line);
    for (;;) {
      ExprPtr test = parse_tuple(false, {}, false);
      Body body = parse_statements({"elif", "else", "endif"}, false);
      node->branches.emplace_back(std::move(test), std::move(body));
      const std::string which = advance().text;
      if (which == "elif") continue;
      if (which == "else") node->otherwise = parse_statements({"endif"}, true);
      break;
    }
    return node;
  }

  StmtPtr parse_for() {
    auto node = std::make_unique<ForStmt>(advance().line);
    node->target = parse_assign_target({"in"}, false);
    if (!skip_name("in")) fail(cur().line, "expected 'in', got " + describe(cur()));
    node->iter = parse_tuple(false, {"recursive"}, false);
    if (skip_name("if")) node->filter = parse_expression(true);
    if (cur().is_name("recursive")) fail(cur().line, "recursive loops are not supported");
    ++loop_depth_;
    node->body = parse_statements({"endfor", "else"}, false);
    --loop_depth_;
    if (advance().text == "else") node->otherwise = parse_statements({"endfor"}, true);
    return node;
  }

  StmtPtr parse_set() {
    const int line = advance().line;
    Target target = parse_assign_target({}, true);
    if (skip_op("=")) {
      auto node = std::make_unique<SetStmt>(line);
      node->target = std::move(target);
      node->value = parse_tuple(true, {}, false);
      return node;
    }
    auto node = std::make_unique<SetBlockStmt>(line);
    node->target = std::move(target);
    node->filter = parse_filter_chain(nullptr, false);
    node->body = parse_statements({"endset"}, true);
    return node;
  }

  StmtPtr parse_macro() {
    const int line = advance().line;
    auto node = std::make_unique<MacroStmt>(line);
    auto def = std::make_shared<MacroDef>();
    def->name = expect_name();
    def->line = line;
    parse_signature(*def);
    parse_macro_body(*def, "endmacro");
    node->def = std::move(def);
    return node;
  }

  void parse_signature(MacroDef& def) {
    expect_op("(");
    while (!cur().is_op(")")) {
      if (!def.params.empty()) expect_op(",");
      if (cur().is_op(")")) break;
      const int line = cur().line;
      std::string name = expect_name();
      if (name == "true" || name == "false" || name == "none" || name == "True" || name == "False" || name == "None")
        fail(line, "can't assign to " + name);
      ExprPtr def_value;
      if (skip_op("=")) def_value = parse_expression(true);
      else if (!def.defaults.empty() && def.defaults.back()) fail(line, "non-default argument follows default argument");
      def.params.push_back(std::move(name));
      def.defaults.push_back(std::move(def_value));
    }
    advance();
  }

  void parse_macro_body(MacroDef& def, std::string_view end) {
    const int saved_loops = loop_depth_;
    loop_depth_ = 0;
    macros_.push_back(&def);
    def.body = parse_statements({end}, true);
    macros_.pop_back();
    loop_depth_ = saved_loops;
  }

  StmtPtr parse_call_block() {
    const int line = advance().line;
    auto node = std::make_unique<CallBlockStmt>(line);
    auto def = std::make_shared<MacroDef>();
    def->name = "caller";
    def->line = line;
    if (cur().is_op("(")) parse_signature(*def);
    node->call = parse_expression(true);
    if (node->call->kind != ExprKind::Call) fail(line, "expected call");
    parse_macro_body(*def, "endcall");
    node->caller = std::move(def);
    return node;
  }

  StmtPtr parse_filter_block() {
    auto node = std::make_unique<FilterBlockStmt>(advance().line);
    node->filter = parse_filter_chain(nullptr, true);
    node->body = parse_statements({"endfilter"}, true);
    return node;
  }

  StmtPtr parse_with() {
    auto node = std::make_unique<WithStmt>(advance().line);
    while (cur().type != Tok::BlockEnd) {
      if (!node->targets.empty()) expect_op(",");
      node->targets.push_back(parse_assign_target({}, false));
      expect_op("=");
      node->values.push_back(parse_expression(true));
    }
    node->body = parse_statements({"endwith"}, true);
    return node;
  }

  // name, name.attr (with_namespace) or a tuple of names.
  Target parse_assign_target(const std::vector<std::string_view>& extra_end, bool with_namespace) {
    if (with_namespace && cur().type == Tok::Name && look().is_op(".")) {
      Target t;
      t.kind = Target::Kind::NsAttr;
      t.name = advance().text;
      advance();
      t.attr = expect_name();
      return t;
    }
    return parse_target_tuple(extra_end, false);
  }

  Target parse_target_primary() {
    const Token& t = cur();
    if (t.is_op("(")) {
      advance();
      Target inner = parse_target_tuple({}, true);
      expect_op(")");
      return inner;
    }
    if (t.type != Tok::Name) fail(t.line, "can't assign to " + describe(t));
    if (t.text == "true" || t.text == "false" || t.text == "none" || t.text == "True" || t.text == "False" ||
        t.text == "None")
      fail(t.line, "can't assign to " + t.text);
    Target target;
    target.name = advance().text;
    return target;
  }

  Target parse_target_tuple(const std::vector<std::string_view>& extra_end, bool parenthesized) {
    std::vector<Target> items;
    bool is_tuple = false;
    for (;;) {
      if (!items.empty()) expect_op(",");
      if (cur().type == Tok::BlockEnd || cur().type == Tok::VarEnd || cur().is_op(")") || cur().is_op("=") ||
          at_end_name(extra_end))
        break;
      items.push_back(parse_target_primary());
      if (cur().is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (items.size() == 1) return std::move(items[0]);
      if (!parenthesized || items.empty()) fail(cur().line, "expected an assignment target, got " + describe(cur()));
    }
    Target t;
    t.kind = Target::Kind::Tuple;
    t.items = std::move(items);
    return t;
  }

  // ---- expressions

  bool is_tuple_end(const std::vector<std::string_view>& extra_end) const {
    const Token& t = cur();
    return t.type == Tok::VarEnd || t.type == Tok::BlockEnd || t.is_op(")") || at_end_name(extra_end);
  }

  ExprPtr parse_tuple(bool with_condexpr, const std::vector<std::string_view>& extra_end, bool explicit_parens) {
    const int line = cur().line;
    std::vector<ExprPtr> args;
    bool is_tuple = false;
    for (;;) {
      if (!args.empty()) expect_op(",");
      if (is_tuple_end(extra_end)) break;
      args.push_back(parse_expression(with_condexpr));
      if (cur().is_op(",")) is_tuple = true;
      else break;
    }
    if (!is_tuple) {
      if (!args.empty()) return std::move(args[0]);
      if (!explicit_parens) fail(cur().line, "expected an expression, got " + describe(cur()));
    }
    auto t = std::make_unique<SequenceExpr>(ExprKind::Tuple, line);
    t->items = std::move(args);
    return t;
  }

  ExprPtr parse_expression(bool with_condexpr) {
    DepthGuard guard(*this);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    const int line = cur().line;
    ExprPtr expr1 = parse_or();
    int links = 0;
    while (skip_name("if")) {
      chain_link(links);
      auto c = std::make_unique<CondExpr>(line);
      c->test = parse_or();
      if (skip_name("else")) c->otherwise = parse_condexpr();
      c->then = std::move(expr1);
      expr1 = std::move(c);
    }
    return expr1;
  }

  ExprPtr parse_or() {
    const int line = cur().line;
    ExprPtr left = parse_and();
    int links = 0;
    while (skip_name("or") && (chain_link(links), true)) left = std::make_unique<BinaryExpr>(line, BinOp::Or, std::move(left), parse_and());
    return left;
  }

  ExprPtr parse_and() {
    const int line = cur().line;
    ExprPtr left = parse_not();
    int links = 0;
    while (skip_name("and") && (chain_link(links), true)) left = std::make_unique<BinaryExpr>(line, BinOp::And, std::move(left), parse_not());
    return left;
  }

  ExprPtr parse_not() {
    if (cur().is_name("not")) {
      const int line = advance().line;
      DepthGuard guard(*this);
      return std::make_unique<UnaryExpr>(ExprKind::Not, line, parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const int line = cur().line;
    ExprPtr expr = parse_math1();
    std::vector<std::pair<CmpOp, ExprPtr>> ops;
    int links = 0;
    for (;;) {
      const Token& t = cur();
      CmpOp op;
      if (t.is_op("==")) op = CmpOp::Eq;
      else if (t.is_op("!=")) op = CmpOp::Ne;
      else if (t.is_op("<")) op = CmpOp::Lt;
      else if (t.is_op("<=")) op = CmpOp::Le;
      else if (t.is_op(">")) op = CmpOp::Gt;
      else if (t.is_op(">=")) op = CmpOp::Ge;
      else if (t.is_name("in")) op = CmpOp::In;
      else if (t.is_name("not") && look().is_name("in")) {
        advance();
        op = CmpOp::NotIn;
      } else {
        break;
      }
      advance();
      chain_link(links);
      ops.emplace_back(op, parse_math1());
    }
    if (ops.empty()) return expr;
    auto c = std::make_unique<CompareExpr>(line, std::move(expr));
    c->rest = std::move(ops);
    return c;
  }

  ExprPtr parse_math1() {
    const int line = cur().line;
    ExprPtr left = parse_concat();
    int links = 0;
    for (;;) {
      BinOp op;
      if (cur().is_op("+")) op = BinOp::Add;
      else if (cur().is_op("-")) op = BinOp::Sub;
      else break;
      advance();
      chain_link(links);
      left = std::make_unique<BinaryExpr>(line, op, std::move(left), parse_concat());
    }
    return left;
  }

  ExprPtr parse_concat() {
    const int line = cur().line;
    ExprPtr first = parse_math2();
    if (!cur().is_op("~")) return first;
    auto c = std::make_unique<ConcatExpr>(line);
    c->parts.push_back(std::move(first));
    int links = 0;
    while (skip_op("~")) {
      chain_link(links);
      c->parts.push_back(parse_math2());
    }
    return c;
  }

  ExprPtr parse_math2() {
    const int line = cur().line;
    ExprPtr left = parse_pow();
    int links = 0;
    for (;;) {
      BinOp op;
      if (cur().is_op("*")) op = BinOp::Mul;
      else if (cur().is_op("/")) op = BinOp::Div;
      else if (cur().is_op("//")) op = BinOp::FloorDiv;
      else if (cur().is_op("%")) op = BinOp::Mod;
      else break;
      advance();
      chain_link(links);
      left = std::make_unique<BinaryExpr>(line, op, std::move(left), parse_pow());
    }
    return left;
  }

  ExprPtr parse_pow() {
    const int line = cur().line;
    ExprPtr left = parse_unary(true);
    int links = 0;
    while (skip_op("**") && (chain_link(links), true)) left = std::make_unique<BinaryExpr>(line, BinOp::Pow, std::move(left), parse_unary(true));
    return left;
  }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    const Token& t = cur();
    ExprPtr node;
    if (t.is_op("-") || t.is_op("+")) {
      const bool neg = t.is_op("-");
      const int line = advance().line;
      node = std::make_unique<UnaryExpr>(neg ? ExprKind::Neg : ExprKind::Pos, line, parse_unary(false));
    } else {
      node = parse_primary();
    }
    node = parse_postfix(std::move(node));
    if (with_filter) node = parse_filter_expr(std::move(node));
    return node;
  }

  ExprPtr parse_primary() {
    const Token& t = cur();
    const int line = t.line;
    switch (t.type) {
      case Tok::Name: {
        const std::string name = advance().text;
        if (name == "true" || name == "True") return std::make_unique<LiteralExpr>(line, Value(true));
        if (name == "false" || name == "False") return std::make_unique<LiteralExpr>(line, Value(false));
        if (name == "none" || name == "None") return std::make_unique<LiteralExpr>(line, Value::none());
        if (!macros_.empty()) {
          if (name == "varargs") macros_.back()->uses_varargs = true;
          if (name == "kwargs") macros_.back()->uses_kwargs = true;
          if (name == "caller") macros_.back()->uses_caller = true;
        }
        return std::make_unique<NameExpr>(line, name);
      }
      case Tok::String: {
        std::string s = advance().text;
        while (cur().type == Tok::String) s += advance().text;
        return std::make_unique<LiteralExpr>(line, Value(std::move(s)));
      }
      case Tok::Int: return std::make_unique<LiteralExpr>(line, Value(advance().int_value));
      case Tok::Float: return std::make_unique<LiteralExpr>(line, Value(advance().float_value));
      case Tok::Op:
        if (t.text == "(") {
          advance();
          ExprPtr e = parse_tuple(true, {}, true);
          expect_op(")");
          return e;
        }
        if (t.text == "[") return parse_list();
        if (t.text == "{") return parse_dict();
        break;
      default: break;
    }
    fail(line, "unexpected " + describe(t));
  }

  ExprPtr parse_list() {
    auto node = std::make_unique<SequenceExpr>(ExprKind::List, advance().line);
    while (!cur().is_op("]")) {
      if (!node->items.empty()) expect_op(",");
      if (cur().is_op("]")) break;
      node->items.push_back(parse_expression(true));
    }
    advance();
    return node;
  }

  ExprPtr parse_dict() {
    auto node = std::make_unique<DictExpr>(advance().line);
    while (!cur().is_op("}")) {
      if (!node->items.empty()) expect_op(",");
      if (cur().is_op("}")) break;
      ExprPtr key = parse_expression(true);
      expect_op(":");
      ExprPtr value = parse_expression(true);
      node->items.emplace_back(std::move(key), std::move(value));
    }
    advance();
    return node;
  }

  ExprPtr parse_postfix(ExprPtr node) {
    for (int links = 0;; chain_link(links)) {
      if (cur().is_op(".") || cur().is_op("[")) node = parse_subscript(std::move(node));
      else if (cur().is_op("(")) node = parse_call(std::move(node));
      else return node;
    }
  }

  ExprPtr parse_filter_expr(ExprPtr node) {
    for (int links = 0;; chain_link(links)) {
      if (cur().is_op("|")) node = parse_filter_chain(std::move(node), false);
      else if (cur().is_name("is")) node = parse_test(std::move(node));
      else if (cur().is_op("(")) node = parse_call(std::move(node));
      else return node;
    }
  }

  ExprPtr parse_subscript(ExprPtr node) {
    const Token& t = advance();
    const int line = t.line;
    if (t.text == ".") {
      const Token& attr = cur();
      if (attr.type == Tok::Name) return std::make_unique<GetAttrExpr>(line, std::move(node), advance().text);
      if (attr.type == Tok::Int)
        return std::make_unique<GetItemExpr>(line, std::move(node),
                                             std::make_unique<LiteralExpr>(line, Value(advance().int_value)));
      fail(attr.line, "expected name or number after '.', got " + describe(attr));
    }
    std::vector<ExprPtr> args;
    while (!cur().is_op("]")) {
      if (!args.empty()) {
        expect_op(",");
        if (cur().is_op("]")) break;
      }
      args.push_back(parse_subscribed());
    }
    advance();
    ExprPtr index;
    if (args.size() == 1) {
      index = std::move(args[0]);
    } else {
      auto tup = std::make_unique<SequenceExpr>(ExprKind::Tuple, line);
      tup->items = std::move(args);
      index = std::move(tup);
    }
    return std::make_unique<GetItemExpr>(line, std::move(node), std::move(index));
  }

  ExprPtr parse_subscribed() {
    const int line = cur().line;
    ExprPtr start;
    if (!cur().is_op(":")) {
      start = parse_expression(true);
      if (!cur().is_op(":")) return start;
    }
    advance();  // ':'
    auto slice = std::make_unique<SliceExpr>(line);
    slice->start = std::move(start);
    if (!cur().is_op(":") && !cur().is_op("]") && !cur().is_op(",")) slice->stop = parse_expression(true);
    if (skip_op(":")) {
      if (!cur().is_op("]") && !cur().is_op(",")) slice->step = parse_expression(true);
    }
    return slice;
  }

  void parse_call_args(CallArgsExpr& args) {
    expect_op("(");
    bool need_comma = false;
    while (!cur().is_op(")")) {
      if (need_comma) {
        expect_op(",");
        if (cur().is_op(")")) break;
      }
      const int line = cur().line;
      if (skip_op("*")) {
        if (args.star) fail(line, "only one *args is allowed");
        args.star = parse_expression(true);
      } else if (skip_op("**")) {
        if (args.star_star) fail(line, "only one **kwargs is allowed");
        args.star_star = parse_expression(true);
      } else if (cur().type == Tok::Name && look().is_op("=")) {
        if (args.star_star) fail(line, "invalid syntax for function call expression");
        std::string key = advance().text;
        advance();
        args.keyword.emplace_back(std::move(key), parse_expression(true));
      } else {
        if (args.star || args.star_star || !args.keyword.empty())
          fail(line, "invalid syntax for function call expression");
        args.positional.push_back(parse_expression(true));
      }
      need_comma = true;
    }
    advance();
  }

  ExprPtr parse_call(ExprPtr node) {
    auto call = std::make_unique<CallExpr>(cur().line, std::move(node));
    parse_call_args(call->args);
    return call;
  }

  std::string parse_dotted_name() {
    std::string name = expect_name();
    while (cur().is_op(".")) {
      advance();
      name += '.';
      name += expect_name();
    }
    return name;
  }

  ExprPtr parse_filter_chain(ExprPtr node, bool start_inline) {
    for (int links = 0; cur().is_op("|") || start_inline; chain_link(links)) {
      if (!start_inline) advance();
      start_inline = false;
      const int line = cur().line;
      std::string name = parse_dotted_name();
      if (!find_filter(name)) fail(line, "no filter named '" + name + "'");
      auto f = std::make_unique<FilterExpr>(line, std::move(node), std::move(name));
      if (cur().is_op("(")) parse_call_args(f->args);
      node = std::move(f);
    }
    return node;
  }

  ExprPtr parse_test(ExprPtr node) {
    const int line = advance().line;  // 'is'
    const bool negated = skip_name("not");
    std::string name = parse_dotted_name();
    if (!find_test(name)) fail(line, "no test named '" + name + "'");
    auto t = std::make_unique<TestExpr>(line, std::move(node), std::move(name), negated);
    const Token& c = cur();
    if (c.is_op("(")) {
      parse_call_args(t->args);
    } else if ((c.type == Tok::Name || c.type == Tok::String || c.type == Tok::Int || c.type == Tok::Float ||
                c.is_op("(") || c.is_op("[") || c.is_op("{")) &&
               !c.is_name("else") && !c.is_name("or") && !c.is_name("and")) {
      if (c.is_name("is")) fail(c.line, "you cannot chain multiple tests with is");
      ExprPtr arg = parse_primary();
      t->args.positional.push_back(parse_postfix(std::move(arg)));
    }
    return t;
  }
};

}  // namespace

Body parse_template(std::string_view source, const ParseLimits& limits) {
  return Parser(tokenize(source), limits).parse();
}

}  // namespace hearth::chat
