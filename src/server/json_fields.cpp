#include "server/json_fields.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace hearth::server {

namespace {

std::string field(std::string_view where, const char* key) { return std::string(where) + key; }

[[noreturn]] void wrong_type(const nlohmann::json& v, std::string_view where, const char* key, const char* expected) {
  throw HttpError(400, "invalid value for \"" + field(where, key) + "\": expected " + expected + ", got " +
                           json_type_name(v),
                  field(where, key));
}

const nlohmann::json* member(const nlohmann::json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

const char* json_type_name(const nlohmann::json& v) {
  switch (v.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float: return "a number";
    default: return "something else";
  }
}

nlohmann::json parse_body(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    throw HttpError(400, std::string("invalid JSON in the request body: ") + e.what());
  }
  if (!j.is_object()) throw HttpError(400, std::string("the request body must be a JSON object, got ") + json_type_name(j));
  return j;
}

nlohmann::ordered_json ordered_member(const std::string& body, std::initializer_list<const char*> path) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(body, nullptr, false);
  for (const char* key : path) {
    if (!j.is_object() || !j.contains(key)) return nullptr;
    j = std::move(j[key]);
  }
  return j;
}

std::optional<std::string> opt_string(const nlohmann::json& obj, const char* key, std::string_view where) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_string()) wrong_type(*v, where, key, "a string");
  return v->get<std::string>();
}

std::optional<bool> opt_bool(const nlohmann::json& obj, const char* key, std::string_view where) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) wrong_type(*v, where, key, "a boolean");
  return v->get<bool>();
}

std::optional<double> opt_number(const nlohmann::json& obj, const char* key, std::string_view where) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (!v->is_number()) wrong_type(*v, where, key, "a number");
  const double d = v->get<double>();
  if (!std::isfinite(d)) wrong_type(*v, where, key, "a finite number");
  return d;
}

std::optional<int64_t> opt_integer(const nlohmann::json& obj, const char* key, std::string_view where) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (v->is_number_integer() || v->is_number_unsigned()) {
    if (v->is_number_unsigned() && v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      wrong_type(*v, where, key, "an integer that fits in 64 bits");
    return v->get<int64_t>();
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e18) return static_cast<int64_t>(d);
  }
  wrong_type(*v, where, key, "an integer");
}

std::optional<std::vector<std::string>> opt_strings(const nlohmann::json& obj, const char* key,
                                                    std::string_view where) {
  const nlohmann::json* v = member(obj, key);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::vector<std::string>{v->get<std::string>()};
  if (!v->is_array()) wrong_type(*v, where, key, "a string or an array of strings");
  std::vector<std::string> out;
  for (const auto& item : *v) {
    if (!item.is_string()) wrong_type(item, where, key, "an array of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

const nlohmann::json* opt_object(const nlohmann::json& obj, const char* key, std::string_view where) {
  const nlohmann::json* v = member(obj, key);
  if (v && !v->is_object()) wrong_type(*v, where, key, "an object");
  return v;
}

const nlohmann::json* opt_array(const nlohmann::json& obj, const char* key, std::string_view where) {
  const nlohmann::json* v = member(obj, key);
  if (v && !v->is_array()) wrong_type(*v, where, key, "an array");
  return v;
}

std::string required_string(const nlohmann::json& obj, const char* key, std::string_view where) {
  auto v = opt_string(obj, key, where);
  if (!v || v->empty()) throw HttpError(400, "\"" + field(where, key) + "\" is required", field(where, key));
  return *v;
}

std::string rfc3339(int64_t unix_ns) {
  const std::time_t secs = static_cast<std::time_t>(unix_ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(unix_ns % 1000000000));
  return buf;
}

std::string rfc3339_now() {
  return rfc3339(std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count());
}

}  // namespace hearth::server
