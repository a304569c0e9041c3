#pragma once
// Python's arithmetic, comparison and membership operators.
#include "chat/ast.h"
#include "chat/value.h"

namespace hearth::chat {

// Add, Sub, Mul, Div, FloorDiv, Mod (with printf-style formatting for
// strings) and Pow. String and list results are checked against the limits.
Value binary_op(BinOp op, const Value& a, const Value& b, const Interpreter& interp);
Value unary_minus(const Value& v);
Value unary_plus(const Value& v);
// Eq, Ne, Lt, Le, Gt, Ge, In, NotIn.
bool compare(CmpOp op, const Value& a, const Value& b);
// item in container
bool contains(const Value& container, const Value& item);
// a < b for Python's orderable types (numbers, strings, lists, tuples).
bool less_than(const Value& a, const Value& b, const char* op = "<");

}  // namespace hearth::chat
