#include "sampling/schema_oracle.h"

#include <cmath>
#include <regex>
#include <stdexcept>

namespace hearth::test {

namespace {

using nlohmann::json;

struct Oracle {
  const json& root;

  const json& resolve(const std::string& ref) const {
    if (ref.empty() || ref[0] != '#') throw std::runtime_error("oracle: unsupported $ref " + ref);
    std::string pointer;
    for (size_t i = 1; i < ref.size(); ++i) {
      if (ref[i] == '%' && i + 2 < ref.size()) {
        pointer += static_cast<char>(std::stoi(ref.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        pointer += ref[i];
      }
    }
    return root.at(json::json_pointer(pointer));
  }

  static bool is_integer(const json& v) {
    if (v.is_number_integer()) return true;
    return v.is_number_float() && std::floor(v.get<double>()) == v.get<double>();
  }

  static bool has_type(const json& v, const std::string& t) {
    if (t == "null") return v.is_null();
    if (t == "boolean") return v.is_boolean();
    if (t == "object") return v.is_object();
    if (t == "array") return v.is_array();
    if (t == "string") return v.is_string();
    if (t == "number") return v.is_number();
    if (t == "integer") return v.is_number() && is_integer(v);
    throw std::runtime_error("oracle: unknown type " + t);
  }

  static size_t code_points(const std::string& s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

  // Exact for integers, long double otherwise.
  static int compare(const json& a, const json& b) {
    if (a.is_number_integer() && b.is_number_integer()) {
      if (a.is_number_unsigned() || b.is_number_unsigned()) {
        const bool an = !a.is_number_unsigned() && a.get<int64_t>() < 0;
        const bool bn = !b.is_number_unsigned() && b.get<int64_t>() < 0;
        if (an != bn) return an ? -1 : 1;
        if (an) return a.get<int64_t>() < b.get<int64_t>() ? -1 : a.get<int64_t>() > b.get<int64_t>();
        return a.get<uint64_t>() < b.get<uint64_t>() ? -1 : a.get<uint64_t>() > b.get<uint64_t>();
      }
      return a.get<int64_t>() < b.get<int64_t>() ? -1 : a.get<int64_t>() > b.get<int64_t>();
    }
    const long double x = a.get<long double>(), y = b.get<long double>();
    return x < y ? -1 : x > y;
  }

  static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

  static bool valid_date(const std::string& s) {
    static const std::regex re(R"(^(\d{4})-(\d{2})-(\d{2})$)");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return false;
    const int y = std::stoi(m[1]), mo = std::stoi(m[2]), d = std::stoi(m[3]);
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1) return false;
    return d <= days[mo - 1] + (mo == 2 && leap(y));
  }

  static bool valid_time(const std::string& s) {
    static const std::regex re(R"(^(\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$)");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return false;
    if (std::stoi(m[1]) > 23 || std::stoi(m[2]) > 59 || std::stoi(m[3]) > 60) return false;
    if (m[6].matched && (std::stoi(m[6]) > 23 || std::stoi(m[7]) > 59)) return false;
    return true;
  }

  static bool valid_format(const std::string& format, const std::string& s) {
    if (format == "date") return valid_date(s);
    if (format == "time") return valid_time(s);
    if (format == "date-time") {
      const size_t t = s.find_first_of("Tt");
      return t != std::string::npos && valid_date(s.substr(0, t)) && valid_time(s.substr(t + 1));
    }
    if (format == "uuid") {
      static const std::regex re("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
      return std::regex_match(s, re);
    }
    throw std::runtime_error("oracle: unknown format " + format);
  }

  std::string check(const json& v, const json& s, const std::string& at) const {
    if (s.is_boolean()) return s.get<bool>() ? "" : at + ": false schema";
    if (s.contains("$ref"))
      if (auto e = check(v, resolve(s["$ref"]), at); !e.empty()) return e;
    if (s.contains("allOf"))
      for (const json& part : s["allOf"])
        if (auto e = check(v, part, at); !e.empty()) return e;
    if (s.contains("anyOf")) {
      bool any = false;
      for (const json& part : s["anyOf"]) any = any || check(v, part, at).empty();
      if (!any) return at + ": no anyOf branch matches";
    }
    if (s.contains("oneOf")) {
      int n = 0;
      for (const json& part : s["oneOf"]) n += check(v, part, at).empty();
      if (n != 1) return at + ": " + std::to_string(n) + " oneOf branches match";
    }
    if (s.contains("const") && !(v == s["const"])) return at + ": not the const";
    if (s.contains("enum")) {
      bool found = false;
      for (const json& e : s["enum"]) found = found || v == e;
      if (!found) return at + ": not in the enum";
    }
    if (s.contains("type")) {
      const json& t = s["type"];
      bool ok = false;
      if (t.is_string()) {
        ok = has_type(v, t.get<std::string>());
      } else {
        for (const json& one : t) ok = ok || has_type(v, one.get<std::string>());
      }
      if (!ok) return at + ": wrong type";
    }
    if (v.is_string()) {
      const std::string& str = v.get_ref<const std::string&>();
      const size_t n = code_points(str);
      if (s.contains("minLength") && n < s["minLength"].get<uint64_t>()) return at + ": shorter than minLength";
      if (s.contains("maxLength") && n > s["maxLength"].get<uint64_t>()) return at + ": longer than maxLength";
      if (s.contains("format") && !valid_format(s["format"].get<std::string>(), str)) return at + ": bad format";
    }
    if (v.is_number()) {
      const bool excl_min_flag = s.contains("exclusiveMinimum") && s["exclusiveMinimum"].is_boolean() &&
                                 s["exclusiveMinimum"].get<bool>();
      const bool excl_max_flag = s.contains("exclusiveMaximum") && s["exclusiveMaximum"].is_boolean() &&
                                 s["exclusiveMaximum"].get<bool>();
      if (s.contains("minimum")) {
        const int c = compare(v, s["minimum"]);
        if (c < 0 || (excl_min_flag && c == 0)) return at + ": below minimum";
      }
      if (s.contains("maximum")) {
        const int c = compare(v, s["maximum"]);
        if (c > 0 || (excl_max_flag && c == 0)) return at + ": above maximum";
      }
      if (s.contains("exclusiveMinimum") && s["exclusiveMinimum"].is_number() && compare(v, s["exclusiveMinimum"]) <= 0)
        return at + ": not above exclusiveMinimum";
      if (s.contains("exclusiveMaximum") && s["exclusiveMaximum"].is_number() && compare(v, s["exclusiveMaximum"]) >= 0)
        return at + ": not below exclusiveMaximum";
    }
    if (v.is_object()) {
      if (s.contains("required"))
        for (const json& name : s["required"])
          if (!v.contains(name.get<std::string>())) return at + ": missing " + name.get<std::string>();
      if (s.contains("minProperties") && v.size() < s["minProperties"].get<uint64_t>()) return at + ": too few properties";
      if (s.contains("maxProperties") && v.size() > s["maxProperties"].get<uint64_t>()) return at + ": too many properties";
      for (const auto& [k, item] : v.items()) {
        const bool declared = s.contains("properties") && s["properties"].contains(k);
        if (declared) {
          if (auto e = check(item, s["properties"][k], at + "/" + k); !e.empty()) return e;
        } else if (s.contains("additionalProperties")) {
          if (auto e = check(item, s["additionalProperties"], at + "/" + k); !e.empty()) return e;
        }
      }
    }
    if (v.is_array()) {
      if (s.contains("minItems") && v.size() < s["minItems"].get<uint64_t>()) return at + ": too few items";
      if (s.contains("maxItems") && v.size() > s["maxItems"].get<uint64_t>()) return at + ": too many items";
      const json* tuple = nullptr;
      const json* rest = nullptr;
      if (s.contains("prefixItems")) {
        tuple = &s["prefixItems"];
        if (s.contains("items")) rest = &s["items"];
      } else if (s.contains("items") && s["items"].is_array()) {
        tuple = &s["items"];
        if (s.contains("additionalItems")) rest = &s["additionalItems"];
      } else if (s.contains("items")) {
        rest = &s["items"];
      }
      for (size_t i = 0; i < v.size(); ++i) {
        const json* item_schema = tuple && i < tuple->size() ? &(*tuple)[i] : rest;
        if (item_schema)
          if (auto e = check(v[i], *item_schema, at + "/" + std::to_string(i)); !e.empty()) return e;
      }
      if (s.contains("uniqueItems") && s["uniqueItems"].get<bool>())
        for (size_t i = 0; i < v.size(); ++i)
          for (size_t j = i + 1; j < v.size(); ++j)
            if (v[i] == v[j]) return at + ": items not unique";
    }
    return "";
  }
};

}  // namespace

std::string schema_violation(const nlohmann::json& value, const nlohmann::json& schema) {
  return Oracle{schema}.check(value, schema, "#");
}

}  // namespace hearth::test
