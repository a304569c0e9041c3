#include "model/kv_cache.h"

#include "core/error.h"

namespace hearth::model {

KvCache::KvCache(backend::Backend& backend, int64_t n_layer, int64_t n_cells, int64_t row_width, tensor::DType type)
    : n_cells_(n_cells), type_(type) {
  if (type != tensor::DType::F16 && type != tensor::DType::F32 && type != tensor::DType::Q8_0)
    fail("KV cache type ", tensor::dtype_info(type).name, " is not supported (use f16, f32 or q8_0)");
  if (type == tensor::DType::Q8_0 && row_width % 32)
    fail("KV cache type q8_0 needs rows of whole 32-value blocks, but this model's K/V rows hold ", row_width,
         " values (use f16 or f32)");
  if (n_cells <= 0) fail("KV cache needs at least one cell");
  const size_t plane = tensor::row_bytes(type, row_width) * static_cast<size_t>(n_cells);
  buffer_ = backend.alloc(plane * 2 * static_cast<size_t>(n_layer));
  char* base = static_cast<char*>(buffer_->data());
  for (int64_t l = 0; l < n_layer; ++l) {
    k_.push_back(backend::TensorView::contiguous(type, base + plane * (2 * l), {row_width, n_cells}));
    v_.push_back(backend::TensorView::contiguous(type, base + plane * (2 * l + 1), {row_width, n_cells}));
  }
}

}  // namespace hearth::model
