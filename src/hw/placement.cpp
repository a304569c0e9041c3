#include "hw/placement.h"

#include <algorithm>

namespace hearth::hw {

namespace {

// Index of a blk.<N>. tensor's layer, or -1.
int64_t layer_of(const std::string& name) {
  if (name.rfind("blk.", 0) != 0) return -1;
  try {
    return std::stoll(name.substr(4));
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

GpuPlacement place_on_gpu(const ModelShape& s, const MemoryPlan& plan, const Machine& machine) {
  GpuPlacement p;
  p.n_layer = s.n_layer;
  const GpuInfo* gpu = machine.best_gpu();
  if (!gpu) {
    p.reason = "no GPU with known memory";
    return p;
  }
  p.gpu_name = gpu->name;
  p.gpu_usable = gpu->usable_bytes;
  // A GPU backend holds the weights as stored (no CPU panels); the token
  // table stays with the CPU, which looks rows up, unless it is also the output.
  uint64_t layers_bytes = 0, other_bytes = 0;
  for (const WeightTensor& w : s.weights) {
    if (w.use == WeightUse::Embeddings) continue;
    (layer_of(w.name) >= 0 ? layers_bytes : other_bytes) += w.bytes;
  }
  const uint64_t kv = kv_cache_bytes(s, plan), compute = compute_bytes(s, plan);
  const uint64_t per_layer = s.n_layer > 0 ? (layers_bytes + kv) / static_cast<uint64_t>(s.n_layer) : 0;
  const uint64_t all = layers_bytes + other_bytes + kv + compute;
  if (all <= gpu->usable_bytes) {
    p.kind = "gpu";
    p.gpu_layers = s.n_layer;
    p.gpu_bytes = all;
    p.reason = "weights, KV cache and buffers fit the GPU's usable memory";
    return p;
  }
  const uint64_t fixed = other_bytes + compute;
  if (fixed < gpu->usable_bytes && per_layer > 0)
    p.gpu_layers = std::min<int64_t>(s.n_layer, static_cast<int64_t>((gpu->usable_bytes - fixed) / per_layer));
  if (p.gpu_layers > 0) {
    p.kind = "split";
    p.gpu_bytes = fixed + static_cast<uint64_t>(p.gpu_layers) * per_layer;
    p.reason = "only some layers fit the GPU's usable memory";
  } else {
    p.reason = "not one layer fits the GPU's usable memory";
  }
  return p;
}

CpuFit fit_in_ram(const MemoryEstimate& memory, const MemoryInfo& ram) {
  CpuFit f;
  f.required = memory.required();
  f.available = ram.available, f.total = ram.total;
  f.fits = ram.known && f.required <= ram.available;
  f.fits_total = ram.known && f.required <= ram.total;
  return f;
}

}  // namespace hearth::hw
