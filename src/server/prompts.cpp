#include "server/prompts.h"

#include "chat/template.h"
#include "server/json_fields.h"

namespace hearth::server {

namespace {

bool known_role(const std::string& r) { return r == "system" || r == "user" || r == "assistant" || r == "tool"; }

std::vector<int32_t> tokenize_rendered(const model::Model& model, const std::string& text, bool from_template) {
  const tokenizer::Vocab& vocab = model.vocab();
  if (!from_template) return vocab.encode(text, vocab.add_bos(), false);
  // Templates usually write the BOS text themselves; add BOS only when the
  // vocabulary wants one and the rendered prompt does not start with it.
  const std::string bos = vocab.bos() >= 0 ? vocab.piece(vocab.bos()) : "";
  const bool add_bos = vocab.add_bos() && (bos.empty() || text.rfind(bos, 0) != 0);
  return vocab.encode(text, add_bos, true);
}

std::string render(const model::Model& model, const store::PromptTemplate& source,
                   const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools) {
  const tokenizer::Vocab& vocab = model.vocab();
  const std::string bos = vocab.bos() >= 0 ? vocab.piece(vocab.bos()) : "";
  const std::string eos = vocab.eos() >= 0 ? vocab.piece(vocab.eos()) : "";
  try {
    return store::render_prompt(source, messages, tools, bos, eos);
  } catch (const chat::TemplateRaised& e) {
    throw HttpError(400, std::string("the model's chat template refused the conversation: ") + e.what());
  }
}

}  // namespace

std::optional<store::PromptTemplate> chat_template_for(const ModelEntry& entry, const model::Model& model) {
  return store::template_in_effect(entry.chat_template, model.file().find_string("tokenizer.chat_template"));
}

// A request's own "template", else the model's.
static std::optional<store::PromptTemplate> template_for(const ModelEntry& entry, const model::Model& model,
                                                         const std::optional<std::string>& override) {
  if (override) return store::prompt_template(*override);
  return chat_template_for(entry, model);
}

nlohmann::ordered_json normalize_messages(const nlohmann::json& messages) {
  if (!messages.is_array()) throw HttpError(400, "\"messages\" must be an array", "messages");
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    const nlohmann::json& m = messages[i];
    const std::string where = "messages[" + std::to_string(i) + "].";
    if (!m.is_object()) throw HttpError(400, "\"" + where.substr(0, where.size() - 1) + "\" must be an object", "messages");
    const std::string role = required_string(m, "role", where);
    if (!known_role(role))
      throw HttpError(400, "\"" + where + "role\" must be system, user, assistant or tool, got \"" + role + "\"",
                      "messages");
    if (const nlohmann::json* images = opt_array(m, "images", where); images && !images->empty())
      throw HttpError(400, "this model reads text only: images are not supported", "messages");
    std::string content;
    if (const auto it = m.find("content"); it != m.end() && !it->is_null()) {
      if (it->is_string()) {
        content = it->get<std::string>();
      } else if (it->is_array()) {
        for (const auto& part : *it) {
          const std::string type = part.is_object() ? opt_string(part, "type", where + "content[].").value_or("") : "";
          if (type == "text") content += opt_string(part, "text", where + "content[].").value_or("");
          else if (type == "image_url" || type == "input_image" || type == "image")
            throw HttpError(400, "this model reads text only: images are not supported", "messages");
          else throw HttpError(400, "\"" + where + "content\" parts must be of type \"text\"", "messages");
        }
      } else {
        throw HttpError(400, "\"" + where + "content\" must be a string or an array of parts", "messages");
      }
    }
    nlohmann::ordered_json msg = {{"role", role}, {"content", content}};
    if (const auto it = m.find("tool_calls"); it != m.end() && it->is_array()) msg["tool_calls"] = *it;
    if (auto name = opt_string(m, "name", where)) msg["name"] = *name;
    if (auto id = opt_string(m, "tool_call_id", where)) msg["tool_call_id"] = *id;
    out.push_back(std::move(msg));
  }
  return out;
}

ChatPrompt chat_prompt(const model::Model& model, const ModelEntry& entry, const nlohmann::ordered_json& messages,
                       const nlohmann::ordered_json& tools, const std::optional<std::string>& template_override) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  const bool has_system = !messages.empty() && messages[0]["role"] == "system";
  if (!has_system && !entry.system.empty()) all.push_back({{"role", "system"}, {"content", entry.system}});
  if (entry.messages.is_array())
    for (const auto& m : entry.messages) all.push_back(nlohmann::ordered_json::parse(m.dump()));
  for (const auto& m : messages) all.push_back(m);

  const std::optional<store::PromptTemplate> source = template_for(entry, model, template_override);
  ChatPrompt p;
  if (source) {
    p.text = render(model, *source, all, tools);
  } else {
    for (const auto& m : all) {
      if (!p.text.empty()) p.text += "\n\n";
      p.text += m["content"].get<std::string>();
    }
  }
  p.tokens = tokenize_rendered(model, p.text, source.has_value());
  return p;
}

ChatPrompt completion_prompt(const model::Model& model, const ModelEntry& entry, const std::string& prompt,
                             const std::optional<std::string>& system, bool raw,
                             const std::optional<std::string>& template_override,
                             const std::vector<int32_t>& context) {
  const std::optional<store::PromptTemplate> source = template_for(entry, model, template_override);
  ChatPrompt p;
  if (raw || !source) {
    p.text = prompt;
    // Continuing an earlier exchange: no second BOS.
    p.tokens = context.empty() ? tokenize_rendered(model, prompt, false) : model.vocab().encode(prompt, false, false);
  } else {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    const std::string sys = system.value_or(entry.system);
    if (!sys.empty() && context.empty()) messages.push_back({{"role", "system"}, {"content", sys}});
    messages.push_back({{"role", "user"}, {"content", prompt}});
    p.text = render(model, *source, messages, nlohmann::ordered_json());
    p.tokens = context.empty() ? tokenize_rendered(model, p.text, true) : model.vocab().encode(p.text, false, true);
  }
  if (!context.empty()) p.tokens.insert(p.tokens.begin(), context.begin(), context.end());
  return p;
}

}  // namespace hearth::server
