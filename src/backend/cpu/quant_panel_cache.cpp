#include "backend/cpu/quant_panel_cache.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "backend/cpu/quant_panel.h"
#include "core/error.h"

namespace hearth::backend::cpu {

namespace {

// FNV-1a over 16 bytes at the start, the middle row and the last row: a
// cheap check (three cache lines) that the bytes at an address are still
// the ones that were packed.
uint64_t sample_bytes(const TensorView& w) {
  const auto* base = static_cast<const uint8_t*>(w.data);
  const int64_t rows = w.n_rows();
  const size_t n = std::min<size_t>(16, tensor::row_bytes(w.type, w.ne[0]));
  uint64_t h = 1469598103934665603ull;
  for (int64_t r : {int64_t{0}, rows / 2, rows - 1}) {
    const uint8_t* p = base + static_cast<size_t>(r) * w.nb[1];
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  return h;
}

}  // namespace

size_t PanelCache::KeyHash::operator()(const Key& key) const {
  size_t h = std::hash<const void*>()(key.data);
  for (size_t v : {static_cast<size_t>(key.type), static_cast<size_t>(key.k), static_cast<size_t>(key.rows), key.row_stride})
    h = h * 1000003u ^ v;
  return h;
}

size_t PanelCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

const uint8_t* PanelCache::get(ThreadPool& pool, const TensorView& w) {
  const int64_t k = w.ne[0], rows = w.n_rows();
  const uint64_t sample = sample_bytes(w);
  const Key key{w.data, w.type, k, rows, w.nb[1]};
  std::lock_guard<std::mutex> lock(mutex_);
  Entry& e = entries_[key];
  if (e.panels.data() && e.sample == sample) return e.panels.data();

  const size_t pb = panel_bytes(w.type, k);
  const int64_t n_panels = (rows + kPanelRows - 1) / kPanelRows;
  const size_t bytes = pb * static_cast<size_t>(n_panels);
  bytes_ -= e.panels.size();
  e.panels = AlignedBytes();  // the stale panels go before the new ones come
  try {
    e.panels = AlignedBytes(bytes, "packed weights");
  } catch (...) {
    entries_.erase(key);
    throw;
  }
  uint8_t* const out = e.panels.data();
  const auto* src = static_cast<const uint8_t*>(w.data);
  try {
    pool.run([&](int ith, int nth) {
      int64_t begin, end;
      ThreadPool::split(n_panels, ith, nth, begin, end);
      for (int64_t p = begin; p < end; ++p) {
        const int nr = static_cast<int>(std::min<int64_t>(kPanelRows, rows - p * kPanelRows));
        pack_panel(w.type, k, src + static_cast<size_t>(p * kPanelRows) * w.nb[1], w.nb[1], nr, out + p * pb);
      }
    });
  } catch (...) {
    entries_.erase(key);  // never serve a half-packed entry
    throw;
  }
  e.sample = sample;
  bytes_ += bytes;
  return out;
}

}  // namespace hearth::backend::cpu
