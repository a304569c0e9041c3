#include "backend/cpu/float_panels.h"

#include <algorithm>
#include <cstring>

#include "core/bytes.h"
#include "core/error.h"

namespace hearth::backend::cpu {

namespace {

// Panel element of row r, element k.
inline size_t panel_index(bool pairs, int mr, int r, int64_t k) {
  return pairs ? (static_cast<size_t>(k / 2) * mr + r) * 2 + (k & 1) : static_cast<size_t>(k) * mr + r;
}

template <typename E>
void pack_rows(bool pairs, int mr, const uint8_t* w, size_t w_stride, int rows, int64_t K, E* p) {
  // A pass over 64 k writes 64 steps of the panel (a few KiB, in L1) while
  // each row is read in order.
  constexpr int64_t kPass = 64;
  for (int64_t k0 = 0; k0 < K; k0 += kPass) {
    const int64_t k1 = std::min(K, k0 + kPass);
    for (int r = 0; r < rows; ++r) {
      const uint8_t* row = w + r * w_stride;
      for (int64_t k = k0; k < k1; ++k) p[panel_index(pairs, mr, r, k)] = load_le<E>(row + k * sizeof(E));
    }
  }
}

// A few words spread over the matrix: different data at the same address
// shows up here (unless it differs nowhere we look).
uint64_t sample(const TensorView& w) {
  const auto* base = static_cast<const uint8_t*>(w.data);
  const size_t row_bytes = tensor::row_bytes(w.type, w.ne[0]);
  const int64_t rows = w.n_rows();
  uint64_t h = 0xcbf29ce484222325ull;
  constexpr int kSamples = 8;
  for (int i = 0; i < kSamples; ++i) {
    const int64_t r = rows * i / kSamples;
    const size_t off = row_bytes * i / kSamples / 8 * 8;
    uint64_t v = 0;
    std::memcpy(&v, base + r * w.nb[1] + off, std::min<size_t>(8, row_bytes - off));
    h = (h ^ v) * 0x100000001b3ull;
  }
  return h;
}

}  // namespace

void pack_panel(const GemmKernels& g, int elem_bytes, const uint8_t* w, size_t w_stride, int rows, int64_t K,
                uint8_t* panel) {
  std::memset(panel, 0, g.panel_bytes(K));
  const bool pairs = g.pack == Pack::Bf16Pairs;
  if (elem_bytes == 4) pack_rows(pairs, g.mr, w, w_stride, rows, K, reinterpret_cast<float*>(panel));
  else pack_rows(pairs, g.mr, w, w_stride, rows, K, reinterpret_cast<uint16_t*>(panel));
}

size_t FloatPanels::KeyHash::operator()(const Key& key) const {
  size_t h = std::hash<const void*>()(key.data);
  for (uint64_t v : {static_cast<uint64_t>(key.type), static_cast<uint64_t>(key.k), static_cast<uint64_t>(key.rows),
                     static_cast<uint64_t>(key.row_stride)})
    h = (h ^ v) * 0x100000001b3ull;
  return h;
}

const uint8_t* FloatPanels::get(ThreadPool& pool, const GemmKernels& g, const TensorView& w) {
  const int64_t K = w.ne[0], R = w.n_rows();
  const Key key{w.data, w.type, K, R, w.nb[1]};
  const uint64_t seen = sample(w);
  Entry& e = entries_[key];
  if (e.panels.data() && e.sample == seen) return e.panels.data();

  const int64_t n_panels = (R + g.mr - 1) / g.mr;
  const size_t panel_bytes = g.panel_bytes(K);
  if (!e.panels.data()) {
    e.panels = AlignedBytes(panel_bytes * n_panels, "packed weights");
    bytes_ += panel_bytes * n_panels;
  }
  const int elem_bytes = w.type == tensor::DType::F32 ? 4 : 2;
  const auto* wb = static_cast<const uint8_t*>(w.data);
  uint8_t* const out = e.panels.data();
  pool.run([&](int ith, int nth) {
    int64_t begin, end;
    ThreadPool::split(n_panels, ith, nth, begin, end);
    for (int64_t p = begin; p < end; ++p) {
      const int rows = static_cast<int>(std::min<int64_t>(g.mr, R - p * g.mr));
      pack_panel(g, elem_bytes, wb + p * g.mr * w.nb[1], w.nb[1], rows, K, out + p * panel_bytes);
    }
  });
  e.sample = seen;
  return out;
}

}  // namespace hearth::backend::cpu
