#pragma once
// The parse tree of a Go template (go_template.h), shaped as Go's
// text/template/parse tree so that ollama's tree edits (cutting after
// {{ .Response }}) carry over node for node.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::store::gotmpl {

struct Pipeline;

// One operand of a command.
struct Arg {
  enum class Kind { Field, Variable, Dot, Nil, Literal, Function, Sub };
  Kind kind = Kind::Dot;
  std::string name;                 // Variable: "$" or "$x"; Function: its name
  std::vector<std::string> chain;   // fields after it: .A.B (a Field is only its chain)
  nlohmann::ordered_json literal;   // Literal: a string, number or bool
  std::shared_ptr<Pipeline> sub;    // Sub: ( pipeline )
};

struct Command {
  std::vector<Arg> args;
};

struct Pipeline {
  int line = 0;
  std::vector<std::string> decls;  // $x := / $i, $e := / $x =
  bool assign = false;             // '=' rather than ':='
  std::vector<Command> cmds;
};

struct Node;
using List = std::vector<Node>;

struct Node {
  enum class Kind { Text, Action, If, Range, With, Break, Continue };
  Kind kind = Kind::Text;
  int line = 0;
  std::string text;                 // Text
  Pipeline pipe;                    // Action, If, Range, With
  std::shared_ptr<List> list;       // If, Range, With: the body
  std::shared_ptr<List> else_list;  // may be null
};

// Parses a whole template. Throws hearth::Error.
List parse(std::string_view source);

// Runs `list` with `data` as dot and $, appending to out. Throws hearth::Error.
void execute(const List& list, const nlohmann::ordered_json& data, std::string& out);

// ollama's edit of a template for the last turn of an old-style chat: the
// tree up to and including the first {{ .Response }}, nothing after it.
List cut_after_response(const List& list);

// The field and variable identifiers, as ollama's Identifiers collects them.
void collect_identifiers(const List& list, std::vector<std::string>& out);

// A field's JSON spelling: ToolCalls -> tool_calls, ToolCallID -> tool_call_id.
std::string snake_case(std::string_view go_name);

}  // namespace hearth::store::gotmpl
