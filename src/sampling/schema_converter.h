#pragma once
// The JSON Schema converter behind json_schema.h (internal to sampling/).
// One Converter turns one schema document into one grammar; its parts live in
// schema_converter.cpp (dispatch, $ref, enum/const, unions),
// schema_types.cpp (object, array, string, number) and schema_merge.cpp
// (allOf and sibling keywords, oneOf disjointness).
#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/grammar.h"
#include "sampling/json_rules.h"

namespace hearth::sampling::schema {

using Json = nlohmann::ordered_json;

inline constexpr int kMaxDepth = 64;                // schemas within schemas (through $ref too)
inline constexpr size_t kMaxVisits = 20000;         // subschemas converted or merged
inline constexpr size_t kMaxCopied = 1 << 22;       // JSON values copied while merging schemas
inline constexpr size_t kMaxLiteralBytes = 1 << 18; // enum/const values and property names
inline constexpr size_t kMaxOneOf = 256;            // oneOf branches (checked pairwise)
inline constexpr int kMaxDocumentDepth = 256;       // nesting of the JSON document itself
inline constexpr size_t kMaxDocumentNodes = 1 << 20;

// JSON types as bits; "number" is integer | fraction.
enum : uint32_t {
  kNull = 1,
  kBoolean = 2,
  kObject = 4,
  kArray = 8,
  kString = 16,
  kInteger = 32,
  kFraction = 64,
  kNumber = kInteger | kFraction,
  kAllTypes = 127,
};

// ---- schema_util.cpp
std::string printable(std::string_view s);  // for messages: one line, at most 80 characters
std::string child(const std::string& at, std::string_view key);
std::string child(const std::string& at, size_t index);
bool is_annotation(std::string_view keyword);
bool is_known(std::string_view keyword);
// Whether s has a keyword that is neither an annotation nor one of `besides`.
bool has_constraints(const Json& s, std::initializer_list<std::string_view> besides);
uint32_t value_type(const Json& value);
// Appends a member the object does not have yet (ordered_json's own insert
// searches the object linearly: quadratic over large ones).
void push_member(Json& object, const std::string& key, Json value);
// The names of an object's members, and of the strings in an array.
std::set<std::string> member_names(const Json* object);
std::set<std::string> string_items(const Json* array);
// Fails naming the first keyword hearth does not know.
void check_keywords(const Json& s, const std::string& at);
uint32_t declared_types(const Json& type, const std::string& at);
Json types_json(uint32_t mask);

class Converter {
 public:
  explicit Converter(const Json& root) : root_(root), json_(b_) {}
  std::shared_ptr<const Grammar> run();

 private:
  // schema_converter.cpp
  Expr visit(const Json& s, const std::string& at, int depth);
  Expr visit_ref(const Json& s, const std::string& at, int depth);
  Expr visit_union(const Json& s, const std::string& at, int depth);
  Expr visit_enum(const Json& s, const std::string& at);
  Expr visit_type(const Json& s, uint32_t type, const std::string& at, int depth);
  const Json& resolve(const Json& ref, const std::string& at) const;
  Expr as_rule(const std::string& name, const Expr& e);
  const Json& keep(Json made);
  void count_visit(const std::string& at, int depth);
  std::string literal(const Json& value, const std::string& at);

  // schema_types.cpp
  Expr object(const Json& s, const std::string& at, int depth);
  Expr array(const Json& s, const std::string& at, int depth);
  Expr string(const Json& s, const std::string& at);
  Expr number(const Json& s, bool integer, const std::string& at);

  // schema_merge.cpp
  // What a oneOf check needs to know of one (flattened) branch.
  struct Branch {
    bool never = false;  // the false schema
    uint32_t types = kAllTypes;
    std::optional<std::set<Json>> values;  // enum/const
    std::map<std::string, std::optional<std::set<Json>>> required;  // with their enum/const values
    std::set<std::string> declared;
    const Json* schema = nullptr;
  };
  Json flatten(const Json& s, const std::string& at, int depth, std::vector<std::string>& refs);
  Json merge(Json a, const Json& b, const std::string& at);
  void charge(const Json& copied, const std::string& at);
  Branch summarize(const Json& flat, const std::string& at, int depth);
  static bool disjoint(const Branch& a, const Branch& b);

  const Json& root_;
  GrammarBuilder b_;
  JsonRules json_;
  std::map<std::string, RuleId> refs_;
  std::deque<Json> made_;  // schemas made by merging, alive while converting
  size_t visits_ = 0;
  size_t copied_ = 0;
  size_t literal_bytes_ = 0;
};

}  // namespace hearth::sampling::schema
