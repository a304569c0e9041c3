// `hearth run MODEL [PROMPT]`: generate from a prompt (argument, -p or piped
// stdin) and stream the text, or, on a terminal without a prompt, complete
// each line typed.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "backend/backend.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/clock.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/generate.h"
#include "runtime/session.h"

namespace hearth::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_sigint(int) {
  if (g_interrupted.load()) std::_Exit(130);  // a second Ctrl-C leaves at once
  g_interrupted.store(true);
}

struct RunOptions {
  std::string model;
  std::string prompt;
  std::string prompt_flag;
  EngineOptions engine;
  runtime::GenerateParams gen;
  int64_t seed = -1;
  bool verbose = false;
};

void print_timings(int64_t total_ns, int64_t load_ns, const runtime::Timings& t) {
  auto rate = [](int64_t n, int64_t ns) { return ns > 0 ? static_cast<double>(n) * 1e9 / static_cast<double>(ns) : 0.0; };
  std::fprintf(stderr, "total duration:       %s\n", format_duration(total_ns).c_str());
  std::fprintf(stderr, "load duration:        %s\n", format_duration(load_ns).c_str());
  std::fprintf(stderr, "prompt eval count:    %lld token(s)\n", static_cast<long long>(t.prompt_tokens));
  std::fprintf(stderr, "prompt eval duration: %s\n", format_duration(t.prompt_ns).c_str());
  std::fprintf(stderr, "prompt eval rate:     %.2f tokens/s\n", rate(t.prompt_tokens, t.prompt_ns));
  std::fprintf(stderr, "eval count:           %lld token(s)\n", static_cast<long long>(t.eval_tokens));
  std::fprintf(stderr, "eval duration:        %s\n", format_duration(t.eval_ns).c_str());
  std::fprintf(stderr, "eval rate:            %.2f tokens/s\n", rate(t.eval_tokens, t.eval_ns));
}

// Generates a continuation of prompt in a cleared sequence, streaming it to stdout.
runtime::GenerateResult complete(runtime::Session& session, const std::string& prompt, const RunOptions& opts) {
  const tokenizer::Vocab& vocab = session.model().vocab();
  const std::vector<int32_t> tokens = vocab.encode(prompt, vocab.add_bos(), false);
  session.truncate(0, 0);
  g_interrupted.store(false);
  auto result = runtime::generate(
      session, tokens, opts.gen,
      [](std::string_view text) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
        return true;
      },
      &g_interrupted);
  std::fputc('\n', stdout);
  std::fflush(stdout);
  return result;
}

void run(RunOptions& opts) {
  const int64_t t0 = now_ns();
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

  auto model = model::Model::load(opts.model);
  auto backend = backend::make_cpu_backend(opts.engine.threads);
  runtime::SessionParams sp;
  sp.n_ctx = opts.engine.ctx_size;
  sp.kv_type = parse_kv_type(opts.engine.kv_type);
  runtime::Session session(*model, *backend, sp);
  const int64_t load_ns = now_ns() - t0;

  std::signal(SIGINT, on_sigint);
  if (!interactive) {
    auto result = complete(session, opts.prompt, opts);
    if (opts.verbose) print_timings(now_ns() - t0, load_ns, result.timings);
    if (result.reason == runtime::StopReason::Cancelled) throw ExitCode{130};
    return;
  }
  // A base model has no chat template: each line typed is a prompt to continue.
  std::string line;
  for (;;) {
    std::fputs(">>> ", stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    if (line == "/bye") break;
    if (line.empty()) continue;
    const int64_t start = now_ns();
    auto result = complete(session, line, opts);
    if (opts.verbose) print_timings(now_ns() - start, 0, result.timings);
  }
}

}  // namespace

void register_run(CLI::App& app) {
  auto opts = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand("run", "Generate text from a prompt with a model");
  cmd->add_option("model", opts->model, "Path to a .gguf model file")->required();
  cmd->add_option("prompt", opts->prompt, "Prompt (default: -p, else standard input, else interactive)");
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
  cmd->add_flag("--verbose", opts->verbose, "Print timings to standard error afterwards");
  add_engine_options(*cmd, opts->engine);
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hearth::cli
