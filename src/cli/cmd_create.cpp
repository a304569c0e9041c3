// `hearth create NAME [-f Modelfile] [-q TYPE]`: builds a model from a
// Modelfile into the model store, printing ollama's progress lines.
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "store/modelfile.h"
#include "store/store.h"

namespace hearth::cli {

namespace {

// One line per step; a step with a size shows its percentage, live on a
// terminal, else once when it is done ("copying file sha256:... 100%").
class ProgressPrinter {
 public:
  void operator()(const store::ProgressEvent& e) {
    if (e.total == 0) {
      end_line();
      std::printf("%s\n", e.status.c_str());
    } else {
      const int percent = static_cast<int>(e.completed * 100 / e.total);
      if (tty_) {
        std::printf("\r%s %3d%%", e.status.c_str(), percent);
        open_ = true;
        if (e.completed >= e.total) end_line();
      } else if (e.completed >= e.total && e.status != last_done_) {
        std::printf("%s 100%%\n", e.status.c_str());
        last_done_ = e.status;
      }
    }
    std::fflush(stdout);
  }

 private:
  void end_line() {
    if (open_) std::printf("\n");
    open_ = false;
  }
  bool tty_ = isatty(STDOUT_FILENO);
  bool open_ = false;
  std::string last_done_;
};

}  // namespace

void register_create(CLI::App& app) {
  struct Options {
    std::string name, file = "Modelfile", quantize;
    int threads = 0;
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand("create", "Create a model in the model store from a Modelfile");
  cmd->add_option("name", opts->name, "Name of the model: [host/][namespace/]model[:tag]")->required();
  cmd->add_option("-f,--file", opts->file, "The Modelfile")->capture_default_str();
  cmd->add_option("-q,--quantize", opts->quantize, "Quantize the model while importing it (e.g. Q4_K_M, Q8_0)");
  cmd->add_option("-t,--threads", opts->threads, "Threads for quantizing (default: physical cores)");
  cmd->callback([opts] {
    const store::Name name = store::Name::parse(opts->name);
    const store::Modelfile modelfile = store::Modelfile::read(opts->file);
    for (const std::string& w : modelfile.warnings) std::fprintf(stderr, "hearth: warning: %s\n", w.c_str());
    store::Store store = store::Store::open();
    ProgressPrinter printer;
    store.create(name, modelfile, {opts->quantize, opts->threads}, std::ref(printer));
  });
}

}  // namespace hearth::cli
