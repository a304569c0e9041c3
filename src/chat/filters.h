#pragma once
// The filter (value|name) and test (value is name) tables: jinja2's builtins
// that chat templates use, plus Hugging Face's tojson.
#include <string_view>

#include "chat/value.h"

namespace hearth::chat {

using FilterFn = Value (*)(Interpreter&, const Value&, CallArgs&);
using TestFn = bool (*)(Interpreter&, const Value&, CallArgs&);

// nullptr when there is no such filter / test.
FilterFn find_filter(std::string_view name);
TestFn find_test(std::string_view name);

}  // namespace hearth::chat
