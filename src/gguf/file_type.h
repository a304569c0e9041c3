#pragma once
// llama.cpp's file type (llama_ftype, general.file_type) of a file that does
// not say it: the one implied by the tensor type most of its tensors have.
#include <cstdint>
#include <optional>

#include "gguf/file.h"

namespace hearth::gguf {

// As llama.cpp's loader guesses it: the type most tensors have (ties: the one
// seen first) and the file type it implies (Q4_K: Q4_K_M). nullopt when that
// tensor type implies none.
std::optional<uint32_t> guessed_file_type(const File& file);

}  // namespace hearth::gguf
