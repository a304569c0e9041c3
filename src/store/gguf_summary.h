#pragma once
// What the store reports about a GGUF model, from its metadata and tensor
// infos: what ollama's config blob, /api/tags and /api/show carry.
#include <cstdint>
#include <optional>
#include <string>

#include "gguf/file.h"

namespace hearth::store {

struct GgufSummary {
  std::string architecture;        // general.architecture ("" when absent)
  uint64_t parameter_count = 0;    // elements of all tensors, as ollama counts them
  std::string file_type;           // ollama's name: "Q4_K_M", "F16", "F32", ...
  uint64_t context_length = 0;     // <arch>.context_length, 0 when absent
  uint64_t embedding_length = 0;   // <arch>.embedding_length, 0 when absent
  uint64_t split_count = 0;        // split.count: more than 1 for one part of a split model
  std::optional<std::string> chat_template;  // tokenizer.chat_template
  bool encoder = false;            // an embedding model (bert, nomic-bert)
};

GgufSummary summarize_gguf(const gguf::File& file);

// ollama's name of a llama.cpp file type id (general.file_type): "Q4_K_M";
// "unknown" for ids it has no name for.
std::string file_type_name(uint32_t ftype);

}  // namespace hearth::store
