#pragma once
// Turning requests into prompt tokens: chats through the model's chat
// template (a Jinja TEMPLATE layer, else the GGUF's tokenizer.chat_template,
// else a Go template layer of a model pulled from ollama's registry; a
// request's "template" may be either), with the request's or the Modelfile's system
// message and the Modelfile's MESSAGEs first.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"
#include "server/catalog.h"
#include "store/prompt_template.h"

namespace hearth::server {

// The template in effect (store::template_in_effect: a Jinja template layer,
// else the GGUF's, else a Go layer); nullopt: the model has none.
std::optional<store::PromptTemplate> chat_template_for(const ModelEntry& entry, const model::Model& model);

// Messages as the template sees them (OpenAI's shape): role and content
// strings; content given as an array of parts is joined from its "text"
// parts. Throws HttpError 400 for a malformed message, an unknown role, or
// images (hearth's models read text only).
nlohmann::ordered_json normalize_messages(const nlohmann::json& messages);

struct ChatPrompt {
  std::vector<int32_t> tokens;
  std::string text;  // what was tokenized
};

// A chat: system (the request's first system message, else the Modelfile's
// SYSTEM), the Modelfile's MESSAGEs, then `messages`, rendered with a
// generation prompt. A model without a template gets the contents joined by
// blank lines. tools: null or an array (passed to the template).
ChatPrompt chat_prompt(const model::Model& model, const ModelEntry& entry, const nlohmann::ordered_json& messages,
                       const nlohmann::ordered_json& tools, const std::optional<std::string>& template_override);

// /api/generate and /v1/completions: raw (or no template) takes the prompt
// as it is; otherwise it is the user message of a one-turn chat with the
// given system message. `context` (ollama's tokens of an earlier exchange)
// goes first.
ChatPrompt completion_prompt(const model::Model& model, const ModelEntry& entry, const std::string& prompt,
                             const std::optional<std::string>& system, bool raw,
                             const std::optional<std::string>& template_override,
                             const std::vector<int32_t>& context);

}  // namespace hearth::server
