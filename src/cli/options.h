#pragma once
// Options shared by the commands that load a model and run it.
#include <string>

#include <CLI/CLI.hpp>

#include "tensor/dtype.h"

namespace hearth::cli {

struct EngineOptions {
  int threads = 0;        // 0: one per physical core
  int64_t ctx_size = 0;   // 0: the model's training context, at most 4096
  std::string kv_type = "f16";
};

void add_engine_options(CLI::App& cmd, EngineOptions& opts);
tensor::DType parse_kv_type(const std::string& name);

// Go-style duration text, as ollama prints it: "1.234567s", "12.345ms", "345.6µs".
std::string format_duration(int64_t ns);

}  // namespace hearth::cli
