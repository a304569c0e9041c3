// `hearth pull NAME [--insecure]`: a model from an ollama registry
// (registry.ollama.ai unless the name has a host) or a Hugging Face
// repository (hf.co/ORG/REPO[:QUANT]) into the model store.
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/pull_progress.h"

namespace hearth::cli {

void register_pull(CLI::App& app) {
  struct Options {
    std::string name;
    bool insecure = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("pull", "Pull a model from a registry or from Hugging Face into the model store");
  cmd->add_option("name", opts->name, "[host/][namespace/]model[:tag], or hf.co/ORG/REPO[:QUANT]")->required();
  cmd->add_flag("--insecure", opts->insecure, "Use plain HTTP (a registry on this machine or network)");
  cmd->footer("Environment: HEARTH_MODELS (the store), HF_ENDPOINT (a Hugging Face mirror), HF_TOKEN.");
  cmd->callback([opts] { pull_with_progress(opts->name, opts->insecure); });
}

}  // namespace hearth::cli
