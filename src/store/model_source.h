#pragma once
// What a Modelfile's FROM names: a GGUF file, a directory holding exactly one
// GGUF file, or a model already in the store.
#include <filesystem>
#include <optional>
#include <string>

#include "store/store.h"

namespace hearth::store {

struct ModelSource {
  std::filesystem::path gguf;     // the GGUF file (a blob for a stored model)
  std::optional<ModelInfo> base;  // set when FROM names a stored model
};

// A path as a Modelfile writes it: "~/" is the home directory, a relative
// path is relative to `directory`.
std::filesystem::path modelfile_path(const std::string& text, const std::filesystem::path& directory);

// Throws hearth::Error: no such file or model, a directory with no GGUF file
// or several, a model split into parts (hearth does not merge them).
ModelSource resolve_model_source(const Store& store, const Modelfile& modelfile);

}  // namespace hearth::store
