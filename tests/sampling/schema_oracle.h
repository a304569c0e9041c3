#pragma once
// A small JSON Schema validator for the keywords hearth's converter
// supports, written for the tests independently of the converter (it walks
// the schema and the value; it knows nothing of grammars). It is the oracle:
// everything the grammar of a schema lets through must validate here.
//
// Standard semantics throughout (a missing additionalProperties allows any
// other property, oneOf means exactly one, formats are checked strictly,
// dates against the real calendar).
#include <nlohmann/json.hpp>
#include <string>

namespace hearth::test {

// Empty if `value` validates against `schema`, else the first reason it does not.
std::string schema_violation(const nlohmann::json& value, const nlohmann::json& schema);

inline bool validates(const nlohmann::json& value, const nlohmann::json& schema) {
  return schema_violation(value, schema).empty();
}

}  // namespace hearth::test
