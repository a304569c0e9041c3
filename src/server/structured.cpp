// Structured output: ollama's `format` ("json" or a JSON schema) and
// OpenAI's response_format as a grammar constraint on the tokens a job may
// sample (sampling/json_schema.h, sampling/constraint.h).
#include "core/error.h"
#include "sampling/constraint.h"
#include "sampling/json_schema.h"
#include "server/api.h"
#include "server/json_fields.h"

namespace hearth::server {

namespace {

class GrammarConstraint final : public runtime::TokenConstraint {
 public:
  GrammarConstraint(std::shared_ptr<const sampling::Grammar> grammar, LoadedModel& model)
      : constraint_(std::move(grammar), model.token_bytes(), end_tokens(model)) {}

  int32_t sample(sampling::Sampler& sampler, std::span<const float> logits) override {
    sampler.set_constraint(&constraint_);
    struct Unset {
      sampling::Sampler& s;
      ~Unset() { s.set_constraint(nullptr); }
    } unset{sampler};
    return sampler.sample(logits);
  }
  void accept(int32_t token) override { constraint_.accept(token); }
  // The value is whole and nothing may follow it: done even when the model
  // has no end-of-generation token.
  bool finished() const override {
    return constraint_.matcher().complete() && !constraint_.matcher().can_continue();
  }

 private:
  static std::vector<int32_t> end_tokens(const LoadedModel& model) {
    const tokenizer::Vocab& vocab = model.model().vocab();
    std::vector<int32_t> out;
    for (int32_t id = 0; id < vocab.size(); ++id)
      if (vocab.is_eog(id)) out.push_back(id);
    return out;
  }

  sampling::TokenConstraint constraint_;
};

}  // namespace

std::unique_ptr<runtime::TokenConstraint> format_constraint(LoadedModel& model, const nlohmann::ordered_json& format) {
  std::shared_ptr<const sampling::Grammar> grammar;
  try {
    if (format.is_string()) {
      if (format.get<std::string>() != "json")
        throw HttpError(400, "\"format\" must be \"json\" or a JSON schema, got \"" + format.get<std::string>() + "\"",
                        "format");
      grammar = sampling::json_grammar();
    } else if (format.is_object()) {
      grammar = sampling::grammar_from_json_schema(format);
    } else {
      throw HttpError(400, std::string("\"format\" must be \"json\" or a JSON schema, got ") + json_type_name(format),
                      "format");
    }
  } catch (const HttpError&) {
    throw;
  } catch (const Error& e) {
    throw HttpError(400, std::string("this JSON schema cannot be enforced: ") + e.what(), "format");
  }
  return std::make_unique<GrammarConstraint>(std::move(grammar), model);
}

}  // namespace hearth::server
