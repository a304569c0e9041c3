// `hearth perplexity MODEL -f TEXT [-c N]`: llama.cpp's perplexity method.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "backend/backend.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/perplexity.h"
#include "runtime/session.h"

namespace hearth::cli {

namespace {

struct PerplexityOptions {
  std::string model;
  std::string text_file;
  EngineOptions engine;
};

void run(PerplexityOptions& opts) {
  std::ifstream in(opts.text_file, std::ios::binary);
  if (!in) fail("cannot open text file '", opts.text_file, "'");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());

  auto model = model::Model::load(opts.model);
  auto backend = backend::make_cpu_backend(opts.engine.threads);
  const tokenizer::Vocab& vocab = model->vocab();
  const std::vector<int32_t> tokens = vocab.encode(text, vocab.add_bos(), false);

  runtime::SessionParams sp;
  sp.n_ctx = opts.engine.ctx_size;
  sp.n_batch = opts.engine.ctx_size;
  sp.kv_type = parse_kv_type(opts.engine.kv_type);
  runtime::Session session(*model, *backend, sp);
  std::fprintf(stderr, "perplexity: %zu tokens, %lld chunks of %lld\n", tokens.size(),
               static_cast<long long>(tokens.size() / session.n_ctx()), static_cast<long long>(session.n_ctx()));
  auto result = runtime::perplexity(session, tokens, [](int64_t chunk, double ppl) {
    std::printf("[%lld]%.4f,", static_cast<long long>(chunk + 1), ppl);
    std::fflush(stdout);
  });
  std::printf("\nFinal estimate: PPL = %.4f +/- %.5f over %lld tokens\n", result.ppl, result.ppl_stderr,
              static_cast<long long>(result.scored_tokens));
  std::printf("PPL = %.4f\n", result.ppl);
}

}  // namespace

void register_perplexity(CLI::App& app) {
  auto opts = std::make_shared<PerplexityOptions>();
  opts->engine.ctx_size = 512;
  CLI::App* cmd = app.add_subcommand("perplexity", "Measure a model's perplexity on a text (llama.cpp's method)");
  cmd->add_option("model", opts->model, "Path to a .gguf model file")->required();
  cmd->add_option("-f,--file", opts->text_file, "Text file to score")->required();
  add_engine_options(*cmd, opts->engine);
  cmd->callback([opts] {
    if (opts->engine.ctx_size <= 0) fail("perplexity needs an explicit context size (-c)");
    run(*opts);
  });
}

}  // namespace hearth::cli
