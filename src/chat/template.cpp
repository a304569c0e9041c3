#include "chat/template.h"

#include "chat/parser.h"

namespace hearth::chat {

Template Template::parse(std::string_view source) {
  Template t;
  t.body_ = std::make_shared<const Body>(parse_template(source));
  return t;
}

std::string Template::render(const nlohmann::ordered_json& context, const RenderLimits& limits) const {
  if (!context.is_object()) fail("chat template context must be a JSON object");
  return render(from_json(context), limits);
}

std::string Template::render(const Value& context, const RenderLimits& limits) const {
  Interpreter interp(limits);
  return interp.render(*body_, context);
}

nlohmann::ordered_json chat_context(const nlohmann::ordered_json& messages, const nlohmann::ordered_json& tools,
                                    bool add_generation_prompt, const std::string& bos_token,
                                    const std::string& eos_token) {
  if (!messages.is_array()) fail("chat messages must be a JSON array");
  if (!tools.is_null() && !tools.is_array()) fail("chat tools must be a JSON array");
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  ctx["messages"] = messages;
  ctx["tools"] = tools;
  ctx["documents"] = nullptr;
  ctx["add_generation_prompt"] = add_generation_prompt;
  ctx["bos_token"] = bos_token;
  ctx["eos_token"] = eos_token;
  return ctx;
}

std::string apply_template(std::string_view source, const nlohmann::ordered_json& messages,
                           const nlohmann::ordered_json& tools, bool add_generation_prompt,
                           const std::string& bos_token, const std::string& eos_token) {
  return Template::parse(source).render(chat_context(messages, tools, add_generation_prompt, bos_token, eos_token));
}

}  // namespace hearth::chat
