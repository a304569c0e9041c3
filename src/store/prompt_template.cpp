#include "store/prompt_template.h"

#include "chat/template.h"
#include "core/error.h"
#include "store/go_template.h"

namespace hearth::store {

PromptTemplate prompt_template(std::string source) {
  const bool go = is_go_template(source);
  return PromptTemplate{std::move(source), go};
}

std::optional<PromptTemplate> template_in_effect(const std::optional<std::string>& layer,
                                                 const std::optional<std::string>& gguf) {
  std::optional<PromptTemplate> from_layer;
  if (layer && !layer->empty()) from_layer = prompt_template(*layer);
  if (from_layer && !from_layer->go) return from_layer;
  if (gguf && !gguf->empty()) return PromptTemplate{*gguf, false};
  return from_layer;
}

void check_prompt_template(const PromptTemplate& t) {
  try {
    if (t.go) (void)GoTemplate::parse(t.source);
    else (void)chat::Template::parse(t.source);
  } catch (const Error& e) {
    fail("the model's ", t.go ? "Go" : "Jinja", " chat template cannot be used: ", e.what());
  }
}

std::string render_prompt(const PromptTemplate& t, const nlohmann::ordered_json& messages,
                          const nlohmann::ordered_json& tools, const std::string& bos_token,
                          const std::string& eos_token) {
  if (!t.go) return chat::apply_template(t.source, messages, tools, true, bos_token, eos_token);
  try {
    return GoTemplate::parse(t.source).render_chat(messages, tools);
  } catch (const Error& e) {
    fail("the model's Go chat template cannot be used: ", e.what());
  }
}

}  // namespace hearth::store
