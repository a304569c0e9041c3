#pragma once
// The two kinds of pull behind store::pull (pull.h), and what they share.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/pull.h"

namespace hearth::store {

PullResult pull_from_registry(Store& store, const Name& name, const PullOptions& options, const ProgressFn& progress);
PullResult pull_from_hugging_face(Store& store, const HfReference& ref, const PullOptions& options,
                                  const ProgressFn& progress);

// Why a freshly pulled model could not chat, if it could not: its template
// layer (a Go template unless the GGUF has its own Jinja one) does not parse.
std::optional<std::string> template_problem(const std::filesystem::path& gguf,
                                            const std::optional<std::filesystem::path>& template_layer);

}  // namespace hearth::store
