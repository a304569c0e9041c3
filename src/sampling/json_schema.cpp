#include "sampling/json_schema.h"

#include <utility>
#include <vector>

#include "core/error.h"
#include "sampling/json_rules.h"
#include "sampling/schema_converter.h"

namespace hearth::sampling {

namespace {

using schema::kMaxDocumentDepth;
using schema::kMaxDocumentNodes;

// Bounds the document before anything recurses over it (comparisons, dumps
// and the conversion itself are recursive).
template <typename J>
void check_document(const J& doc) {
  std::vector<std::pair<const J*, int>> todo{{&doc, 0}};
  size_t nodes = 0;
  while (!todo.empty()) {
    const auto [j, depth] = todo.back();
    todo.pop_back();
    if (++nodes > kMaxDocumentNodes) fail("json schema: more than ", kMaxDocumentNodes, " JSON values in the schema");
    if (depth > kMaxDocumentDepth) fail("json schema: nested deeper than ", kMaxDocumentDepth, " levels");
    if (j->is_structured())
      for (const auto& item : *j) todo.push_back({&item, depth + 1});
  }
}

nlohmann::ordered_json ordered(const nlohmann::json& j) {
  if (j.is_object()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& [k, v] : j.items()) schema::push_member(out, k, ordered(v));
    return out;
  }
  if (j.is_array()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& v : j) out.push_back(ordered(v));
    return out;
  }
  // Scalars carry over as they are (integers stay integers).
  switch (j.type()) {
    case nlohmann::json::value_t::number_integer: return j.get<int64_t>();
    case nlohmann::json::value_t::number_unsigned: return j.get<uint64_t>();
    case nlohmann::json::value_t::number_float: return j.get<double>();
    case nlohmann::json::value_t::boolean: return j.get<bool>();
    case nlohmann::json::value_t::string: return j.get<std::string>();
    default: return nullptr;
  }
}

}  // namespace

std::shared_ptr<const Grammar> json_grammar() {
  static const std::shared_ptr<const Grammar> grammar = [] {
    GrammarBuilder b;
    JsonRules json(b);
    const RuleId root = b.add("root", Expr::seq({json.object(), JsonRules::ws()}));
    return b.build(root);
  }();
  return grammar;
}

std::shared_ptr<const Grammar> grammar_from_json_schema(const nlohmann::ordered_json& schema) {
  check_document(schema);
  return schema::Converter(schema).run();
}

std::shared_ptr<const Grammar> grammar_from_json_schema(const nlohmann::json& schema) {
  check_document(schema);
  return grammar_from_json_schema(ordered(schema));
}

}  // namespace hearth::sampling
