#pragma once
// The chat template a model runs with, in either dialect: Jinja (a GGUF's
// tokenizer.chat_template, or a hearth Modelfile's TEMPLATE) or Go (the
// template layer of a model pulled from ollama's registry).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hearth::store {

struct PromptTemplate {
  std::string source;
  bool go = false;  // a Go template (go_template.h), else Jinja
};

// Tells the dialect from the text (is_go_template).
PromptTemplate prompt_template(std::string source);

// The template in effect for a model with template layer `layer` and GGUF
// template `gguf`: a Jinja layer (the Modelfile's choice), else the GGUF's
// own, else a Go layer; nullopt when there is none.
std::optional<PromptTemplate> template_in_effect(const std::optional<std::string>& layer,
                                                 const std::optional<std::string>& gguf);

// Throws hearth::Error naming what hearth cannot run in the template.
void check_prompt_template(const PromptTemplate& t);

// The prompt for `messages` (OpenAI's shape) with the generation prompt:
// Jinja as transformers renders it, Go as ollama does. Throws hearth::Error
// (chat::TemplateRaised when a Jinja template refuses the conversation).
std::string render_prompt(const PromptTemplate& t, const nlohmann::ordered_json& messages,
                          const nlohmann::ordered_json& tools, const std::string& bos_token,
                          const std::string& eos_token);

}  // namespace hearth::store
