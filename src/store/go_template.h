#pragma once
// ollama's chat templates: Go text/template programs, as the template layers
// of models in ollama's registry carry them ("{{ if .System }}...{{ end }}").
// hearth interprets the subset ollama's library uses — text, {{- -}}
// trimming, comments, fields (.System, .Prompt, .Response, .Messages, .Role,
// .Content, .ToolCalls, ...), variables ($, $x := ..., $x = ...), if / else
// if / else, range (with $i, $e := and else), with, break, continue,
// parenthesised pipelines and `|`, and the functions and, or, not, eq, ne,
// lt, le, gt, ge, len, index, slice, print, printf, println and ollama's
// json. Anything else (define, template, block, html, js, call, ...) is an
// error at parse time naming it: a template hearth cannot run exactly is
// never run approximately.
//
//   auto t = store::GoTemplate::parse(layer_text);
//   std::string prompt = t.render_chat(messages, tools);  // as ollama renders a chat
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::store {

namespace gotmpl {
struct Node;
using List = std::vector<Node>;
}  // namespace gotmpl

// Whether a template is Go (ollama's) rather than Jinja (a GGUF's, or one a
// hearth Modelfile gave): it has a Go action ({{ .X }}, {{ if ...}}, {{ end }},
// {{ $x }}, ...) and no Jinja statement or comment ({% ... %}, {# ... #}).
bool is_go_template(std::string_view source);

class GoTemplate {
 public:
  // Throws hearth::Error: "Go template, line N: ..." for a syntax error, or
  // naming the construct hearth does not support.
  static GoTemplate parse(std::string_view source);

  // Runs the template on `data` (a JSON object: the template's dot). Fields
  // are looked up by their Go name, then by its snake_case JSON spelling
  // (.ToolCalls finds "tool_calls"). Throws hearth::Error for an execution
  // error (a bad index, a comparison of different types), naming the line.
  std::string execute(const nlohmann::ordered_json& data) const;

  // The prompt ollama makes of a chat (messages and tools in OpenAI's shape,
  // as chat::apply_template takes them): templates that use .Messages see
  // the whole conversation (consecutive messages of one role merged, .System
  // the system messages joined); older ones run once per user/assistant
  // turn with .System, .Prompt and .Response, the last turn cut after
  // {{ .Response }} so the model writes the answer.
  std::string render_chat(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools) const;

  // The identifiers the template refers to, lower-cased and sorted (ollama's
  // Vars: "messages", "prompt", "response", ...).
  std::vector<std::string> vars() const;

 private:
  std::shared_ptr<const gotmpl::List> root_;
};

}  // namespace hearth::store
