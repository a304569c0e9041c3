#pragma once
// How llama-bench names a model in its "model" column: architecture, size
// label and file type, e.g. "qwen2 0.5B Q4_K - Medium".
#include <cstdint>
#include <string>

#include "gguf/file.h"

namespace hearth::cli {

// llama.cpp's name for a llama_ftype id (general.file_type): "Q4_0",
// "Q4_K - Medium", "all F32"; "unknown, may not work" for other ids.
std::string file_type_name(uint32_t ftype);

// A size label from the parameter count: "0.5B", "1.5B", "8B", "135M", "292K".
// llama.cpp takes its label from a per-architecture table of layer counts;
// this rounds the count instead, so a few models get a different label.
std::string size_label(uint64_t n_params);

// "<arch> <size label> <file type>"; a guessed file type reads
// "(guessed) all F32" as in llama.cpp.
std::string model_description(const gguf::File& file, uint64_t n_params);

}  // namespace hearth::cli
