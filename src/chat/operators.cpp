#include "chat/operators.h"

#include <cmath>

#include "chat/interpreter.h"
#include "chat/string_ops.h"

namespace hearth::chat {
namespace {

const char* op_symbol(BinOp op) {
  switch (op) {
    case BinOp::Add: return "+";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
    case BinOp::Div: return "/";
    case BinOp::FloorDiv: return "//";
    case BinOp::Mod: return "%";
    case BinOp::Pow: return "** or pow()";
    default: return "?";
  }
}

[[noreturn]] void unsupported(BinOp op, const Value& a, const Value& b) {
  eval_fail("unsupported operand type(s) for ", op_symbol(op), ": '", type_name(a), "' and '", type_name(b), "'");
}

void check_overflow(bool overflow) {
  if (overflow) eval_fail("integer overflow");
}

Value repeat(const Value& seq, int64_t n, const Interpreter& interp) {
  if (n < 0) n = 0;
  if (seq.is_string() ? seq.str().empty() : seq.items().empty()) n = 0;
  if (seq.is_string()) {
    const size_t len = seq.str().size();
    if (len && static_cast<uint64_t>(n) > interp.limits().max_output / len)
      eval_fail("string result exceeds the template output limit");
    charge_work(1 + len * static_cast<uint64_t>(n) / 128);
    std::string out;
    out.reserve(len * static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) out += seq.str();
    return Value(std::move(out));
  }
  const auto& items = seq.items();
  if (!items.empty() && static_cast<uint64_t>(n) > interp.limits().max_items / items.size())
    eval_fail("list result exceeds the template item limit");
  charge_work(static_cast<uint64_t>(n) * work_units(seq));
  std::vector<Value> out;
  out.reserve(items.size() * static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.insert(out.end(), items.begin(), items.end());
  return seq.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
}

// Python's float floor division and modulo (CPython's float_divmod).
void float_divmod(double vx, double wx, double& floordiv, double& mod) {
  if (wx == 0) eval_fail("float division by zero");
  mod = std::fmod(vx, wx);
  double div = (vx - mod) / wx;
  if (mod != 0) {
    if ((wx < 0) != (mod < 0)) {
      mod += wx;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, wx);
  }
  if (div != 0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, vx / wx);
  }
}

}  // namespace

Value binary_op(BinOp op, const Value& a, const Value& b, const Interpreter& interp) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  const bool nums = a.is_number() && b.is_number();
  const bool ints = a.is_integral() && b.is_integral();
  switch (op) {
    case BinOp::Add: {
      if (ints) {
        int64_t r;
        check_overflow(__builtin_add_overflow(a.as_int(), b.as_int(), &r));
        return Value(r);
      }
      if (nums) return Value(a.as_double() + b.as_double());
      if (a.is_string() && b.is_string()) {
        interp.check_size(a.str().size() + b.str().size());
        charge_work(1 + (a.str().size() + b.str().size()) / 128);
        return Value(a.str() + b.str());
      }
      if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
        interp.check_items(a.items().size() + b.items().size());
        charge_work(1 + a.items().size() + b.items().size());
        std::vector<Value> out = a.items();
        out.insert(out.end(), b.items().begin(), b.items().end());
        return a.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
      }
      if (a.is_string() || a.is_list() || a.is_tuple())
        eval_fail("can only concatenate ", type_name(a), " (not \"", type_name(b), "\") to ", type_name(a));
      unsupported(op, a, b);
    }
    case BinOp::Sub: {
      if (ints) {
        int64_t r;
        check_overflow(__builtin_sub_overflow(a.as_int(), b.as_int(), &r));
        return Value(r);
      }
      if (nums) return Value(a.as_double() - b.as_double());
      unsupported(op, a, b);
    }
    case BinOp::Mul: {
      if (ints) {
        int64_t r;
        check_overflow(__builtin_mul_overflow(a.as_int(), b.as_int(), &r));
        return Value(r);
      }
      if (nums) return Value(a.as_double() * b.as_double());
      if ((a.is_string() || a.is_sequence()) && b.is_integral()) return repeat(a, b.as_int(), interp);
      if (a.is_integral() && (b.is_string() || b.is_sequence())) return repeat(b, a.as_int(), interp);
      if ((a.is_string() || a.is_sequence()) || (b.is_string() || b.is_sequence()))
        eval_fail("can't multiply sequence by non-int of type '", type_name(a.is_number() ? a : b), "'");
      unsupported(op, a, b);
    }
    case BinOp::Div: {
      if (!nums) unsupported(op, a, b);
      if (b.as_double() == 0) eval_fail(ints ? "division by zero" : "float division by zero");
      return Value(a.as_double() / b.as_double());
    }
    case BinOp::FloorDiv:
    case BinOp::Mod: {
      if (op == BinOp::Mod && a.is_string()) {
        std::string r = pystr::percent_format(a.str(), b);
        interp.check_size(r.size());
        return Value(std::move(r));
      }
      if (!nums) unsupported(op, a, b);
      if (ints) {
        const int64_t x = a.as_int(), y = b.as_int();
        if (y == 0) eval_fail("integer division or modulo by zero");
        if (x == INT64_MIN && y == -1) {
          if (op == BinOp::Mod) return Value(int64_t{0});
          eval_fail("integer overflow");
        }
        int64_t q = x / y, r = x % y;
        if (r != 0 && ((r < 0) != (y < 0))) {
          q -= 1;
          r += y;
        }
        return Value(op == BinOp::FloorDiv ? q : r);
      }
      double fd, md;
      float_divmod(a.as_double(), b.as_double(), fd, md);
      return Value(op == BinOp::FloorDiv ? fd : md);
    }
    case BinOp::Pow: {
      if (!nums) unsupported(op, a, b);
      if (ints && b.as_int() >= 0) {
        int64_t base = a.as_int(), e = b.as_int(), r = 1;
        while (e > 0) {
          if (e & 1) check_overflow(__builtin_mul_overflow(r, base, &r));
          e >>= 1;
          if (e > 0) check_overflow(__builtin_mul_overflow(base, base, &base));
        }
        return Value(r);
      }
      const double x = a.as_double(), y = b.as_double();
      if (x == 0 && y < 0) eval_fail("0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y)) eval_fail("complex numbers are not supported");
      const double r = std::pow(x, y);
      if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) eval_fail("(34, 'Numerical result out of range')");
      return Value(r);
    }
    default: break;
  }
  eval_fail("bad operator");
}

Value unary_minus(const Value& v) {
  if (v.is_undefined()) undefined_error(v);
  if (v.is_integral()) {
    if (v.as_int() == INT64_MIN) eval_fail("integer overflow");
    return Value(-v.as_int());
  }
  if (v.is_float()) return Value(-v.as_double());
  eval_fail("bad operand type for unary -: '", type_name(v), "'");
}

Value unary_plus(const Value& v) {
  if (v.is_undefined()) undefined_error(v);
  if (v.is_integral()) return Value(v.as_int());
  if (v.is_float()) return v;
  eval_fail("bad operand type for unary +: '", type_name(v), "'");
}

bool less_than(const Value& a, const Value& b, const char* op) {
  if (a.is_undefined()) undefined_error(a);
  if (b.is_undefined()) undefined_error(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_float() || b.is_float()) return a.as_double() < b.as_double();
    return a.as_int() < b.as_int();
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str();
  if ((a.is_list() && b.is_list()) || (a.is_tuple() && b.is_tuple())) {
    const auto& x = a.items();
    const auto& y = b.items();
    charge_work(1 + std::min(x.size(), y.size()));
    for (size_t i = 0; i < x.size() && i < y.size(); ++i)
      if (!equals(x[i], y[i])) return less_than(x[i], y[i], op);
    return x.size() < y.size();
  }
  eval_fail("'", op, "' not supported between instances of '", type_name(a), "' and '", type_name(b), "'");
}

bool contains(const Value& container, const Value& item) {
  charge_work(work_units(container));
  switch (container.type()) {
    case Value::Type::Undefined: return false;
    case Value::Type::String:
      if (!item.is_string())
        eval_fail("'in <string>' requires string as left operand, not ", type_name(item));
      return container.str().find(item.str()) != std::string::npos;
    case Value::Type::List:
    case Value::Type::Tuple:
      for (const Value& v : container.items())
        if (equals(v, item)) return true;
      return false;
    case Value::Type::Dict: return container.dict().find(item) != nullptr;
    case Value::Type::Iterator: {
      Iterator& it = container.iter();
      while (it.pos < it.items.size())
        if (equals(it.items[it.pos++], item)) return true;
      return false;
    }
    default: eval_fail("argument of type '", type_name(container), "' is not iterable");
  }
}

bool compare(CmpOp op, const Value& a, const Value& b) {
  switch (op) {
    case CmpOp::Eq: return equals(a, b);
    case CmpOp::Ne: return !equals(a, b);
    case CmpOp::Lt: return less_than(a, b, "<");
    case CmpOp::Le: return less_than(a, b, "<=") || equals(a, b);
    case CmpOp::Gt: return less_than(b, a, ">");
    case CmpOp::Ge: return less_than(b, a, ">=") || equals(a, b);
    case CmpOp::In: return contains(b, a);
    case CmpOp::NotIn: return !contains(b, a);
  }
  return false;
}

}  // namespace hearth::chat
