// hearth inspect FILE.gguf [--json]: the header, metadata and tensor table of
// a GGUF file.
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/inspect_format.h"
#include "gguf/file.h"

namespace hearth::cli {

void register_inspect(CLI::App& app) {
  struct Options {
    std::string path;
    bool json = false;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "Show a GGUF file's version, metadata and tensors");
  cmd->add_option("file", opts->path, "GGUF file to inspect")->required();
  cmd->add_flag("--json", opts->json,
                "Print one JSON object: version, alignment, data_offset, metadata (complete), tensors");
  cmd->callback([opts] {
    const gguf::File file = gguf::File::open(opts->path);
    if (opts->json)
      std::cout << inspect_json_text(file) << '\n';
    else
      std::cout << inspect_text(file);
    std::cout.flush();
  });
}

}  // namespace hearth::cli
