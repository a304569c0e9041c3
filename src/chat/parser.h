#pragma once
// Builds the statement tree from tokens with jinja2's grammar and operator
// precedence. Unknown tags, filters and tests are errors here, as in jinja2
// (which rejects them when it compiles the template).
#include <string_view>

#include "chat/ast.h"

namespace hearth::chat {

struct ParseLimits {
  int max_nesting = 256;  // nested expressions and blocks (a chain a + b + c counts its links)
};

// Throws TemplateError naming the line and the problem.
Body parse_template(std::string_view source, const ParseLimits& limits = {});

}  // namespace hearth::chat
