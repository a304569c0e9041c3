#pragma once
// Methods of Python's str, dict and list that templates call
// (message.content.startswith('<'), tool.items(), ...). Methods that would
// modify a list or dict are refused as jinja2's ImmutableSandboxedEnvironment
// refuses them: the attribute is undefined and calling it is an error.
#include <optional>
#include <string_view>

#include "chat/value.h"

namespace hearth::chat {

// The bound method obj.name, an undefined value that errors when called for
// an unsafe method, or nullopt when obj has no such method.
std::optional<Value> bind_method(const Value& obj, std::string_view name);

}  // namespace hearth::chat
