#pragma once
#include <memory>

#include "gguf/file.h"

namespace hearth::model {

class Model;

// The llama architecture: RMSNorm, RoPE, grouped-query attention, SwiGLU
// feed-forward, output head (tied to the embeddings when output.weight is
// absent).
std::unique_ptr<Model> load_llama(gguf::File file);

}  // namespace hearth::model
