#include "store/parameters.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <cstdio>

#include "core/error.h"
#include "store/go_json.h"

namespace hearth::store {

namespace {

constexpr ParamSpec kParameters[] = {
    {"num_ctx", ParamType::Int},           {"num_batch", ParamType::Int},
    {"num_gpu", ParamType::Int},           {"main_gpu", ParamType::Int},
    {"use_mmap", ParamType::Bool},         {"num_thread", ParamType::Int},
    {"num_keep", ParamType::Int},          {"seed", ParamType::Int},
    {"num_predict", ParamType::Int},       {"top_k", ParamType::Int},
    {"top_p", ParamType::Float},           {"min_p", ParamType::Float},
    {"typical_p", ParamType::Float},       {"repeat_last_n", ParamType::Int},
    {"temperature", ParamType::Float},     {"repeat_penalty", ParamType::Float},
    {"presence_penalty", ParamType::Float}, {"frequency_penalty", ParamType::Float},
    {"stop", ParamType::StringList},
};

constexpr std::string_view kDeprecated[] = {"penalize_newline", "low_vram", "f16_kv",       "logits_all", "vocab_only",
                                            "use_mlock",        "mirostat", "mirostat_tau", "mirostat_eta"};

const char* type_name(ParamType t) {
  switch (t) {
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::Bool: return "bool";
    case ParamType::StringList: return "string";
  }
  return "";
}

// Go's strconv.ParseInt(s, 10, 64): an optional sign, then decimal digits.
std::optional<int64_t> parse_int(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// strconv.ParseFloat(s, 32): the value rounded to float32, kept as the double
// of float32's shortest decimal form so that 0.7 stays 0.7 in JSON, as Go
// writes a float32.
std::optional<double> parse_float32(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  float f = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), f);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || !std::isfinite(f)) return std::nullopt;
  char buf[32];
  auto w = std::to_chars(buf, buf + sizeof buf, f);
  double d = 0;
  std::from_chars(buf, w.ptr, d);
  return d;
}

// strconv.ParseBool.
std::optional<bool> parse_bool(std::string_view s) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (s == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (s == f) return false;
  return std::nullopt;
}

std::string known_names() {
  std::string out;
  for (const ParamSpec& p : kParameters) out += (out.empty() ? "" : ", ") + std::string(p.name);
  return out;
}

[[noreturn]] void unknown(std::string_view name) {
  fail("unknown parameter '", name, "' (known: ", known_names(), ")");
}

}  // namespace

std::span<const ParamSpec> known_parameters() { return kParameters; }

const ParamSpec* find_parameter(std::string_view name) {
  for (const ParamSpec& p : kParameters)
    if (name == p.name) return &p;
  return nullptr;
}

bool is_deprecated_parameter(std::string_view name) {
  return std::find(std::begin(kDeprecated), std::end(kDeprecated), name) != std::end(kDeprecated);
}

void add_parameter(nlohmann::json& params, std::string_view name, std::string_view value) {
  const ParamSpec* spec = find_parameter(name);
  if (!spec) unknown(name);
  const std::string key(name);
  auto bad = [&]() { fail("invalid ", type_name(spec->type), " value '", value, "' for parameter '", name, "'"); };
  switch (spec->type) {
    case ParamType::Int:
      if (auto v = parse_int(value)) params[key] = *v;
      else bad();
      return;
    case ParamType::Float:
      if (auto v = parse_float32(value)) params[key] = *v;
      else bad();
      return;
    case ParamType::Bool:
      if (auto v = parse_bool(value)) params[key] = *v;
      else bad();
      return;
    case ParamType::StringList:
      if (!params.contains(key)) params[key] = nlohmann::json::array();
      params[key].push_back(std::string(value));
      return;
  }
}

void validate_parameters(const nlohmann::json& params) {
  if (!params.is_object()) fail("parameters must be a JSON object");
  for (const auto& [name, v] : params.items()) {
    const ParamSpec* spec = find_parameter(name);
    if (!spec) unknown(name);
    bool ok = false;
    switch (spec->type) {
      case ParamType::Int: ok = v.is_number_integer() || (v.is_number_float() && v.get<double>() == std::floor(v.get<double>())); break;
      case ParamType::Float: ok = v.is_number(); break;
      case ParamType::Bool: ok = v.is_boolean(); break;
      case ParamType::StringList:
        ok = v.is_array() && std::all_of(v.begin(), v.end(), [](const auto& s) { return s.is_string(); });
        break;
    }
    if (!ok) fail("parameter '", name, "' must be of type ", spec->type == ParamType::StringList ? "array of strings" : type_name(spec->type));
  }
}

std::string parameter_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return value.dump();
  if (value.is_number_float()) return go_format_float(value.get<double>());
  return value.dump();
}

std::string parameters_listing(const nlohmann::json& params) {
  std::string out;
  auto line = [&](const std::string& name, const nlohmann::json& v) {
    char pad[64];
    std::snprintf(pad, sizeof pad, "%-30s ", name.c_str());
    if (!out.empty()) out += '\n';
    out += pad;
    out += v.is_string() ? go_quote(v.get<std::string>()) : parameter_text(v);
  };
  for (const auto& [name, v] : params.items()) {
    if (v.is_array())
      for (const auto& item : v) line(name, item);
    else
      line(name, v);
  }
  return out;
}

}  // namespace hearth::store
