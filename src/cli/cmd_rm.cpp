// `hearth rm NAME...`: removes models; a blob goes when no model uses it any more.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/error.h"
#include "store/store.h"

namespace hearth::cli {

void register_rm(CLI::App& app) {
  auto names = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("rm", "Remove models from the model store");
  cmd->add_option("names", *names, "Models to remove")->required();
  cmd->callback([names] {
    store::Store store = store::Store::open();
    for (const std::string& text : *names) {
      const store::Name name = store::Name::parse(text);
      if (!store.contains(name)) fail("model '", text, "' not found");
      store.remove(name);
      std::printf("deleted '%s'\n", text.c_str());
    }
  });
}

}  // namespace hearth::cli
