#pragma once
// Modelfiles, ollama's recipe for a model:
//
//   # a comment
//   FROM ./qwen2.5-0.5b.gguf          (a GGUF file, a directory holding one, or a model name)
//   PARAMETER temperature 0.7
//   PARAMETER stop <|im_end|>         (stop may be given several times)
//   TEMPLATE """{% for m in messages %}..."""
//   SYSTEM You are a helpful assistant.
//   MESSAGE user Hello
//   LICENSE """..."""
//   ADAPTER ./lora.gguf
//
// Instructions are case-insensitive; a value is the rest of its line, or a
// "..." or """...""" quoted text that may span lines (kept verbatim; the
// closing quote ends its line). TEMPLATE is a Jinja chat template as GGUF
// files carry (tokenizer.chat_template), or a Go template as ollama's
// Modelfiles give (go_template.h); checked by parsing it.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hearth::store {

struct Message {
  std::string role;  // system, user or assistant
  std::string content;

  friend bool operator==(const Message&, const Message&) = default;
};

struct Modelfile {
  std::string from;                          // as written: a path or a model name
  std::optional<std::string> adapter;        // a path
  std::optional<std::string> template_text;  // Jinja or Go source
  std::optional<std::string> system;
  nlohmann::json parameters = nlohmann::json::object();  // typed as ollama types them
  std::vector<Message> messages;
  std::vector<std::string> licenses;
  // Where relative FROM and ADAPTER paths are found: the Modelfile's directory.
  std::filesystem::path directory;
  // Accepted but ignored: deprecated parameters.
  std::vector<std::string> warnings;

  // Throws hearth::Error "<source>:<line>: <problem>".
  static Modelfile parse(std::string_view text, const std::string& source = "Modelfile");
  // Reads and parses a file; directory becomes the file's directory.
  static Modelfile read(const std::filesystem::path& path);

  // Modelfile text that parses back to this (FROM, ADAPTER, TEMPLATE,
  // SYSTEM, PARAMETER lines, LICENSE, MESSAGE lines, in ollama's order).
  std::string render() const;

  friend bool operator==(const Modelfile& a, const Modelfile& b) {
    return a.from == b.from && a.adapter == b.adapter && a.template_text == b.template_text && a.system == b.system &&
           a.parameters == b.parameters && a.messages == b.messages && a.licenses == b.licenses;
  }
};

// Throws hearth::Error with the parser's message when `source` is not a
// chat template (Jinja or Go) hearth can run.
void check_chat_template(std::string_view source);

// A value as a Modelfile writes it: bare when that reads back the same,
// else "..." or """...""" quoted.
std::string quote_modelfile_value(const std::string& value);

}  // namespace hearth::store
