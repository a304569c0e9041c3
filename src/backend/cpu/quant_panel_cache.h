#pragma once
// The panels (quant_panel.h) of the weights a backend has multiplied with,
// packed on first use and kept in memory for the backend's lifetime, keyed
// by the weight's data pointer (and shape). A model's weights are views into its mapped
// file that never change, so each is packed once; the file's pages behind
// them are then no longer read and the OS may drop them. A sample of the
// bytes is checked on every use, so that different data later placed at the
// same address (a freed buffer reused) is packed again rather than served
// stale; entries are never evicted.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "backend/tensor_view.h"
#include "core/aligned_bytes.h"
#include "core/thread_pool.h"

namespace hearth::backend::cpu {

class PanelCache {
 public:
  // The panels of w (a type with a panel layout; rows of w.ne[0] elements,
  // w.n_rows() of them, nb[1] apart): ceil(rows / 16) panels of
  // panel_bytes(w.type, w.ne[0]) each, 64-byte aligned.
  const uint8_t* get(ThreadPool& pool, const TensorView& w);
  // Bytes held.
  size_t bytes() const;

 private:
  // Two views from one address (the first rows of a tensor, and all of it)
  // are two entries.
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
  mutable std::mutex mutex_;
  std::unordered_map<Key, Entry, KeyHash> entries_;
  size_t bytes_ = 0;
};

}  // namespace hearth::backend::cpu
