#pragma once
#include <memory>

#include "gguf/file.h"

namespace hearth::model {

class Model;

// Encoders for embeddings: bert (learned positions, biases, GELU feed-forward;
// bge, all-MiniLM) and nomic-bert (NeoX RoPE, fused q/k/v, SwiGLU). LayerNorm
// after each residual add; attention over the whole sequence. forward's output
// rows are final hidden states (output_width() = n_embd); runtime/embed.h
// pools and normalises them.
bool is_bert_arch(const std::string& arch);
std::unique_ptr<Model> load_bert(gguf::File file);

}  // namespace hearth::model
