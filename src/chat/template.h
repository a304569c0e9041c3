#pragma once
// Chat templates: the Jinja programs GGUF files carry in
// tokenizer.chat_template, rendered byte for byte as Hugging Face
// transformers renders them (jinja2's ImmutableSandboxedEnvironment with
// trim_blocks, lstrip_blocks and the loopcontrols extension; their tojson,
// raise_exception and strftime_now).
//
//   auto t = chat::Template::parse(source);
//   std::string prompt = t.render(context_json);
//
// Errors are hearth::Error: TemplateError for a template that does not parse
// or fails while rendering (naming the line), TemplateRaised when the
// template itself refuses the conversation with raise_exception().
//
// strftime_now() formats the current local time, or the date in the
// environment variable HEARTH_FIXED_DATE (YYYY-MM-DD[ HH:MM:SS]) when set,
// which makes renderings reproducible (the tests pin it).
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chat/ast.h"
#include "chat/errors.h"
#include "chat/interpreter.h"

namespace hearth::chat {

class Template {
 public:
  static Template parse(std::string_view source);

  // context: a JSON object whose members are the template's variables.
  std::string render(const nlohmann::ordered_json& context, const RenderLimits& limits = {}) const;
  std::string render(const Value& context, const RenderLimits& limits = {}) const;

 private:
  Template() = default;
  std::shared_ptr<const Body> body_;
};

// What transformers' apply_chat_template(messages, tools=...,
// add_generation_prompt=...) passes to the template: messages, tools (None
// when there are none), documents (None), add_generation_prompt, and the
// special tokens bos_token and eos_token. messages and tools are in the
// OpenAI shape; a tool call's arguments may be an object or a string.
nlohmann::ordered_json chat_context(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                    bool add_generation_prompt, const std::string& bos_token,
                                    const std::string& eos_token);

// Parses source and renders chat_context(...) with it.
std::string apply_template(std::string_view source, const nlohmann::ordered_json& messages,
                           const nlohmann::ordered_json& tools, bool add_generation_prompt,
                           const std::string& bos_token, const std::string& eos_token);

}  // namespace hearth::chat
