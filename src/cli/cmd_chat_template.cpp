// hearth chat-template SOURCE --messages FILE.json [--tools FILE.json]
// [--add-generation-prompt] [--bos-token S] [--eos-token S]: prints the prompt
// a chat template makes of a conversation, exactly and nothing else. SOURCE
// is a .jinja file or a GGUF model (its tokenizer.chat_template, with BOS and
// EOS texts from its vocabulary unless given).
#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/template.h"
#include "cli/commands.h"
#include "core/error.h"
#include "gguf/file.h"
#include "tokenizer/vocab.h"

namespace hearth::cli {

namespace {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("'", path, "': cannot open: ", errno_text(errno));
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) fail("'", path, "': read error");
  return text;
}

nlohmann::ordered_json read_json_array(const std::string& path, const char* what) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(read_text_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail("'", path, "': invalid JSON: ", e.what());
  }
  if (!j.is_array()) fail("'", path, "': ", what, " must be a JSON array");
  return j;
}

bool is_gguf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::string(magic, 4) == "GGUF";
}

}  // namespace

void register_chat_template(CLI::App& app) {
  struct Options {
    std::string source, messages, tools;
    bool add_generation_prompt = false;
    std::string bos, eos;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "chat-template", "Print the prompt a chat template (a .jinja file or a GGUF model's) makes of a conversation");
  cmd->add_option("source", opts->source, "A .jinja template, or a GGUF model with tokenizer.chat_template")->required();
  cmd->add_option("--messages", opts->messages, "JSON file: the messages, as for apply_chat_template")->required();
  cmd->add_option("--tools", opts->tools, "JSON file: the tools, in OpenAI's function format");
  cmd->add_flag("--add-generation-prompt", opts->add_generation_prompt, "End with the start of an assistant turn");
  CLI::Option* bos = cmd->add_option("--bos-token", opts->bos, "BOS text (default: the model's, or empty)");
  CLI::Option* eos = cmd->add_option("--eos-token", opts->eos, "EOS text (default: the model's, or empty)");
  cmd->callback([opts, bos, eos] {
    std::string source;
    std::string bos_text = opts->bos, eos_text = opts->eos;
    if (is_gguf(opts->source)) {
      const gguf::File file = gguf::File::open(opts->source);
      auto tmpl = file.find_string("tokenizer.chat_template");
      if (!tmpl) fail("'", opts->source, "': the model has no chat template (tokenizer.chat_template)");
      source = std::move(*tmpl);
      if (!bos->count() || !eos->count()) {
        const tokenizer::Vocab vocab = tokenizer::Vocab::from_gguf(file);
        if (!bos->count() && vocab.bos() >= 0) bos_text = vocab.piece(vocab.bos());
        if (!eos->count() && vocab.eos() >= 0) eos_text = vocab.piece(vocab.eos());
      }
    } else {
      source = read_text_file(opts->source);
    }
    const nlohmann::ordered_json messages = read_json_array(opts->messages, "the messages");
    nlohmann::ordered_json tools;  // null: no tools
    if (!opts->tools.empty()) tools = read_json_array(opts->tools, "the tools");
    std::string prompt;
    try {
      prompt = chat::apply_template(source, messages, tools, opts->add_generation_prompt, bos_text, eos_text);
    } catch (const chat::TemplateRaised& e) {
      fail("'", opts->source, "': the chat template refused the conversation: ", e.message());
    } catch (const chat::TemplateError& e) {
      fail("'", opts->source, "': ", e.what());
    }
    std::cout << prompt;
    std::cout.flush();
  });
}

}  // namespace hearth::cli
