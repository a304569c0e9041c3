#pragma once
// Reading request bodies: JSON parsed with a clear error, and typed fields
// that name the field and the type expected when a client sends another.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::server {

// An error that is the client's: answered with `status` and the message.
struct HttpError : std::runtime_error {
  HttpError(int status, const std::string& message, std::string param = {})
      : std::runtime_error(message), status(status), param(std::move(param)) {}
  int status;
  std::string param;  // the offending field, for OpenAI's error.param
};

// The body as a JSON object; an empty body is an empty object (as ollama
// takes it). Throws HttpError 400.
nlohmann::json parse_body(const std::string& body);
// A member of the body (nested keys in turn) with the order of object keys
// kept, as JSON schemas need it; null when absent. The body has been
// parsed once by parse_body already.
nlohmann::ordered_json ordered_member(const std::string& body, std::initializer_list<const char*> path);

// Optional fields: nullopt when absent or null; HttpError 400 when of
// another type. `where` prefixes the field name in messages ("options.").
std::optional<std::string> opt_string(const nlohmann::json& obj, const char* key, std::string_view where = {});
std::optional<bool> opt_bool(const nlohmann::json& obj, const char* key, std::string_view where = {});
std::optional<double> opt_number(const nlohmann::json& obj, const char* key, std::string_view where = {});
std::optional<int64_t> opt_integer(const nlohmann::json& obj, const char* key, std::string_view where = {});
// A string or an array of strings ("stop").
std::optional<std::vector<std::string>> opt_strings(const nlohmann::json& obj, const char* key,
                                                    std::string_view where = {});
const nlohmann::json* opt_object(const nlohmann::json& obj, const char* key, std::string_view where = {});
const nlohmann::json* opt_array(const nlohmann::json& obj, const char* key, std::string_view where = {});
std::string required_string(const nlohmann::json& obj, const char* key, std::string_view where = {});

// A JSON value's type as a client would name it: "string", "number", ...
const char* json_type_name(const nlohmann::json& v);

// Now as RFC 3339 with nanoseconds, UTC, as ollama's created_at.
std::string rfc3339_now();
std::string rfc3339(int64_t unix_ns);

}  // namespace hearth::server
