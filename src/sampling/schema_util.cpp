// Keyword tables, JSON pointers and type sets for the schema converter.
#include <algorithm>
#include <iterator>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "sampling/schema_converter.h"

namespace hearth::sampling::schema {

namespace {

constexpr std::string_view kAnnotations[] = {
    "title",    "description", "default",     "examples",         "$comment",
    "$schema",  "$id",         "$anchor",     "deprecated",       "readOnly",
    "writeOnly", "contentMediaType", "contentEncoding", "$defs", "definitions",
};

constexpr std::string_view kHandled[] = {
    "type",          "enum",      "const",           "anyOf",          "oneOf",
    "allOf",         "$ref",      "properties",      "required",       "additionalProperties",
    "minProperties", "maxProperties", "items",       "prefixItems",    "additionalItems",
    "minItems",      "maxItems",  "uniqueItems",     "minLength",      "maxLength",
    "format",        "minimum",   "maximum",         "exclusiveMinimum", "exclusiveMaximum",
};

constexpr std::pair<std::string_view, uint32_t> kTypeNames[] = {
    {"null", kNull},
    {"boolean", kBoolean},
    {"object", kObject},
    {"array", kArray},
    {"string", kString},
    {"integer", kInteger},
    {"number", kNumber},
};

bool in(std::string_view k, const auto& table) { return std::find(std::begin(table), std::end(table), k) != std::end(table); }

std::string escape_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string printable(std::string_view s) {
  constexpr size_t kShown = 80;
  std::string out;
  for (size_t i = 0; i < s.size() && i < kShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kShown) out += "...";
  return out;
}

std::string child(const std::string& at, std::string_view key) { return at + "/" + printable(escape_pointer_token(key)); }

std::string child(const std::string& at, size_t index) { return at + "/" + std::to_string(index); }

bool is_annotation(std::string_view keyword) { return in(keyword, kAnnotations) || keyword.starts_with("x-"); }

bool is_known(std::string_view keyword) { return is_annotation(keyword) || in(keyword, kHandled); }

bool has_constraints(const Json& s, std::initializer_list<std::string_view> besides) {
  for (const auto& [k, v] : s.items())
    if (!is_annotation(k) && std::find(besides.begin(), besides.end(), k) == besides.end()) return true;
  return false;
}

void push_member(Json& object, const std::string& key, Json value) {
  using Members = Json::object_t::Container;
  static_cast<Members&>(object.get_ref<Json::object_t&>()).emplace_back(key, std::move(value));
}

std::set<std::string> member_names(const Json* object) {
  std::set<std::string> out;
  if (object && object->is_object())
    for (const auto& [k, v] : object->items()) out.insert(k);
  return out;
}

std::set<std::string> string_items(const Json* array) {
  std::set<std::string> out;
  if (array && array->is_array())
    for (const Json& v : *array)
      if (v.is_string()) out.insert(v.get<std::string>());
  return out;
}

void check_keywords(const Json& s, const std::string& at) {
  for (const auto& [k, v] : s.items())
    if (!is_known(k)) fail("json schema: unsupported keyword '", printable(k), "' at ", at);
}

uint32_t value_type(const Json& v) {
  if (v.is_null()) return kNull;
  if (v.is_boolean()) return kBoolean;
  if (v.is_object()) return kObject;
  if (v.is_array()) return kArray;
  if (v.is_string()) return kString;
  if (v.is_number_integer()) return kInteger;
  const double d = v.get<double>();
  return std::floor(d) == d ? kInteger : kFraction;
}

uint32_t declared_types(const Json& type, const std::string& at) {
  const auto one = [&](const Json& t) -> uint32_t {
    if (t.is_string()) {
      const std::string& name = t.get_ref<const std::string&>();
      for (const auto& [n, bit] : kTypeNames)
        if (n == name) return bit;
      fail("json schema: unknown type '", printable(name), "' at ", at);
    }
    fail("json schema: 'type' must be a string or an array of strings at ", at);
  };
  if (!type.is_array()) return one(type);
  if (type.empty()) fail("json schema: 'type' is an empty array at ", at);
  uint32_t mask = 0;
  for (const Json& t : type) mask |= one(t);
  return mask;
}

Json types_json(uint32_t mask) {
  Json out = Json::array();
  for (const auto& [n, bit] : kTypeNames) {
    if (bit == kInteger && (mask & kNumber) == kNumber) continue;
    if ((mask & bit) == bit) out.push_back(std::string(n));
  }
  return out;
}

}  // namespace hearth::sampling::schema
