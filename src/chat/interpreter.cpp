#include "chat/interpreter.h"

#include <stdexcept>

#include "chat/errors.h"
#include "chat/filters.h"
#include "chat/globals.h"
#include "chat/methods.h"
#include "chat/operators.h"
#include "chat/unicode.h"

namespace hearth::chat {
namespace {

// "'dict object'", as jinja2 names objects in undefined-attribute messages.
std::string object_name(const Value& v) {
  if (v.is_none()) return "None";
  return std::string(type_name(v)) + " object";
}

Value missing_attribute(const Value& obj, const std::string& name) {
  return Value::undefined(cat("'", object_name(obj), "' has no attribute '", name, "'"));
}

// Restores a member when the scope ends (also on errors, though an error
// ends the render anyway).
template <typename T>
struct Restore {
  T& ref;
  T saved;
  Restore(T& r, T value) : ref(r), saved(std::move(r)) { ref = std::move(value); }
  ~Restore() { ref = std::move(saved); }
};

}  // namespace

namespace {
thread_local Interpreter* g_active = nullptr;  // the render running on this thread
}  // namespace

void charge_work(uint64_t units) {
  if (g_active) g_active->charge(units);
}

uint64_t work_units(const Value& v) {
  switch (v.type()) {
    case Value::Type::String: return 1 + v.str().size() / 128;
    case Value::Type::List:
    case Value::Type::Tuple: return 1 + v.items().size();
    case Value::Type::Dict: return 1 + v.dict().size();
    case Value::Type::Iterator: return 1 + v.iter().items.size();
    default: return 1;
  }
}

void Interpreter::charge(uint64_t units) {
  steps_ += units;
  if (steps_ > limits_.max_steps) eval_fail("template exceeds the evaluation limit (", limits_.max_steps, " steps)");
}

void Interpreter::tick() { charge(1); }

void Interpreter::check_size(size_t bytes) const {
  if (bytes > limits_.max_output) eval_fail("string result exceeds the template output limit (", limits_.max_output, " bytes)");
}

void Interpreter::check_items(size_t n) const {
  if (n > limits_.max_items) eval_fail("list result exceeds the template item limit (", limits_.max_items, " items)");
}

std::string Interpreter::render(const Body& body, const Value& context) {
  struct Cleanup {
    Interpreter& in;
    Interpreter* previous;
    ~Cleanup() {
      g_active = previous;
      in.scope_.reset();
      in.template_scope_.reset();
      for (const auto& weak : in.namespaces_)
        if (auto ns = weak.lock()) ns->attrs.entries.clear();
      in.namespaces_.clear();
    }
  } cleanup{*this, g_active};
  g_active = this;
  auto globals = std::make_shared<Scope>();
  add_globals(globals->vars);
  template_scope_ = std::make_shared<Scope>();
  template_scope_->parent = globals;
  if (context.is_dict())
    for (const auto& [k, v] : context.dict().entries)
      if (k.is_string()) template_scope_->vars[k.str()] = v;
  scope_ = template_scope_;
  std::string out;
  out_ = &out;
  steps_ = 0;
  call_depth_ = 0;
  try {
    exec(body);
  } catch (const EvalError& e) {
    throw TemplateError(line_, e.what());
  } catch (const std::logic_error& e) {  // a standard library check (out_of_range...): still the template's fault
    throw TemplateError(line_, cat("invalid operation: ", e.what()));
  }
  return out;
}

void Interpreter::emit(const std::string& text) {
  charge(text.size() / 128);
  if (out_->size() + text.size() > limits_.max_output)
    eval_fail("template output exceeds the limit (", limits_.max_output, " bytes)");
  out_->append(text);
}

Value Interpreter::lookup(const std::string& name) const {
  for (const Scope* s = scope_.get(); s; s = s->parent.get()) {
    auto it = s->vars.find(name);
    if (it != s->vars.end()) return it->second;
  }
  return Value::undefined(cat("'", name, "' is undefined"));
}

void Interpreter::assign(const Target& t, const Value& v) {
  switch (t.kind) {
    case Target::Kind::Name: scope_->vars[t.name] = v; return;
    case Target::Kind::Tuple: {
      if (v.is_undefined()) undefined_error(v);
      const std::vector<Value> items = iterate(v);
      if (items.size() > t.items.size())
        eval_fail("too many values to unpack (expected ", t.items.size(), ")");
      if (items.size() < t.items.size())
        eval_fail("not enough values to unpack (expected ", t.items.size(), ", got ", items.size(), ")");
      for (size_t i = 0; i < items.size(); ++i) assign(t.items[i], items[i]);
      return;
    }
    case Target::Kind::NsAttr: {
      const Value ns = lookup(t.name);
      if (!ns.is_namespace()) eval_fail("cannot assign attribute on non-namespace object");
      ns.ns().attrs.set(Value(t.attr), v);
      return;
    }
  }
}

std::string Interpreter::capture(const Body& body) {
  std::string buf;
  auto inner = std::make_shared<Scope>();
  inner->parent = scope_;
  Restore<std::string*> out_guard(out_, &buf);
  Restore<std::shared_ptr<Scope>> scope_guard(scope_, inner);
  exec(body);
  return buf;
}

// ---- statements

Interpreter::Flow Interpreter::exec(const Body& body) {
  for (const auto& s : body) {
    const Flow f = exec(*s);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& stmt) {
  tick();
  line_ = stmt.line;
  switch (stmt.kind) {
    case StmtKind::Text: emit(static_cast<const TextStmt&>(stmt).text); return Flow::Normal;
    case StmtKind::Output: emit(to_str(eval(*static_cast<const OutputStmt&>(stmt).expr))); return Flow::Normal;
    case StmtKind::If: {
      const auto& s = static_cast<const IfStmt&>(stmt);
      for (const auto& [cond, body] : s.branches)
        if (truthy(eval(*cond))) return exec(body);
      return exec(s.otherwise);
    }
    case StmtKind::For: return exec_for(static_cast<const ForStmt&>(stmt));
    case StmtKind::Set: {
      const auto& s = static_cast<const SetStmt&>(stmt);
      assign(s.target, eval(*s.value));
      return Flow::Normal;
    }
    case StmtKind::SetBlock: {
      const auto& s = static_cast<const SetBlockStmt&>(stmt);
      Value v(capture(s.body));
      if (s.filter) v = apply_filter_chain(*s.filter, v);
      assign(s.target, v);
      return Flow::Normal;
    }
    case StmtKind::Macro: {
      const auto& s = static_cast<const MacroStmt&>(stmt);
      scope_->vars[s.def->name] = make_macro(s.def);
      return Flow::Normal;
    }
    case StmtKind::CallBlock: {
      const auto& s = static_cast<const CallBlockStmt&>(stmt);
      const auto& call_expr = static_cast<const CallExpr&>(*s.call);
      const Value callee = eval(*call_expr.callee);
      CallArgs args = eval_args(call_expr.args);
      args.keyword.emplace_back("caller", make_macro(s.caller));
      line_ = stmt.line;
      emit(to_str(call(callee, args)));
      return Flow::Normal;
    }
    case StmtKind::FilterBlock: {
      const auto& s = static_cast<const FilterBlockStmt&>(stmt);
      const Value v = apply_filter_chain(*s.filter, Value(capture(s.body)));
      emit(to_str(v));
      return Flow::Normal;
    }
    case StmtKind::With: {
      const auto& s = static_cast<const WithStmt&>(stmt);
      std::vector<Value> values;
      for (const auto& e : s.values) values.push_back(eval(*e));
      auto inner = std::make_shared<Scope>();
      inner->parent = scope_;
      Restore<std::shared_ptr<Scope>> guard(scope_, inner);
      for (size_t i = 0; i < values.size(); ++i) assign(s.targets[i], values[i]);
      return exec(s.body);
    }
    case StmtKind::Break: return Flow::Break;
    case StmtKind::Continue: return Flow::Continue;
    case StmtKind::Scope: {
      auto inner = std::make_shared<Scope>();
      inner->parent = scope_;
      Restore<std::shared_ptr<Scope>> guard(scope_, inner);
      return exec(static_cast<const ScopeStmt&>(stmt).body);
    }
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_for(const ForStmt& s) {
  const Value iterable = eval(*s.iter);
  if (iterable.is_none() || iterable.is_integral() || iterable.is_float() || iterable.is_function() ||
      iterable.is_namespace())
    eval_fail("'", type_name(iterable), "' object is not iterable");
  std::vector<Value> items = iterate(iterable);
  const std::shared_ptr<Scope> outer = scope_;
  if (s.filter) {
    std::vector<Value> kept;
    for (Value& item : items) {
      tick();
      auto inner = std::make_shared<Scope>();
      inner->parent = outer;
      Restore<std::shared_ptr<Scope>> guard(scope_, inner);
      assign(s.target, item);
      if (truthy(eval(*s.filter))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    auto inner = std::make_shared<Scope>();
    inner->parent = outer;
    Restore<std::shared_ptr<Scope>> guard(scope_, inner);
    return exec(s.otherwise);
  }
  const int64_t n = static_cast<int64_t>(items.size());
  auto last_changed = std::make_shared<std::optional<std::vector<Value>>>();
  // loop.changed(loop) would make a cycle through this state: drop it at the end.
  struct ResetChanged {
    std::shared_ptr<std::optional<std::vector<Value>>> state;
    ~ResetChanged() { state->reset(); }
  } reset_changed{last_changed};
  for (int64_t i = 0; i < n; ++i) {
    tick();
    auto inner = std::make_shared<Scope>();
    inner->parent = outer;
    Restore<std::shared_ptr<Scope>> guard(scope_, inner);
    assign(s.target, items[i]);
    Dict loop;
    loop.entries.reserve(14);
    auto put = [&loop](const char* k, Value v) { loop.entries.emplace_back(Value(k), std::move(v)); };
    put("index", Value(i + 1));
    put("index0", Value(i));
    put("revindex", Value(n - i));
    put("revindex0", Value(n - i - 1));
    put("first", Value(i == 0));
    put("last", Value(i == n - 1));
    put("length", Value(n));
    put("depth", Value(int64_t{1}));
    put("depth0", Value(int64_t{0}));
    put("previtem", i > 0 ? items[i - 1] : Value::undefined("there is no previous item"));
    put("nextitem", i + 1 < n ? items[i + 1] : Value::undefined("there is no next item"));
    put("cycle", Value::function("loop.cycle", [i](Interpreter&, CallArgs& a) -> Value {
          if (a.positional.empty()) eval_fail("no items for cycling given");
          return a.positional[static_cast<size_t>(i) % a.positional.size()];
        }));
    put("changed", Value::function("loop.changed", [last_changed](Interpreter&, CallArgs& a) -> Value {
          if (*last_changed) {
            const auto& prev = **last_changed;
            bool same = prev.size() == a.positional.size();
            for (size_t k = 0; same && k < prev.size(); ++k) same = equals(prev[k], a.positional[k]);
            if (same) return Value(false);
          }
          *last_changed = a.positional;
          return Value(true);
        }));
    inner->vars["loop"] = Value::dict(std::move(loop));
    const Flow f = exec(s.body);
    if (f == Flow::Break) break;
  }
  return Flow::Normal;
}

// ---- macros

Value Interpreter::make_macro(const std::shared_ptr<MacroDef>& def) {
  std::weak_ptr<Scope> closure = scope_;
  std::shared_ptr<MacroDef> keep = def;
  return Value::function(def->name, [keep, closure](Interpreter& in, CallArgs& args) {
    return in.call_macro(*keep, closure, args);
  });
}

Value Interpreter::call_macro(const MacroDef& def, const std::weak_ptr<Scope>& closure, CallArgs& args) {
  if (call_depth_ >= limits_.max_call_depth)
    eval_fail("maximum recursion depth exceeded (", limits_.max_call_depth, " nested macro calls)");
  Restore<int> depth_guard(call_depth_, call_depth_ + 1);
  auto scope = std::make_shared<Scope>();
  scope->parent = closure.lock();
  if (!scope->parent) scope->parent = template_scope_;

  const size_t n_params = def.params.size();
  std::vector<std::optional<Value>> bound(n_params);
  for (size_t i = 0; i < args.positional.size() && i < n_params; ++i) bound[i] = args.positional[i];
  std::vector<std::pair<std::string, Value>> extra_kw;
  std::optional<Value> caller;
  for (auto& [name, value] : args.keyword) {
    bool used = false;
    for (size_t i = args.positional.size(); i < n_params; ++i) {
      if (def.params[i] == name) {
        if (!bound[i]) {
          bound[i] = value;
          used = true;
        }
        break;
      }
    }
    if (used) continue;
    if (name == "caller" && def.uses_caller && !caller) {
      caller = value;
      continue;
    }
    extra_kw.emplace_back(name, value);
  }
  if (!extra_kw.empty() && !def.uses_kwargs) {
    if (extra_kw[0].first == "caller")
      eval_fail("macro '", def.name, "' was invoked with two values for the special caller argument");
    eval_fail("macro '", def.name, "' takes no keyword argument '", extra_kw[0].first, "'");
  }
  if (args.positional.size() > n_params && !def.uses_varargs)
    eval_fail("macro '", def.name, "' takes not more than ", n_params, " argument(s)");

  Restore<std::shared_ptr<Scope>> scope_guard(scope_, scope);
  for (size_t i = 0; i < n_params; ++i) {
    Value v;
    if (bound[i]) v = *bound[i];
    else if (def.defaults[i]) v = eval(*def.defaults[i]);
    else v = Value::undefined(cat("parameter '", def.params[i], "' was not provided"));
    scope->vars[def.params[i]] = v;
  }
  if (def.uses_caller) scope->vars["caller"] = caller ? *caller : Value::undefined("No caller defined");
  if (def.uses_kwargs) {
    Dict kw;
    for (auto& [k, v] : extra_kw) kw.set(Value(k), v);
    scope->vars["kwargs"] = Value::dict(std::move(kw));
  }
  if (def.uses_varargs) {
    std::vector<Value> rest;
    for (size_t i = n_params; i < args.positional.size(); ++i) rest.push_back(args.positional[i]);
    scope->vars["varargs"] = Value::tuple(std::move(rest));
  }
  std::string buf;
  Restore<std::string*> out_guard(out_, &buf);
  exec(def.body);
  return Value(std::move(buf));
}

// ---- calls, attributes, items

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (callee.is_undefined()) undefined_error(callee);
  if (!callee.is_function()) eval_fail("'", type_name(callee), "' object is not callable");
  return callee.fn().call(*this, args);
}

Value Interpreter::call_filter(const std::string& name, const Value& value, CallArgs& args) {
  const FilterFn fn = find_filter(name);
  if (!fn) eval_fail("no filter named '", name, "'");
  return fn(*this, value, args);
}

bool Interpreter::call_test(const std::string& name, const Value& value, CallArgs& args) {
  const TestFn fn = find_test(name);
  if (!fn) eval_fail("no test named '", name, "'");
  return fn(*this, value, args);
}

Value Interpreter::getattr(const Value& obj, const std::string& name) {
  switch (obj.type()) {
    case Value::Type::Undefined: undefined_error(obj);
    case Value::Type::Dict: {
      if (auto m = bind_method(obj, name)) return *m;
      if (const Value* v = obj.dict().find(std::string_view(name))) return *v;
      return missing_attribute(obj, name);
    }
    case Value::Type::Namespace: {
      if (const Value* v = obj.ns().attrs.find(std::string_view(name))) return *v;
      return missing_attribute(obj, name);
    }
    default:
      if (auto m = bind_method(obj, name)) return *m;
      return missing_attribute(obj, name);
  }
}

Value Interpreter::getitem(const Value& obj, const Value& key) {
  switch (obj.type()) {
    case Value::Type::Undefined: undefined_error(obj);
    case Value::Type::Dict: {
      if (const Value* v = obj.dict().find(key)) return *v;
      break;
    }
    case Value::Type::List:
    case Value::Type::Tuple:
    case Value::Type::String: {
      if (!key.is_integral()) break;
      int64_t i = key.as_int();
      if (obj.is_string()) {
        const std::string& s = obj.str();
        if (unicode::is_ascii(s)) {
          const int64_t n = static_cast<int64_t>(s.size());
          if (i < 0) i += n;
          if (i < 0 || i >= n) return Value::undefined(cat("'str object' has no element ", key.as_int()));
          return Value(std::string(1, s[static_cast<size_t>(i)]));
        }
        const std::u32string cps = unicode::decode(s);
        const int64_t n = static_cast<int64_t>(cps.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::undefined(cat("'str object' has no element ", key.as_int()));
        std::string out;
        unicode::append_utf8(out, cps[static_cast<size_t>(i)]);
        return Value(std::move(out));
      }
      const auto& items = obj.items();
      const int64_t n = static_cast<int64_t>(items.size());
      if (i < 0) i += n;
      if (i < 0 || i >= n) return Value::undefined(cat("'", object_name(obj), "' has no element ", key.as_int()));
      return items[static_cast<size_t>(i)];
    }
    default: break;
  }
  // jinja2 falls back to the attribute of that name.
  if (key.is_string()) {
    if (obj.is_namespace()) {
      if (const Value* v = obj.ns().attrs.find(std::string_view(key.str()))) return *v;
    } else if (auto m = bind_method(obj, key.str())) {
      return *m;
    }
    return missing_attribute(obj, key.str());
  }
  return Value::undefined(cat("'", object_name(obj), "' has no element ", repr(key)));
}

Value Interpreter::eval_slice(const Value& obj, const SliceExpr& s) {
  const Value start = s.start ? eval(*s.start) : Value::none();
  const Value stop = s.stop ? eval(*s.stop) : Value::none();
  const Value step_v = s.step ? eval(*s.step) : Value::none();
  if (obj.is_undefined()) undefined_error(obj);
  auto ok = [](const Value& v) { return v.is_none() || v.is_integral(); };
  if (!(obj.is_string() || obj.is_sequence()) || !ok(start) || !ok(stop) || !ok(step_v))
    return Value::undefined(cat("'", object_name(obj), "' cannot be sliced"));
  const int64_t step = step_v.is_none() ? 1 : step_v.as_int();
  if (step == 0) eval_fail("slice step cannot be zero");
  std::u32string cps;
  const bool is_str = obj.is_string();
  if (is_str) cps = unicode::decode(obj.str());
  const int64_t len = is_str ? static_cast<int64_t>(cps.size()) : static_cast<int64_t>(obj.items().size());
  auto clamp = [&](const Value& v, int64_t def) {
    if (v.is_none()) return def;
    int64_t i = v.as_int();
    if (i < 0) {
      i += len;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= len) {
      i = step < 0 ? len - 1 : len;
    }
    return i;
  };
  charge(work_units(obj));
  const int64_t b = clamp(start, step < 0 ? len - 1 : 0);
  const int64_t e = clamp(stop, step < 0 ? -1 : len);
  std::vector<int64_t> idx;
  for (int64_t i = b; step > 0 ? i < e : i > e; i += step) idx.push_back(i);
  if (is_str) {
    std::u32string out;
    out.reserve(idx.size());
    for (int64_t i : idx) out.push_back(cps[static_cast<size_t>(i)]);
    return Value(unicode::encode(out));
  }
  std::vector<Value> out;
  out.reserve(idx.size());
  for (int64_t i : idx) out.push_back(obj.items()[static_cast<size_t>(i)]);
  return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

// ---- expressions

CallArgs Interpreter::eval_args(const CallArgsExpr& a) {
  CallArgs out;
  for (const auto& e : a.positional) out.positional.push_back(eval(*e));
  if (a.star) {
    const Value v = eval(*a.star);
    for (Value& item : iterate(v)) out.positional.push_back(std::move(item));
  }
  for (const auto& [k, e] : a.keyword) out.keyword.emplace_back(k, eval(*e));
  if (a.star_star) {
    const Value v = eval(*a.star_star);
    if (!v.is_dict()) eval_fail("argument after ** must be a mapping, not ", type_name(v));
    for (const auto& [k, val] : v.dict().entries) {
      if (!k.is_string()) eval_fail("keywords must be strings");
      out.keyword.emplace_back(k.str(), val);
    }
  }
  return out;
}

Value Interpreter::apply_filter_chain(const Expr& chain, const Value& input) {
  const auto& f = static_cast<const FilterExpr&>(chain);
  const Value base = f.base ? apply_filter_chain(*f.base, input) : input;
  CallArgs args = eval_args(f.args);
  line_ = f.line;
  return call_filter(f.name, base, args);
}

Value Interpreter::eval(const Expr& e) {
  tick();
  const int saved = line_;
  line_ = e.line;
  Value v = eval_inner(e);
  line_ = saved;
  return v;
}

Value Interpreter::eval_inner(const Expr& e) {
  switch (e.kind) {
    case ExprKind::Literal: return static_cast<const LiteralExpr&>(e).value;
    case ExprKind::Name: return lookup(static_cast<const NameExpr&>(e).name);
    case ExprKind::List:
    case ExprKind::Tuple: {
      const auto& s = static_cast<const SequenceExpr&>(e);
      std::vector<Value> items;
      items.reserve(s.items.size());
      for (const auto& item : s.items) {
        if (item->kind == ExprKind::Slice) eval_fail("a slice is only allowed inside []");
        items.push_back(eval(*item));
      }
      return e.kind == ExprKind::List ? Value::list(std::move(items)) : Value::tuple(std::move(items));
    }
    case ExprKind::Dict: {
      Dict d;
      for (const auto& [k, v] : static_cast<const DictExpr&>(e).items) {
        Value key = eval(*k);
        if (key.is_list() || key.is_dict() || key.is_undefined() || key.is_iterator() || key.is_namespace())
          eval_fail("unhashable type: '", type_name(key), "'");
        d.set(key, eval(*v));
      }
      return Value::dict(std::move(d));
    }
    case ExprKind::GetAttr: {
      const auto& g = static_cast<const GetAttrExpr&>(e);
      const Value obj = eval(*g.object);
      line_ = e.line;
      return getattr(obj, g.name);
    }
    case ExprKind::GetItem: {
      const auto& g = static_cast<const GetItemExpr&>(e);
      const Value obj = eval(*g.object);
      if (g.index->kind == ExprKind::Slice) return eval_slice(obj, static_cast<const SliceExpr&>(*g.index));
      const Value key = eval(*g.index);
      line_ = e.line;
      return getitem(obj, key);
    }
    case ExprKind::Slice: eval_fail("a slice is only allowed inside []");
    case ExprKind::Call: {
      const auto& c = static_cast<const CallExpr&>(e);
      const Value callee = eval(*c.callee);
      CallArgs args = eval_args(c.args);
      line_ = e.line;
      return call(callee, args);
    }
    case ExprKind::Filter: {
      const auto& f = static_cast<const FilterExpr&>(e);
      const Value base = eval(*f.base);
      CallArgs args = eval_args(f.args);
      line_ = e.line;
      return call_filter(f.name, base, args);
    }
    case ExprKind::Test: {
      const auto& t = static_cast<const TestExpr&>(e);
      const Value base = eval(*t.base);
      CallArgs args = eval_args(t.args);
      line_ = e.line;
      const bool r = call_test(t.name, base, args);
      return Value(t.negated ? !r : r);
    }
    case ExprKind::Not: return Value(!truthy(eval(*static_cast<const UnaryExpr&>(e).operand)));
    case ExprKind::Neg: return unary_minus(eval(*static_cast<const UnaryExpr&>(e).operand));
    case ExprKind::Pos: return unary_plus(eval(*static_cast<const UnaryExpr&>(e).operand));
    case ExprKind::Binary: {
      const auto& b = static_cast<const BinaryExpr&>(e);
      Value left = eval(*b.left);
      if (b.op == BinOp::And) return truthy(left) ? eval(*b.right) : left;
      if (b.op == BinOp::Or) return truthy(left) ? left : eval(*b.right);
      const Value right = eval(*b.right);
      line_ = e.line;
      return binary_op(b.op, left, right, *this);
    }
    case ExprKind::Concat: {
      std::string out;
      for (const auto& p : static_cast<const ConcatExpr&>(e).parts) {
        out += to_str(eval(*p));
        charge(1 + out.size() / 128);
        check_size(out.size());
      }
      return Value(std::move(out));
    }
    case ExprKind::Compare: {
      const auto& c = static_cast<const CompareExpr&>(e);
      Value left = eval(*c.first);
      for (const auto& [op, rhs] : c.rest) {
        Value right = eval(*rhs);
        line_ = e.line;
        if (!compare(op, left, right)) return Value(false);
        left = std::move(right);
      }
      return Value(true);
    }
    case ExprKind::Cond: {
      const auto& c = static_cast<const CondExpr&>(e);
      if (truthy(eval(*c.test))) return eval(*c.then);
      if (c.otherwise) return eval(*c.otherwise);
      return Value::undefined("the inline if-expression evaluated to false and no else section was defined");
    }
  }
  eval_fail("bad expression");
}

}  // namespace hearth::chat
