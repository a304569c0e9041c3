#pragma once
// Binds the arguments of a call to a builtin (filter, test, method, global)
// to its parameter names, Python style: positional first, then by keyword.
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/value.h"

namespace hearth::chat {

class ArgReader {
 public:
  ArgReader(std::string_view function, const CallArgs& args, std::initializer_list<std::string_view> names)
      : function_(function), values_(names.size(), nullptr) {
    const std::vector<std::string_view> params(names);
    if (args.positional.size() > params.size())
      eval_fail(function, "() takes at most ", params.size(), " argument(s) (", args.positional.size(), " given)");
    for (size_t i = 0; i < args.positional.size(); ++i) values_[i] = &args.positional[i];
    for (const auto& [name, value] : args.keyword) {
      size_t k = 0;
      while (k < params.size() && params[k] != name) ++k;
      if (k == params.size()) eval_fail(function, "() got an unexpected keyword argument '", name, "'");
      if (values_[k]) eval_fail(function, "() got multiple values for argument '", name, "'");
      values_[k] = &value;
    }
  }

  const Value* get(size_t i) const { return values_[i]; }
  bool has(size_t i) const { return values_[i] != nullptr && !values_[i]->is_none(); }
  Value get_or(size_t i, const Value& fallback) const { return values_[i] ? *values_[i] : fallback; }
  const Value& required(size_t i, std::string_view name) const {
    if (!values_[i]) eval_fail(function_, "() missing required argument '", name, "'");
    return *values_[i];
  }

  int64_t int_or(size_t i, int64_t fallback) const {
    if (!values_[i] || values_[i]->is_none()) return fallback;
    if (!values_[i]->is_integral())
      eval_fail(function_, "(): '", type_name(*values_[i]), "' object cannot be interpreted as an integer");
    return values_[i]->as_int();
  }
  bool bool_or(size_t i, bool fallback) const { return values_[i] ? truthy(*values_[i]) : fallback; }
  std::optional<std::string> str_opt(size_t i) const {
    if (!values_[i] || values_[i]->is_none()) return std::nullopt;
    if (!values_[i]->is_string())
      eval_fail(function_, "() argument must be str or None, not ", type_name(*values_[i]));
    return values_[i]->str();
  }
  std::string str(size_t i, std::string_view name) const {
    const Value& v = required(i, name);
    if (!v.is_string()) eval_fail(function_, "() argument must be str, not ", type_name(v));
    return v.str();
  }

 private:
  std::string_view function_;
  std::vector<const Value*> values_;
};

}  // namespace hearth::chat
