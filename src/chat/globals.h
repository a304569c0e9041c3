#pragma once
// The global functions a template sees: jinja2's range, dict, namespace,
// cycler, joiner, and Hugging Face's raise_exception and strftime_now.
#include <string>
#include <unordered_map>

#include "chat/value.h"

namespace hearth::chat {

void add_globals(std::unordered_map<std::string, Value>& vars);

}  // namespace hearth::chat
