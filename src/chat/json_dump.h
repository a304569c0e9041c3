#pragma once
// Python's json.dumps over template values, as Hugging Face's tojson filter
// calls it: json.dumps(x, ensure_ascii=False, indent=None, separators=None,
// sort_keys=False) by default.
#include <cstdint>
#include <optional>
#include <string>

#include "chat/value.h"

namespace hearth::chat {

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // none: one line; a string: per level (an int n is n spaces)
  std::optional<std::pair<std::string, std::string>> separators;  // (item, key) separators
  bool sort_keys = false;
  size_t max_bytes = SIZE_MAX;  // refuse to build more text than this
};

std::string json_dumps(const Value& v, const JsonDumpOptions& opts);

}  // namespace hearth::chat
