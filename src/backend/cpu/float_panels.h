#pragma once
// The weight panels (float_gemm.h) of the F32, F16 and BF16 matrices a
// FloatMatmul has multiplied with, packed on first use and kept for its
// lifetime, keyed by the weight's data pointer and shape. A model's weights
// are views into its mapped file that never change, so each is packed once
// (the file's pages behind it are then no longer read and the OS may drop
// them). A sample of the bytes is checked on every use, so that other data
// later placed at the same address (a freed buffer reused) is packed again
// rather than served stale. Entries are never evicted.
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "backend/cpu/float_gemm.h"
#include "backend/tensor_view.h"
#include "core/aligned_bytes.h"
#include "core/thread_pool.h"

namespace hearth::backend::cpu {

// Packs rows [0, rows) of w (rows <= g.mr, row i at w + i * w_stride, of
// element size elem_bytes), all K elements, into one panel of g's layout.
void pack_panel(const GemmKernels& g, int elem_bytes, const uint8_t* w, size_t w_stride, int rows, int64_t K,
                uint8_t* panel);

class FloatPanels {
 public:
  // The panels of w laid out for g: ceil(rows / g.mr) panels of
  // g.panel_bytes(K) bytes each, back to back, 64-byte aligned.
  const uint8_t* get(ThreadPool& pool, const GemmKernels& g, const TensorView& w);
  size_t bytes() const { return bytes_; }

 private:
  struct Key {
    const void* data;
    tensor::DType type;
    int64_t k, rows;
    size_t row_stride;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& key) const;
  };
  struct Entry {
    uint64_t sample = 0;
    AlignedBytes panels;
  };
  std::unordered_map<Key, Entry, KeyHash> entries_;
  size_t bytes_ = 0;
};

}  // namespace hearth::backend::cpu
