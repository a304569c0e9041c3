// `hearth cp SOURCE DESTINATION`: another name for a stored model.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/error.h"
#include "store/store.h"

namespace hearth::cli {

void register_cp(CLI::App& app) {
  struct Options {
    std::string from, to;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("cp", "Copy a model in the model store to another name");
  cmd->add_option("source", opts->from, "Model to copy")->required();
  cmd->add_option("destination", opts->to, "New name")->required();
  cmd->callback([opts] {
    const store::Name from = store::Name::parse(opts->from), to = store::Name::parse(opts->to);
    store::Store store = store::Store::open();
    if (!store.contains(from)) fail("model '", opts->from, "' not found");
    store.copy(from, to);
    std::printf("copied '%s' to '%s'\n", opts->from.c_str(), opts->to.c_str());
  });
}

}  // namespace hearth::cli
