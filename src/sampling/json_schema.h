#pragma once
// Grammars for structured output: ollama's `format: "json"` / `format:
// <schema>` and OpenAI's `response_format` json_object / json_schema.
//
// Every text the grammar of a schema accepts is JSON that validates against
// the schema; a schema hearth cannot enforce is refused with a hearth::Error
// naming the keyword and where it is (as a JSON pointer, "#/properties/x"),
// never silently ignored. The schema is untrusted input: nesting, size,
// literal text and conversion work are bounded, and large counts (maxItems,
// maxLength) are repetition counts, not unrolled.
//
// Supported:
//   type (one or a list), enum, const, anyOf, oneOf (only when its branches
//   are provably disjoint: different types, different enum/const values, or
//   a required property whose enum/const values differ), allOf and $ref with
//   sibling keywords (merged into one schema; conflicting keywords that
//   cannot be intersected are refused), $ref to "#", "#/$defs/...",
//   "#/definitions/..." or any JSON pointer in the document (recursion is
//   fine), properties, required, additionalProperties (false, true or a
//   schema), minProperties/maxProperties only where the other keywords
//   already imply them, items, prefixItems (and draft 4-7 array `items` with
//   additionalItems), minItems, maxItems, uniqueItems only when false or
//   maxItems <= 1, minLength, maxLength, format (date, time, date-time, uuid),
//   minimum, maximum, exclusiveMinimum, exclusiveMaximum (any bound for
//   integers; whole-number bounds for numbers), and annotations (title,
//   description, default, examples, $comment, $schema, $id at the root,
//   $anchor, deprecated, readOnly, writeOnly, contentMediaType,
//   contentEncoding, $defs, definitions, and "x-" extensions), which are
//   ignored. Anything else (pattern, multipleOf, not, if/then/else,
//   patternProperties, contains, other formats, ...) is refused.
//
// Where JSON Schema allows more than the grammar generates (always a subset,
// so the output still validates):
//   - properties come in the schema's order, each at most once;
//   - an object schema with `properties` but without `additionalProperties`
//     gets no other properties (as llama.cpp's converter does); say
//     `additionalProperties: true` (or a schema) to allow them; an object
//     schema without `properties` allows any;
//   - `prefixItems` without `items` allows no further items;
//   - additional property names are written without escapes;
//   - numbers have at most 18 integer digits, 16 fraction digits and a
//     2-digit exponent; numbers with bounds have no exponent;
//   - enum/const values are written as compact JSON (nlohmann's dump);
//   - whitespace between tokens is at most JsonRules::kMaxSpace characters
//     of space, tab and newline; none before the value, some allowed after.
// A type given only through keywords (`{"properties": ...}` without `type`)
// is taken as that type; a schema without any constraint allows any value.
#include <memory>
#include <nlohmann/json.hpp>

#include "sampling/grammar.h"

namespace hearth::sampling {

// `format: "json"` / `json_object`: any JSON object (the top level is an
// object, as ollama and llama.cpp constrain it). Built once, shared.
std::shared_ptr<const Grammar> json_grammar();

// The grammar of the JSON texts that validate against `schema`.
std::shared_ptr<const Grammar> grammar_from_json_schema(const nlohmann::ordered_json& schema);
// The same for a document parsed without keeping key order: properties come
// in nlohmann::json's (sorted) order. Parse requests with ordered_json to
// keep the schema's order.
std::shared_ptr<const Grammar> grammar_from_json_schema(const nlohmann::json& schema);

}  // namespace hearth::sampling
