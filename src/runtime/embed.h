#pragma once
// Sentence embeddings from an encoder model (bert, nomic-bert): one forward
// pass over the whole sequence with attention in both directions, the token
// states pooled as the file declares (<arch>.pooling_type: mean, CLS or last
// token), then L2-normalised, as llama.cpp's embedding tools and ollama's
// /api/embed return them.
#include <cstdint>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "model/model.h"

namespace hearth::runtime {

// Throws hearth::Error for a model that does not embed (a decoder, or an
// encoder without pooling), an empty input, or one longer than the model's
// context.
std::vector<float> embed(const model::Model& model, backend::Backend& backend, std::span<const int32_t> tokens,
                         bool normalize = true);

}  // namespace hearth::runtime
