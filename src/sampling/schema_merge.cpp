// allOf and keywords beside $ref/anyOf/oneOf: several schemas that must all
// hold, merged into one where the intersection is simple (properties joined,
// bounds tightened, types and enums intersected); refused where it is not.
// And the check that lets oneOf through: branches no value can match twice.
#include <algorithm>
#include <map>

#include "core/error.h"
#include "sampling/schema_converter.h"

namespace hearth::sampling::schema {

namespace {

bool is_schema(const Json& v) { return v.is_object() || v.is_boolean(); }

Json all_of(const Json& a, const Json& b) { return Json{{"allOf", Json::array({a, b})}}; }

const Json* find(const Json& s, const char* key) { return s.is_object() && s.contains(key) ? &s[key] : nullptr; }

std::vector<std::string> required_of(const Json& s) {
  std::vector<std::string> out;
  for (const std::string& name : string_items(find(s, "required"))) out.push_back(name);
  return out;
}

// additionalProperties of `x` (other than true) must not exclude what `y` names.
void check_closed(const Json& x, const Json& y, const std::string& at) {
  const Json* extra = find(x, "additionalProperties");
  if (!extra || (extra->is_boolean() && extra->get<bool>())) return;
  const std::set<std::string> declared = member_names(find(x, "properties"));
  bool covered = true;
  for (const std::string& name : member_names(find(y, "properties"))) covered = covered && declared.count(name);
  for (const std::string& name : string_items(find(y, "required"))) covered = covered && declared.count(name);
  if (!covered)
    fail("json schema: allOf at ", at,
         ": additionalProperties of one part would exclude properties of another, which hearth does not support");
}

// Both schemas' properties; one both declare must match both.
Json merge_properties(const Json& a, const Json& b) {
  std::map<std::string, const Json*> in_b;
  for (const auto& [name, ps] : b.items()) in_b.emplace(name, &ps);
  Json out = Json::object();
  for (const auto& [name, ps] : a.items()) {
    const auto it = in_b.find(name);
    push_member(out, name, it == in_b.end() ? ps : all_of(ps, *it->second));
    if (it != in_b.end()) in_b.erase(it);
  }
  for (const auto& [name, ps] : b.items())
    if (in_b.count(name)) push_member(out, name, ps);
  return out;
}

// The values of `a` that are also in `b`, in a's order.
Json common_values(const Json& a, const Json& b) {
  const std::set<Json> in_b(b.begin(), b.end());
  Json out = Json::array();
  for (const Json& x : a)
    if (in_b.count(x)) out.push_back(x);
  return out;
}

}  // namespace

namespace {

size_t node_count(const Json& j) {
  size_t n = 1;
  if (j.is_structured())
    for (const Json& item : j) n += node_count(item);
  return n;
}

}  // namespace

void Converter::charge(const Json& copied, const std::string& at) {
  copied_ += node_count(copied);
  if (copied_ > kMaxCopied) fail("json schema: too complex (more than ", kMaxCopied, " values copied merging schemas) at ", at);
}

// The schema with its $ref and allOf merged in: one schema with neither at
// the top (annotations dropped; below the top, nothing is resolved yet).
Json Converter::flatten(const Json& s, const std::string& at, int depth, std::vector<std::string>& refs) {
  count_visit(at, depth);
  if (s.is_boolean()) return s;
  if (!s.is_object()) fail("json schema: a schema must be an object or a boolean at ", at);
  check_keywords(s, at);
  Json out = Json::object();
  for (const auto& [k, v] : s.items())
    if (!is_annotation(k) && k != "$ref" && k != "allOf") push_member(out, k, v);
  charge(out, at);
  if (s.contains("$ref")) {
    const Json& target = resolve(s["$ref"], at);
    const std::string& name = s["$ref"].get_ref<const std::string&>();
    if (std::find(refs.begin(), refs.end(), name) != refs.end())
      fail("json schema: $ref '", printable(name), "' at ", at, " includes itself through allOf or sibling keywords");
    refs.push_back(name);
    Json t = flatten(target, printable(name), depth + 1, refs);
    refs.pop_back();
    out = merge(std::move(out), t, at);
  }
  if (s.contains("allOf")) {
    const Json& parts = s["allOf"];
    if (!parts.is_array() || parts.empty()) fail("json schema: 'allOf' must be a non-empty array at ", at);
    for (size_t i = 0; i < parts.size(); ++i) {
      Json t = flatten(parts[i], child(child(at, "allOf"), i), depth + 1, refs);
      out = merge(std::move(out), t, at);
    }
  }
  return out;
}

Json Converter::merge(Json a, const Json& b_in, const std::string& at) {
  if (a.is_boolean()) return a.get<bool>() ? b_in : a;
  if (b_in.is_boolean()) return b_in.get<bool>() ? a : b_in;
  check_closed(a, b_in, at);
  check_closed(b_in, a, at);
  charge(b_in, at);
  Json b = b_in;
  // const is a one-value enum; intersecting enums covers both.
  for (Json* s : {&a, &b}) {
    if (!s->contains("const")) continue;
    Json values = Json::array({(*s)["const"]});
    if (s->contains("enum")) {
      const Json& e = (*s)["enum"];
      values = e.is_array() ? common_values(values, e) : Json::array();
    }
    s->erase("const");
    (*s)["enum"] = std::move(values);
  }
  for (const auto& [k, v] : b.items()) {
    if (!a.contains(k)) {
      a[k] = v;
      continue;
    }
    Json& cur = a[k];
    if (cur == v || is_annotation(k)) continue;
    const bool numbers = cur.is_number() && v.is_number();
    if (k == "properties" && cur.is_object() && v.is_object()) {
      cur = merge_properties(cur, v);
    } else if (k == "required" && cur.is_array() && v.is_array()) {
      const std::set<std::string> have = string_items(&cur);
      for (const std::string& name : string_items(&v))
        if (!have.count(name)) cur.push_back(name);
    } else if (k == "type") {
      const uint32_t mask = declared_types(cur, at) & declared_types(v, at);
      if (mask == 0) return Json(false);
      cur = types_json(mask);
    } else if (k == "enum" && cur.is_array() && v.is_array()) {
      cur = common_values(cur, v);
    } else if (numbers && (k == "minLength" || k == "minItems" || k == "minProperties" || k == "minimum" ||
                           k == "exclusiveMinimum")) {
      if (v > cur) cur = v;
    } else if (numbers && (k == "maxLength" || k == "maxItems" || k == "maxProperties" || k == "maximum" ||
                           k == "exclusiveMaximum")) {
      if (v < cur) cur = v;
    } else if ((k == "items" || k == "additionalProperties") && is_schema(cur) && is_schema(v)) {
      cur = all_of(cur, v);
    } else {
      fail("json schema: allOf at ", at, " combines different '", printable(k), "' values, which hearth cannot merge");
    }
  }
  return a;
}

namespace {

// The values a flattened schema lists (enum/const), if it does.
std::optional<std::set<Json>> listed_values(const Json& flat) {
  if (const Json* c = find(flat, "const")) return std::set<Json>{*c};
  if (const Json* e = find(flat, "enum"); e && e->is_array()) return std::set<Json>(e->begin(), e->end());
  return std::nullopt;
}

bool none_common(const std::set<Json>& x, const std::set<Json>& y) {
  for (const Json& v : x)
    if (y.count(v)) return false;
  return true;
}

// Whether `s` forbids a property `name` (additionalProperties false and not declared).
bool excludes(const Json& s, const std::set<std::string>& declared, const std::string& name) {
  const Json* extra = find(s, "additionalProperties");
  return extra && extra->is_boolean() && !extra->get<bool>() && !declared.count(name);
}

}  // namespace

Converter::Branch Converter::summarize(const Json& flat, const std::string& at, int depth) {
  Branch b;
  b.schema = &flat;
  if (flat.is_boolean()) {
    b.never = !flat.get<bool>();
    return b;
  }
  if (flat.contains("type")) b.types = declared_types(flat["type"], at);
  b.values = listed_values(flat);
  if (b.values) {
    uint32_t of_values = 0;
    for (const Json& v : *b.values) of_values |= value_type(v);
    b.types &= of_values;
  }
  const Json* props = find(flat, "properties");
  b.declared = member_names(props);
  for (const std::string& name : required_of(flat)) b.required.emplace(name, std::nullopt);
  if (props && props->is_object()) {
    for (const auto& [name, ps] : props->items()) {
      const auto it = b.required.find(name);
      if (it == b.required.end()) continue;
      std::vector<std::string> refs;
      it->second = listed_values(flatten(ps, child(child(at, "properties"), name), depth + 1, refs));
    }
  }
  return b;
}

// No value matches both: different types, different listed values, a
// required property whose listed values differ (a discriminator), or one
// that a branch requires and the other excludes.
bool Converter::disjoint(const Branch& a, const Branch& b) {
  if (a.never || b.never) return true;
  if ((a.types & b.types) == 0) return true;
  if (a.values && b.values && none_common(*a.values, *b.values)) return true;
  for (const auto& [name, va] : a.required) {
    const auto it = b.required.find(name);
    if (it == b.required.end()) continue;
    if (va && it->second && none_common(*va, *it->second)) return true;
  }
  for (const auto& [name, v] : a.required)
    if (excludes(*b.schema, b.declared, name)) return true;
  for (const auto& [name, v] : b.required)
    if (excludes(*a.schema, a.declared, name)) return true;
  return false;
}

}  // namespace hearth::sampling::schema
