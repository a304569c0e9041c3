// The converter's dispatch: which part of a schema decides its grammar, $ref
// rules, enum/const literals and anyOf/oneOf alternatives.
#include <cstdlib>

#include "core/error.h"
#include "sampling/literal_trie.h"
#include "sampling/schema_converter.h"

namespace hearth::sampling::schema {

namespace {

bool has_any(const Json& s, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (s.contains(k)) return true;
  return false;
}

// Decodes %XX escapes of a URI fragment.
std::string percent_decode(std::string_view s, const std::string& ref, const std::string& at) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    const auto hex = [&](size_t j) -> int {
      if (j >= s.size()) return -1;
      const char c = s[j];
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    const int hi = hex(i + 1), lo = hex(i + 2);
    if (hi < 0 || lo < 0) fail("json schema: bad %-escape in $ref '", printable(ref), "' at ", at);
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

void Converter::count_visit(const std::string& at, int depth) {
  if (++visits_ > kMaxVisits) fail("json schema: too complex (more than ", kMaxVisits, " subschemas to convert) at ", at);
  if (depth > kMaxDepth) fail("json schema: nested deeper than ", kMaxDepth, " schemas at ", at);
}

const Json& Converter::keep(Json made) {
  made_.push_back(std::move(made));
  return made_.back();
}

Expr Converter::as_rule(const std::string& name, const Expr& e) { return Expr::ref(b_.add(name, e)); }

std::string Converter::literal(const Json& value, const std::string& at) {
  std::string text;
  try {
    text = value.dump();
  } catch (const nlohmann::json::exception&) {
    fail("json schema: a string in enum/const is not valid UTF-8 at ", at);
  }
  literal_bytes_ += text.size();
  if (literal_bytes_ > kMaxLiteralBytes)
    fail("json schema: more than ", kMaxLiteralBytes, " bytes of enum/const values and property names at ", at);
  return text;
}

// The schema a "#..." reference points to in the document.
const Json& Converter::resolve(const Json& ref_value, const std::string& at) const {
  if (!ref_value.is_string()) fail("json schema: '$ref' must be a string at ", at);
  const std::string& ref = ref_value.get_ref<const std::string&>();
  if (ref.empty() || ref[0] != '#')
    fail("json schema: unsupported $ref '", printable(ref), "' at ", at, " (only references within the schema, \"#...\")");
  const std::string pointer = percent_decode(std::string_view(ref).substr(1), ref, at);
  if (!pointer.empty() && pointer[0] != '/')
    fail("json schema: unsupported $ref '", printable(ref), "' at ", at, " (anchors are not supported; use a JSON pointer)");
  const Json* node = &root_;
  size_t pos = 1;
  while (pos <= pointer.size() && !pointer.empty()) {
    const size_t end = std::min(pointer.find('/', pos), pointer.size());
    std::string token;
    for (size_t i = pos; i < end; ++i) {
      if (pointer[i] == '~' && i + 1 < end && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        token += pointer[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += pointer[i];
      }
    }
    if (node->is_object() && node->contains(token)) {
      node = &(*node)[token];
    } else if (node->is_array() && !token.empty() && token.size() < 10 &&
               token.find_first_not_of("0123456789") == std::string::npos &&
               (token == "0" || token[0] != '0') && std::stoul(token) < node->size()) {
      node = &(*node)[std::stoul(token)];
    } else {
      fail("json schema: $ref '", printable(ref), "' at ", at, " points to nothing in the schema");
    }
    pos = end + 1;
  }
  return *node;
}

Expr Converter::visit(const Json& s, const std::string& at, int depth) {
  count_visit(at, depth);
  if (s.is_boolean()) return s.get<bool>() ? json_.value() : Expr::nothing();
  if (!s.is_object()) fail("json schema: a schema must be an object or a boolean at ", at);
  check_keywords(s, at);
  if (s.contains("$id") && &s != &root_)
    fail("json schema: unsupported keyword '$id' at ", at, " (only at the top level)");

  if (s.contains("allOf") || (s.contains("$ref") && has_constraints(s, {"$ref"}))) {
    std::vector<std::string> refs;
    const Json& merged = keep(flatten(s, at, depth, refs));
    return visit(merged, at, depth + 1);
  }
  if (s.contains("$ref")) return visit_ref(s, at, depth);
  if (has_any(s, {"anyOf", "oneOf"})) return visit_union(s, at, depth);
  if (has_any(s, {"enum", "const"})) return visit_enum(s, at);

  uint32_t types = 0;
  if (s.contains("type")) {
    types = declared_types(s["type"], at);
  } else {
    if (has_any(s, {"properties", "required", "additionalProperties", "minProperties", "maxProperties"})) types |= kObject;
    if (has_any(s, {"items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"})) types |= kArray;
    if (has_any(s, {"minLength", "maxLength", "format"})) types |= kString;
    if (has_any(s, {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})) types |= kNumber;
    if (types == 0) return json_.value();
  }
  std::vector<Expr> alts;
  for (uint32_t t : {kObject, kArray, kString, kNumber, kInteger, kBoolean, kNull}) {
    if ((types & t) != t) continue;
    if (t == kInteger && (types & kNumber) == kNumber) continue;  // "number" covers it
    alts.push_back(visit_type(s, t, at, depth));
  }
  return Expr::alt(std::move(alts));
}

Expr Converter::visit_type(const Json& s, uint32_t type, const std::string& at, int depth) {
  switch (type) {
    case kObject: return object(s, at, depth);
    case kArray: return array(s, at, depth);
    case kString: return string(s, at);
    case kNumber: return number(s, false, at);
    case kInteger: return number(s, true, at);
    case kBoolean: return JsonRules::boolean();
    default: return JsonRules::null();
  }
}

Expr Converter::visit_ref(const Json& s, const std::string& at, int depth) {
  const Json& ref = s["$ref"];
  if (ref.is_string())
    if (const auto it = refs_.find(ref.get_ref<const std::string&>()); it != refs_.end()) return Expr::ref(it->second);
  const Json& target = resolve(ref, at);
  const std::string& name = ref.get_ref<const std::string&>();
  // Declared before its body is converted, so that recursive references
  // find it.
  const RuleId rule = b_.declare(printable(name));
  refs_.emplace(name, rule);
  b_.define(rule, visit(target, printable(name), depth + 1));
  return Expr::ref(rule);
}

Expr Converter::visit_union(const Json& s, const std::string& at, int depth) {
  if (s.contains("anyOf") && s.contains("oneOf")) fail("json schema: anyOf together with oneOf at ", at, " is not supported");
  const bool one_of = s.contains("oneOf");
  const char* key = one_of ? "oneOf" : "anyOf";
  const Json& branches = s[key];
  const std::string where = child(at, key);
  if (!branches.is_array() || branches.empty()) fail("json schema: '", key, "' must be a non-empty array at ", at);
  // Keywords beside the union apply to every branch.
  std::vector<const Json*> parts;
  if (has_constraints(s, {key})) {
    Json siblings = s;
    siblings.erase(key);
    std::vector<std::string> refs;
    const Json common = flatten(siblings, at, depth + 1, refs);
    for (size_t i = 0; i < branches.size(); ++i) {
      charge(common, at);
      parts.push_back(&keep(merge(common, flatten(branches[i], child(where, i), depth + 1, refs), child(where, i))));
    }
  } else {
    for (const Json& b : branches) parts.push_back(&b);
  }
  if (one_of && parts.size() > 1) {
    if (parts.size() > kMaxOneOf) fail("json schema: oneOf at ", at, " has more than ", kMaxOneOf, " branches");
    std::vector<Branch> summaries;
    for (size_t i = 0; i < parts.size(); ++i) {
      std::vector<std::string> refs;
      const Json& flat = keep(flatten(*parts[i], child(where, i), depth + 1, refs));
      summaries.push_back(summarize(flat, child(where, i), depth + 1));
    }
    for (size_t i = 0; i < parts.size(); ++i)
      for (size_t j = i + 1; j < parts.size(); ++j)
        if (!disjoint(summaries[i], summaries[j]))
          fail("json schema: oneOf at ", at, ": branches ", i, " and ", j,
               " may both match, and hearth cannot enforce 'exactly one' (use anyOf if that is fine)");
  }
  std::vector<Expr> alts;
  for (size_t i = 0; i < parts.size(); ++i) alts.push_back(visit(*parts[i], child(where, i), depth + 1));
  return Expr::alt(std::move(alts));
}

Expr Converter::visit_enum(const Json& s, const std::string& at) {
  for (const auto& [k, v] : s.items())
    if (!is_annotation(k) && k != "enum" && k != "const" && k != "type")
      fail("json schema: '", printable(k), "' together with enum/const at ", at, " is not supported");
  std::vector<const Json*> values;
  if (s.contains("enum")) {
    const Json& e = s["enum"];
    if (!e.is_array()) fail("json schema: 'enum' must be an array at ", at);
    for (const Json& v : e)
      if (!s.contains("const") || v == s["const"]) values.push_back(&v);
  } else {
    values.push_back(&s["const"]);
  }
  const uint32_t types = s.contains("type") ? declared_types(s["type"], at) : kAllTypes;
  std::vector<std::string> literals;
  for (const Json* v : values)
    if (value_type(*v) & types) literals.push_back(literal(*v, at));
  return literal_set(b_, at + "/enum", literals);
}

std::shared_ptr<const Grammar> Converter::run() {
  try {
    const Expr top = visit(root_, "#", 0);
    const RuleId root = b_.add("root", Expr::seq({top, JsonRules::ws()}));
    return b_.build(root);
  } catch (const Error& e) {
    const std::string_view msg = e.what();
    if (msg.starts_with("json schema: ")) throw;
    if (msg.find("'root' matches no finite text") != std::string_view::npos)
      fail("json schema: no JSON value satisfies the schema as hearth enforces it");
    fail("json schema: ", msg);
  }
}

}  // namespace hearth::sampling::schema
