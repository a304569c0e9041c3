#pragma once
// Model parameters as ollama types them (its api.Options): a Modelfile's
// `PARAMETER name value` text becomes a typed JSON value, and the params
// layer is the JSON object of them all ({"stop":["<|im_end|>"],"temperature":0.7}).
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hearth::store {

enum class ParamType { Int, Float, Bool, StringList };

struct ParamSpec {
  const char* name;
  ParamType type;
};

std::span<const ParamSpec> known_parameters();
const ParamSpec* find_parameter(std::string_view name);
// Accepted and dropped with a warning, as ollama does (penalize_newline, mirostat, ...).
bool is_deprecated_parameter(std::string_view name);

// Adds `name value` to params: a list parameter (stop) appends, others
// replace. Throws hearth::Error for an unknown name or a value of the wrong
// type ("invalid float value 'abc' for parameter 'temperature'").
void add_parameter(nlohmann::json& params, std::string_view name, std::string_view value);

// Checks a params object from elsewhere (an API request, a params layer):
// known names, values of the right JSON types. Throws hearth::Error.
void validate_parameters(const nlohmann::json& params);

// A value as Go's %v prints it (the Modelfile form): 0.7, 4096, true, text.
std::string parameter_text(const nlohmann::json& value);
// One `name value` entry per line, lists one line per item, the value as
// Go's %#v ("\"<|im_end|>\""); names sorted; what `show --parameters` prints.
std::string parameters_listing(const nlohmann::json& params);

}  // namespace hearth::store
