#pragma once
// Runs the hearth binary with a shell command line and captures its exit
// status, standard output and standard error.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace hearth::testing {

struct Outcome {
  int status = -1;
  std::string out, err;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("hearth-test-" + std::to_string(::getpid()) + "-" + name)).string();
}

// args is appended to the binary's path as shell words; stdin_text, when
// given, is fed on standard input (otherwise /dev/null).
// Runs a shell command line (its own redirections of standard input
// included) and captures its exit status, standard output and error.
inline Outcome run_hearth_raw(const std::string& command) {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string cmd = command + " >'" + out + "' 2>'" + err + "'";
  const int raw = std::system(cmd.c_str());
  Outcome o;
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  o.out = read_file(out);
  o.err = read_file(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return o;
}

inline Outcome run_hearth(const std::string& args, const std::string* stdin_text = nullptr) {
  const std::string in = temp_path("stdin");
  std::string input = "/dev/null";
  if (stdin_text) {
    std::ofstream(in, std::ios::binary) << *stdin_text;
    input = in;
  }
  Outcome o = run_hearth_raw(std::string("'") + HEARTH_BINARY + "' " + args + " <'" + input + "'");
  std::remove(in.c_str());
  return o;
}

// Runs hearth on a pseudo-terminal (script(1)), typing `typed` into it; the
// terminal's echo of the typed text and hearth's output both land in `out`.
inline Outcome run_hearth_in_terminal(const std::string& args, const std::string& typed) {
  const std::string in = temp_path("typed");
  std::ofstream(in, std::ios::binary) << typed;
  const std::string inner = std::string("'") + HEARTH_BINARY + "' " + args;
  std::string quoted;  // inner as one single-quoted shell word
  for (char c : inner) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  Outcome o = run_hearth_raw("timeout 60 script -qec '" + quoted + "' /dev/null <'" + in + "'");
  std::remove(in.c_str());
  return o;
}

}  // namespace hearth::testing
