// TEMPORARY until sampling/ has grammars: wired in below.
#include "server/api.h"
#include "server/json_fields.h"

namespace hearth::server {

std::unique_ptr<runtime::TokenConstraint> format_constraint(LoadedModel&, const nlohmann::json&) {
  throw HttpError(400, "structured output is not available in this build");
}

}  // namespace hearth::server
