#pragma once
// Helpers for the chat template tests.
#include <string>

#include <nlohmann/json.hpp>

#include "chat/template.h"

namespace hearth::chat::testing {

// The variables most language tests render with.
inline nlohmann::ordered_json default_context() {
  return nlohmann::ordered_json::parse(R"({
    "d": {"a": 1, "items": 2},
    "l": [1, 2, 3],
    "n": null,
    "s": "héllo",
    "e": [],
    "t": "  hi there  ",
    "msgs": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
  })");
}

inline std::string render(const std::string& source, const nlohmann::ordered_json& context = default_context()) {
  return Template::parse(source).render(context);
}

}  // namespace hearth::chat::testing
