#pragma once
// ollama's request "options" (and a Modelfile's PARAMETERs, the same names)
// applied to hearth's generation settings.
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "runtime/generate.h"

namespace hearth::server {

struct RequestOptions {
  runtime::GenerateParams gen;     // num_predict, sampling, stop
  std::optional<int64_t> num_ctx;  // load options: another value loads
  std::optional<int> num_thread;   // another instance of the model
};

// Applies options on top of `out` (so Modelfile defaults go first, the
// request's after). Known names with a wrong type or value are HttpError
// 400 naming them (`where` prefixes the name, e.g. "options."); options of
// ollama's that hearth does not implement are refused when set to a value
// other than their neutral one; unknown names are ignored, as ollama does.
void apply_options(const nlohmann::json& options, RequestOptions& out, const char* where);

}  // namespace hearth::server
