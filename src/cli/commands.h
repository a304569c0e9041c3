#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the
// app; its callback runs the command and may throw hearth::Error, which main
// prints on one line before exiting with status 1.
#include <CLI/CLI.hpp>

namespace hearth::cli {

// Thrown by a command that wants main to return a specific exit status
// (for example 130 after Ctrl-C) without printing an error.
struct ExitCode {
  int code;
};

void register_run(CLI::App& app);
void register_inspect(CLI::App& app);
void register_perplexity(CLI::App& app);
void register_tokenize(CLI::App& app);
void register_chat_template(CLI::App& app);
void register_quantize(CLI::App& app);
void register_synth(CLI::App& app);
void register_bench(CLI::App& app);
void register_embed(CLI::App& app);
void register_create(CLI::App& app);
void register_list(CLI::App& app);
void register_show(CLI::App& app);
void register_cp(CLI::App& app);
void register_rm(CLI::App& app);
void register_serve(CLI::App& app);
void register_ps(CLI::App& app);
void register_stop(CLI::App& app);
void register_pull(CLI::App& app);
void register_hw(CLI::App& app);
void register_fit(CLI::App& app);

}  // namespace hearth::cli
