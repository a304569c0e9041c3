// `hearth run MODEL [PROMPT]`: with a prompt (argument, -p, or piped stdin),
// answer once and stream the text; on a terminal without a prompt, chat.
// Models with a chat template get their prompts through it unless --raw.
// MODEL is a .gguf path or the name of a model in the store (pulled first
// when it is not there yet), whose template, system message, messages and
// parameters are then the defaults.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <string>

#include "backend/backend.h"
#include "cli/commands.h"
#include "cli/conversation.h"
#include "cli/options.h"
#include "cli/pull_progress.h"
#include "core/clock.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/session.h"
#include "store/prompt_template.h"
#include "store/pull.h"
#include "store/store.h"

namespace hearth::cli {

namespace {

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string prompt_flag;
  EngineOptions engine;
  runtime::GenerateParams gen;
  int64_t seed = -1;
  bool raw = false;
  bool verbose = false;
  bool insecure = false;
  CLI::App* command = nullptr;  // to tell options given on the command line from defaults
};

// A model argument that is not a file, does not end in .gguf and parses as a
// model name (or names a Hugging Face repository) is looked up in the store,
// and pulled first when it is not there, as `ollama run` does.
std::optional<store::ModelInfo> stored_model(const std::string& arg, bool insecure) {
  std::error_code ec;
  if (std::filesystem::exists(arg, ec) || std::filesystem::path(arg).extension() == ".gguf") return std::nullopt;
  const bool hugging_face = store::parse_hf_reference(arg).has_value();
  const auto name = store::pulled_name(arg);
  if (!hugging_face && !name) return std::nullopt;
  const store::Store store = store::Store::open();
  if (name)
    if (auto info = store.find(*name)) return info;
  return store.get(pull_with_progress(arg, insecure).name);
}

// The model's PARAMETERs, where the command line did not set the option.
void apply_model_parameters(const nlohmann::json& params, RunOptions& opts) {
  auto unset = [&](const char* flag) { return opts.command->get_option(flag)->count() == 0; };
  auto& s = opts.gen.sampling;
  for (const auto& [name, v] : params.items()) {
    if (name == "temperature" && unset("--temp")) s.temperature = v.get<float>();
    else if (name == "top_k" && unset("--top-k")) s.top_k = v.get<int>();
    else if (name == "top_p" && unset("--top-p")) s.top_p = v.get<float>();
    else if (name == "min_p" && unset("--min-p")) s.min_p = v.get<float>();
    else if (name == "repeat_penalty" && unset("--repeat-penalty")) s.repeat_penalty = v.get<float>();
    else if (name == "repeat_last_n" && unset("--repeat-last-n")) s.repeat_last_n = v.get<int>();
    else if (name == "seed" && unset("--seed")) opts.seed = v.get<int64_t>();
    else if (name == "num_predict" && unset("--num-predict")) opts.gen.num_predict = v.get<int64_t>();
    else if (name == "num_ctx" && unset("--ctx-size")) opts.engine.ctx_size = v.get<int64_t>();
    else if (name == "num_thread" && unset("--threads")) opts.engine.threads = v.get<int>();
    else if (name == "stop") for (const auto& stop : v) opts.gen.stop.push_back(stop.get<std::string>());
  }
}

void run(RunOptions& opts) {
  const int64_t t0 = now_ns();
  const std::optional<store::ModelInfo> stored = stored_model(opts.model, opts.insecure);
  if (stored) apply_model_parameters(stored->parameters, opts);
  if (!opts.prompt_flag.empty()) {
    if (!opts.prompt.empty()) fail("give the prompt either as an argument or with -p, not both");
    opts.prompt = opts.prompt_flag;
  }
  const bool interactive = opts.prompt.empty() && isatty(STDIN_FILENO);
  if (opts.prompt.empty() && !interactive) {
    opts.prompt.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    while (!opts.prompt.empty() && (opts.prompt.back() == '\n' || opts.prompt.back() == '\r')) opts.prompt.pop_back();
    if (opts.prompt.empty()) fail("the prompt read from standard input is empty");
  }
  if (opts.seed >= 0) {
    opts.gen.sampling.seed = static_cast<uint64_t>(opts.seed);
    opts.gen.sampling.random_seed = false;
  }

  auto model = model::Model::load(stored ? stored->model_path.string() : opts.model);
  auto backend = backend::make_cpu_backend(opts.engine.threads);
  runtime::SessionParams sp;
  sp.n_ctx = opts.engine.ctx_size;
  sp.kv_type = parse_kv_type(opts.engine.kv_type);
  runtime::Session session(*model, *backend, sp);
  Conversation conversation(*model, session, opts.gen);
  conversation.verbose = opts.verbose;
  if (!opts.raw) {
    conversation.chat_template = store::template_in_effect(stored ? stored->template_text : std::nullopt,
                                                           model->file().find_string("tokenizer.chat_template"));
    if (conversation.chat_template) store::check_prompt_template(*conversation.chat_template);
  }
  if (stored) {
    if (stored->system) conversation.system = *stored->system;
    for (const store::Message& m : stored->messages)
      conversation.messages.push_back({{"role", m.role}, {"content", m.content}});
  }
  const int64_t load_ns = now_ns() - t0;

  install_interrupt_handler();
  if (interactive) {
    run_repl(conversation);
    return;
  }
  std::vector<int32_t> tokens;
  if (conversation.chat_template) {
    conversation.messages.push_back({{"role", "user"}, {"content", opts.prompt}});
    tokens = conversation.chat_tokens();
  } else {
    tokens = conversation.raw_tokens(opts.prompt);
  }
  auto result = conversation.stream(tokens);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (opts.verbose) print_timings(now_ns() - t0, load_ns, result.timings);
  if (result.reason == runtime::StopReason::Cancelled) throw ExitCode{130};
}

}  // namespace

void register_run(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Chat with a model, or generate text from a prompt");
  opts->command = cmd;
  cmd->add_option("model", opts->model, "A .gguf model file, or a model name (pulled when not in the store)")->required();
  cmd->add_option("prompt", opts->prompt, "Prompt (default: -p, else standard input, else an interactive chat)");
  cmd->add_option("-p,--prompt", opts->prompt_flag, "Prompt");
  auto& s = opts->gen.sampling;
  cmd->add_option("-n,--num-predict", opts->gen.num_predict, "Tokens to generate (-1: until the model stops)")
      ->capture_default_str();
  cmd->add_option("--temp", s.temperature, "Temperature (0: greedy)")->capture_default_str()->check(CLI::NonNegativeNumber);
  cmd->add_option("--top-k", s.top_k, "Keep the k most likely tokens (0: off)")->capture_default_str();
  cmd->add_option("--top-p", s.top_p, "Keep the most likely tokens up to this probability mass (1: off)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--min-p", s.min_p, "Drop tokens less likely than min-p times the most likely one")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--repeat-penalty", s.repeat_penalty, "Penalty for repeating recent tokens (1: off)")
      ->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--repeat-last-n", s.repeat_last_n, "How many recent tokens the penalty looks at (0: off, -1: all)")
      ->capture_default_str()->check(CLI::Range(-1, 1 << 30));
  cmd->add_option("--seed", opts->seed, "Random seed (default: random)");
  cmd->add_flag("--raw", opts->raw, "Complete the prompt as plain text, without the chat template");
  cmd->add_flag("--verbose", opts->verbose, "Print timings to standard error afterwards");
  cmd->add_flag("--insecure", opts->insecure, "Pull over plain HTTP when the model is not in the store yet");
  add_engine_options(*cmd, opts->engine);
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hearth::cli
