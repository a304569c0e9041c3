// `hearth embed MODEL [TEXT]`: the sentence embedding of a text (the argument,
// or all of stdin) from an embedding model (bert, nomic-bert), pooled as the
// model declares and L2-normalised, printed as a JSON array of floats.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "backend/backend.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "core/error.h"
#include "model/model.h"
#include "runtime/embed.h"

namespace hearth::cli {

namespace {

struct EmbedOptions {
  std::string model;
  std::optional<std::string> text;
  int threads = 0;
  bool no_normalize = false;
};

void run(const EmbedOptions& opts) {
  std::string text;
  if (opts.text) {
    text = *opts.text;
  } else {
    std::cin >> std::noskipws;
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) fail("cannot read the text from stdin");
  }
  const auto model = model::Model::load(opts.model);
  const tokenizer::Vocab& vocab = model->vocab();
  // As the model's tokenizer adds them: BERT's [CLS] ... [SEP].
  std::vector<tokenizer::Token> ids = vocab.encode(text, vocab.add_bos(), false);
  if (vocab.add_eos() && vocab.eos() >= 0) ids.push_back(vocab.eos());
  auto backend = backend::make_cpu_backend(opts.threads);
  const std::vector<float> embedding = runtime::embed(*model, *backend, ids, !opts.no_normalize);
  const std::string out = nlohmann::json(embedding).dump() + "\n";
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0)
    fail("cannot write to stdout");
}

}  // namespace

void register_embed(CLI::App& app) {
  auto opts = std::make_shared<EmbedOptions>();
  CLI::App* cmd = app.add_subcommand("embed", "Print the embedding of a text as a JSON array (embedding models)");
  cmd->add_option("model", opts->model, "Path to a .gguf embedding model (bert, nomic-bert)")->required();
  cmd->add_option("text", opts->text, "Text to embed (default: all of stdin)");
  cmd->add_option("-t,--threads", opts->threads, "Threads to compute with (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--no-normalize", opts->no_normalize, "Print the pooled vector without L2 normalisation");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace hearth::cli
