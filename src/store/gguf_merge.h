#pragma once
// llama.cpp's split GGUF files (model-00001-of-00003.gguf, ...) joined into
// one: the first part's metadata without the split.* keys, then every
// part's tensors in order — what `llama-gguf-split --merge` writes.
#include <filesystem>
#include <vector>

namespace hearth::store {

// parts in order (part 1 first). Throws hearth::Error when they are not the
// parts of one split model, in order and complete.
void merge_gguf_parts(const std::vector<std::filesystem::path>& parts, const std::filesystem::path& out);

}  // namespace hearth::store
