#pragma once
// The KV cache: per layer, one K row and one V row per cell, each row holding
// all KV heads of one token. Which cell belongs to which sequence and position
// is the runtime's business; the model only writes and reads cells.
#include <cstdint>
#include <memory>
#include <vector>

#include "backend/backend.h"
#include "tensor/dtype.h"

namespace hearth::model {

class KvCache {
 public:
  // type: F16 (llama.cpp's default), F32 or Q8_0 (row_width a multiple of 32).
  KvCache(backend::Backend& backend, int64_t n_layer, int64_t n_cells, int64_t row_width, tensor::DType type);

  int64_t n_cells() const { return n_cells_; }
  tensor::DType type() const { return type_; }
  const backend::TensorView& k(int64_t layer) const { return k_[layer]; }
  const backend::TensorView& v(int64_t layer) const { return v_[layer]; }
  size_t bytes() const { return buffer_->size(); }

 private:
  int64_t n_cells_;
  tensor::DType type_;
  std::unique_ptr<backend::Buffer> buffer_;
  std::vector<backend::TensorView> k_, v_;
};

}  // namespace hearth::model
