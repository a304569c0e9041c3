// `hearth stop MODEL`: asks the running server to unload a model now (a
// generate request with keep_alive 0, as `ollama stop` sends).
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/server_client.h"

namespace hearth::cli {

void register_stop(CLI::App& app) {
  auto model = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("stop", "Unload a model from the running server");
  cmd->add_option("model", *model, "The model's name, as `hearth ps` lists it")->required();
  cmd->callback([model] { call_server("POST", "/api/generate", {{"model", *model}, {"keep_alive", 0}}); });
}

}  // namespace hearth::cli
