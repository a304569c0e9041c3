#include "backend/tensor_view.h"

#include "core/error.h"

namespace hearth::backend {

TensorView TensorView::contiguous(tensor::DType type, void* data, std::initializer_list<int64_t> shape) {
  if (shape.size() == 0 || shape.size() > 4) fail("tensor view needs 1 to 4 dimensions");
  TensorView v;
  v.type = type;
  v.data = data;
  int i = 0;
  for (int64_t n : shape) v.ne[i++] = n;
  v.nb[0] = tensor::dtype_info(type).block_bytes;
  v.nb[1] = tensor::row_bytes(type, v.ne[0]);
  v.nb[2] = v.nb[1] * static_cast<size_t>(v.ne[1]);
  v.nb[3] = v.nb[2] * static_cast<size_t>(v.ne[2]);
  return v;
}

bool TensorView::is_contiguous_rows() const {
  return nb[2] == nb[1] * static_cast<size_t>(ne[1]) && nb[3] == nb[2] * static_cast<size_t>(ne[2]);
}

}  // namespace hearth::backend
