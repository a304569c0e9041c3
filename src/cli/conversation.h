#pragma once
// What `hearth run` needs to talk to a model: the loaded model and session,
// the generation settings, the chat template (when the model has one and
// --raw was not given), and the Ctrl-C flag.
#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"
#include "runtime/generate.h"
#include "runtime/session.h"
#include "store/prompt_template.h"

namespace hearth::cli {

struct Conversation {
  Conversation(const model::Model& m, runtime::Session& s, runtime::GenerateParams g)
      : model(m), session(s), gen(std::move(g)) {}

  const model::Model& model;
  runtime::Session& session;
  runtime::GenerateParams gen;
  std::optional<store::PromptTemplate> chat_template;  // empty: raw completion
  bool verbose = false;
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  std::string system;

  // The tokens of the conversation so far, rendered with the template and a
  // generation prompt (messages, preceded by the system message if any).
  std::vector<int32_t> chat_tokens() const;
  // The tokens of text as a raw completion prompt.
  std::vector<int32_t> raw_tokens(const std::string& text) const;
  // Generates from tokens, streaming the text to stdout; Ctrl-C stops it.
  runtime::GenerateResult stream(const std::vector<int32_t>& tokens);
};

// Ctrl-C: the first press sets interrupted() (generation stops, a prompt
// read is abandoned); a second one before the flag is cleared exits.
void install_interrupt_handler();
std::atomic<bool>& interrupted();

void print_timings(int64_t total_ns, int64_t load_ns, const runtime::Timings& t);

// The interactive chat (or, without a template, line-by-line completion).
void run_repl(Conversation& conversation);

}  // namespace hearth::cli
