// hearth: one program for running language models locally.
#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "core/error.h"

#ifndef HEARTH_VERSION
#define HEARTH_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"hearth: run language models on this machine", "hearth"};
  app.set_version_flag("--version", "hearth " HEARTH_VERSION);
  app.require_subcommand(1);
  hearth::cli::register_run(app);
  hearth::cli::register_inspect(app);
  hearth::cli::register_perplexity(app);
  hearth::cli::register_tokenize(app);
  hearth::cli::register_chat_template(app);
  hearth::cli::register_quantize(app);
  hearth::cli::register_synth(app);
  hearth::cli::register_bench(app);
  hearth::cli::register_embed(app);
  hearth::cli::register_create(app);
  hearth::cli::register_list(app);
  hearth::cli::register_show(app);
  hearth::cli::register_cp(app);
  hearth::cli::register_rm(app);
  hearth::cli::register_serve(app);
  hearth::cli::register_ps(app);
  hearth::cli::register_stop(app);
  hearth::cli::register_pull(app);
  hearth::cli::register_hw(app);
  hearth::cli::register_fit(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const hearth::cli::ExitCode& e) {
    return e.code;
  } catch (const hearth::Error& e) {
    std::fprintf(stderr, "hearth: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hearth: internal error: %s\n", e.what());
    return 2;
  }
  return 0;
}
