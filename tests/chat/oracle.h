#pragma once
// Runs tests/chat/render_with_jinja2.py, the jinja2 oracle, on a batch of jobs
// and renders the same jobs with hearth, so that tests can compare the two.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/template.h"

namespace hearth::chat::testing {

// The date both renderers use for strftime_now (HEARTH_FIXED_DATE).
constexpr const char* kFixedDate = "2024-07-26";

struct Rendering {
  std::string status;  // "ok", "raised" (raise_exception) or "error"
  std::string output;
  std::string error;
};

inline std::string oracle_script() { return HEARTH_SOURCE_DIR "/tests/chat/render_with_jinja2.py"; }

// The Python interpreter: $HEARTH_PYTHON, else Debian's /usr/bin/python3
// (where the python3-jinja2 package installs jinja2), else python3 on the PATH.
inline std::string python_command() {
  const char* p = std::getenv("HEARTH_PYTHON");
  if (p && *p) return p;
  if (::access("/usr/bin/python3", X_OK) == 0) return "/usr/bin/python3";
  return "python3";
}

inline std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::string scratch_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("hearth-chat-" + std::to_string(::getpid()) + "-" + name)).string();
}

// s in single quotes, for a shell command line.
inline std::string quoted(const std::string& s) {
  std::string out(1, '\'');
  out += s;
  out += '\'';
  return out;
}

// jobs: a JSON list as render_with_jinja2.py --batch takes it. Throws
// std::runtime_error when the oracle does not run.
inline std::vector<Rendering> run_oracle(const nlohmann::ordered_json& jobs) {
  const std::string jobs_path = scratch_path("jobs.json");
  const std::string err_path = scratch_path("oracle-stderr.txt");
  std::ofstream(jobs_path, std::ios::binary) << jobs.dump();
  ::setenv("HEARTH_FIXED_DATE", kFixedDate, 1);
  const std::string cmd =
      quoted(python_command()) + " " + quoted(oracle_script()) + " --batch " + quoted(jobs_path) + " 2>" + quoted(err_path);
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int status = ::pclose(p);
    if (status != 0) out.clear();
  }
  const std::string err = read_whole_file(err_path);
  std::remove(jobs_path.c_str());
  std::remove(err_path.c_str());
  if (out.empty())
    throw std::runtime_error("the jinja2 oracle failed (it needs " + python_command() +
                             " with jinja2: scripts/install-deps.sh installs python3-jinja2)\n" + cmd + "\n" + err);
  std::vector<Rendering> results;
  for (const auto& r : nlohmann::json::parse(out))
    results.push_back({r.at("status").get<std::string>(), r.at("output").get<std::string>(),
                       r.at("error").get<std::string>()});
  if (results.size() != jobs.size()) throw std::runtime_error("the jinja2 oracle returned the wrong number of results");
  return results;
}

// Renders a job with hearth: a conversation through apply_template, or a
// context of variables through Template::render.
inline Rendering render_with_hearth(const nlohmann::ordered_json& job) {
  ::setenv("HEARTH_FIXED_DATE", kFixedDate, 1);
  const std::string source = job.contains("source") ? job["source"].get<std::string>()
                                                    : read_whole_file(job["template"].get<std::string>());
  try {
    if (job.contains("context")) return {"ok", Template::parse(source).render(job["context"]), ""};
    const auto& c = job["conversation"];
    return {"ok",
            apply_template(source, c["messages"], c.value("tools", nlohmann::ordered_json()),
                           c.value("add_generation_prompt", false), c.value("bos_token", std::string()),
                           c.value("eos_token", std::string())),
            ""};
  } catch (const TemplateRaised& e) {
    return {"raised", "", e.message()};
  } catch (const TemplateError& e) {
    return {"error", "", e.what()};
  }
}

}  // namespace hearth::chat::testing
