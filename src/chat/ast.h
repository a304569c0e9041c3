#pragma once
// The parsed template: expression and statement nodes, each with the line it
// came from (for error messages).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace hearth::chat {

// ---- expressions

enum class ExprKind {
  Literal, Name, List, Tuple, Dict, GetAttr, GetItem, Slice, Call, Filter, Test,
  Not, Neg, Pos, Binary, Concat, Compare, Cond,
};

struct Expr {
  Expr(ExprKind k, int l) : kind(k), line(l) {}
  virtual ~Expr() = default;
  ExprKind kind;
  int line;
};
using ExprPtr = std::unique_ptr<Expr>;

struct LiteralExpr : Expr {
  LiteralExpr(int l, Value v) : Expr(ExprKind::Literal, l), value(std::move(v)) {}
  Value value;
};

struct NameExpr : Expr {
  NameExpr(int l, std::string n) : Expr(ExprKind::Name, l), name(std::move(n)) {}
  std::string name;
};

// List and Tuple literals.
struct SequenceExpr : Expr {
  SequenceExpr(ExprKind k, int l) : Expr(k, l) {}
  std::vector<ExprPtr> items;
};

struct DictExpr : Expr {
  explicit DictExpr(int l) : Expr(ExprKind::Dict, l) {}
  std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

struct GetAttrExpr : Expr {
  GetAttrExpr(int l, ExprPtr o, std::string n) : Expr(ExprKind::GetAttr, l), object(std::move(o)), name(std::move(n)) {}
  ExprPtr object;
  std::string name;
};

// object[index]; index may be a SliceExpr.
struct GetItemExpr : Expr {
  GetItemExpr(int l, ExprPtr o, ExprPtr i) : Expr(ExprKind::GetItem, l), object(std::move(o)), index(std::move(i)) {}
  ExprPtr object, index;
};

// start:stop:step inside a subscript; any part may be null.
struct SliceExpr : Expr {
  explicit SliceExpr(int l) : Expr(ExprKind::Slice, l) {}
  ExprPtr start, stop, step;
};

struct CallArgsExpr {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star;       // *args
  ExprPtr star_star;  // **kwargs
};

struct CallExpr : Expr {
  CallExpr(int l, ExprPtr c) : Expr(ExprKind::Call, l), callee(std::move(c)) {}
  ExprPtr callee;
  CallArgsExpr args;
};

// value|name(args). base is null for the filters of {% filter %} and
// {% set x | f %}: they apply to the block's rendered text.
struct FilterExpr : Expr {
  FilterExpr(int l, ExprPtr b, std::string n) : Expr(ExprKind::Filter, l), base(std::move(b)), name(std::move(n)) {}
  ExprPtr base;
  std::string name;
  CallArgsExpr args;
};

// value is [not] name(args)
struct TestExpr : Expr {
  TestExpr(int l, ExprPtr b, std::string n, bool neg)
      : Expr(ExprKind::Test, l), base(std::move(b)), name(std::move(n)), negated(neg) {}
  ExprPtr base;
  std::string name;
  bool negated;
  CallArgsExpr args;
};

// not / unary - / unary +
struct UnaryExpr : Expr {
  UnaryExpr(ExprKind k, int l, ExprPtr o) : Expr(k, l), operand(std::move(o)) {}
  ExprPtr operand;
};

enum class BinOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, And, Or };

struct BinaryExpr : Expr {
  BinaryExpr(int l, BinOp o, ExprPtr a, ExprPtr b)
      : Expr(ExprKind::Binary, l), op(o), left(std::move(a)), right(std::move(b)) {}
  BinOp op;
  ExprPtr left, right;
};

// a ~ b ~ c
struct ConcatExpr : Expr {
  explicit ConcatExpr(int l) : Expr(ExprKind::Concat, l) {}
  std::vector<ExprPtr> parts;
};

enum class CmpOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

// a < b <= c: chained like Python.
struct CompareExpr : Expr {
  CompareExpr(int l, ExprPtr f) : Expr(ExprKind::Compare, l), first(std::move(f)) {}
  ExprPtr first;
  std::vector<std::pair<CmpOp, ExprPtr>> rest;
};

// then if test else otherwise (otherwise may be null: undefined)
struct CondExpr : Expr {
  explicit CondExpr(int l) : Expr(ExprKind::Cond, l) {}
  ExprPtr test, then, otherwise;
};

// ---- statements

enum class StmtKind { Text, Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, With, Break, Continue, Scope };

struct Stmt {
  Stmt(StmtKind k, int l) : kind(k), line(l) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  int line;
};
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// Assignment targets: a name, a tuple of targets, or namespace.attribute.
struct Target {
  enum class Kind { Name, Tuple, NsAttr } kind = Kind::Name;
  std::string name;
  std::string attr;
  std::vector<Target> items;
};

struct TextStmt : Stmt {
  TextStmt(int l, std::string t) : Stmt(StmtKind::Text, l), text(std::move(t)) {}
  std::string text;
};

struct OutputStmt : Stmt {
  OutputStmt(int l, ExprPtr e) : Stmt(StmtKind::Output, l), expr(std::move(e)) {}
  ExprPtr expr;
};

struct IfStmt : Stmt {
  explicit IfStmt(int l) : Stmt(StmtKind::If, l) {}
  std::vector<std::pair<ExprPtr, Body>> branches;  // if, elif...
  Body otherwise;
};

struct ForStmt : Stmt {
  explicit ForStmt(int l) : Stmt(StmtKind::For, l) {}
  Target target;
  ExprPtr iter;
  ExprPtr filter;  // for x in y if filter
  Body body, otherwise;
};

struct SetStmt : Stmt {
  explicit SetStmt(int l) : Stmt(StmtKind::Set, l) {}
  Target target;
  ExprPtr value;
};

struct SetBlockStmt : Stmt {
  explicit SetBlockStmt(int l) : Stmt(StmtKind::SetBlock, l) {}
  Target target;
  ExprPtr filter;  // a FilterExpr chain with a null innermost base, or null
  Body body;
};

struct MacroDef {
  std::string name;
  int line = 0;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // one per param, null where none
  Body body;
  bool uses_varargs = false, uses_kwargs = false, uses_caller = false;
};

struct MacroStmt : Stmt {
  explicit MacroStmt(int l) : Stmt(StmtKind::Macro, l) {}
  std::shared_ptr<MacroDef> def;
};

struct CallBlockStmt : Stmt {
  explicit CallBlockStmt(int l) : Stmt(StmtKind::CallBlock, l) {}
  ExprPtr call;                     // a CallExpr
  std::shared_ptr<MacroDef> caller;  // the block, as the macro "caller"
};

struct FilterBlockStmt : Stmt {
  explicit FilterBlockStmt(int l) : Stmt(StmtKind::FilterBlock, l) {}
  ExprPtr filter;  // FilterExpr chain with a null innermost base
  Body body;
};

struct WithStmt : Stmt {
  explicit WithStmt(int l) : Stmt(StmtKind::With, l) {}
  std::vector<Target> targets;
  std::vector<ExprPtr> values;
  Body body;
};

// Break and Continue carry nothing else.
struct LoopControlStmt : Stmt {
  LoopControlStmt(StmtKind k, int l) : Stmt(k, l) {}
};

// A body rendered in its own scope: {% generation %} from Hugging Face's
// AssistantTracker extension.
struct ScopeStmt : Stmt {
  explicit ScopeStmt(int l) : Stmt(StmtKind::Scope, l) {}
  Body body;
};

}  // namespace hearth::chat
