#pragma once
// A view of up to 4-D tensor data owned by a backend (or mapped from a file).
// ne[0] is the contiguous dimension, as in GGUF and ggml; nb[] are byte
// strides. Activations are F32; weights may be any supported storage type.
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "tensor/dtype.h"

namespace hearth::backend {

struct TensorView {
  tensor::DType type = tensor::DType::F32;
  int64_t ne[4] = {1, 1, 1, 1};
  size_t nb[4] = {0, 0, 0, 0};
  void* data = nullptr;

  // A contiguous view of data with shape ne (ne[0] first).
  static TensorView contiguous(tensor::DType type, void* data, std::initializer_list<int64_t> shape);

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  // Rows of length ne[0] (all higher dimensions flattened).
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
  size_t row_bytes() const { return nb[1]; }
  bool is_contiguous_rows() const;  // rows packed back to back

  template <typename T>
  T* row(int64_t i) const {
    return reinterpret_cast<T*>(static_cast<char*>(data) + static_cast<size_t>(i) * nb[1]);
  }
  float* f32() const { return static_cast<float*>(data); }
  // Rows [first, first + count) of a matrix (ne[2] = ne[3] = 1), as a matrix.
  TensorView row_range(int64_t first, int64_t count) const {
    TensorView v = *this;
    v.data = static_cast<char*>(data) + static_cast<size_t>(first) * nb[1];
    v.ne[1] = count;
    v.nb[2] = v.nb[3] = nb[1] * static_cast<size_t>(count);
    return v;
  }
};

}  // namespace hearth::backend
