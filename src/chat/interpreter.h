#pragma once
// Renders a parsed template: statements, expressions, scopes and the limits
// that keep a hostile template from running away with time or memory.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/ast.h"
#include "chat/value.h"

namespace hearth::chat {

struct RenderLimits {
  size_t max_output = size_t{64} << 20;  // bytes of output, and of any one string
  size_t max_items = size_t{1} << 20;    // items in any one list
  uint64_t max_steps = 5'000'000;       // statements, expressions, loop iterations and work on data
  int max_call_depth = 100;              // nested macro calls
};

class Interpreter {
 public:
  explicit Interpreter(const RenderLimits& limits) : limits_(limits) {}

  // context: the template's variables (a dict with string keys).
  // Throws TemplateError (naming the line) or TemplateRaised.
  std::string render(const Body& body, const Value& context);

  // For filters, tests, methods and globals.
  Value call(const Value& callee, CallArgs& args);
  Value call_filter(const std::string& name, const Value& value, CallArgs& args);
  bool call_test(const std::string& name, const Value& value, CallArgs& args);
  // jinja2's environment.getattr / getitem: obj.name and obj[key].
  Value getattr(const Value& obj, const std::string& name);
  Value getitem(const Value& obj, const Value& key);
  // Refuses strings and lists beyond the limits before they are built.
  void check_size(size_t bytes) const;
  void check_items(size_t n) const;
  const RenderLimits& limits() const { return limits_; }
  // Namespaces are the one mutable value, so the only way to build a
  // reference cycle ({% set ns.self = ns %}); render() empties every
  // namespace it created when it ends, which breaks such cycles.
  void track(const std::shared_ptr<Namespace>& ns) { namespaces_.push_back(ns); }
  // Counts units of work against max_steps.
  void charge(uint64_t units);

 private:
  struct Scope {
    std::unordered_map<std::string, Value> vars;
    std::shared_ptr<Scope> parent;
  };
  enum class Flow { Normal, Break, Continue };

  Flow exec(const Body& body);
  Flow exec(const Stmt& stmt);
  Flow exec_for(const ForStmt& s);
  Value eval(const Expr& e);
  Value eval_inner(const Expr& e);
  CallArgs eval_args(const CallArgsExpr& a);
  Value eval_slice(const Value& obj, const SliceExpr& s);
  Value apply_filter_chain(const Expr& chain, const Value& input);
  Value lookup(const std::string& name) const;
  void assign(const Target& t, const Value& v);
  void emit(const std::string& text);
  // Renders body into a string in a new scope (set blocks, filter blocks).
  std::string capture(const Body& body);
  Value make_macro(const std::shared_ptr<MacroDef>& def);
  Value call_macro(const MacroDef& def, const std::weak_ptr<Scope>& closure, CallArgs& args);
  void tick();

  RenderLimits limits_;
  std::string* out_ = nullptr;
  std::shared_ptr<Scope> scope_;
  std::shared_ptr<Scope> template_scope_;
  int line_ = 0;
  uint64_t steps_ = 0;
  int call_depth_ = 0;
  std::vector<std::weak_ptr<Namespace>> namespaces_;
};

}  // namespace hearth::chat
