#pragma once
// Where a model would run on this machine. hearth computes on the CPU today;
// the GPU placement is what a GPU backend would do (as llama.cpp offloads):
// everything on the GPU when weights, KV cache and compute buffers fit its
// usable memory (VRAM + GTT on an integrated GPU), else as many whole layers
// as fit, the rest on the CPU.
#include <cstdint>
#include <string>

#include "hw/machine.h"
#include "hw/memory_estimate.h"
#include "hw/model_shape.h"

namespace hearth::hw {

struct GpuPlacement {
  std::string kind = "cpu";  // "gpu" (all layers), "split" (gpu_layers of n_layer), "cpu"
  std::string gpu_name;
  int64_t gpu_layers = 0, n_layer = 0;
  uint64_t gpu_bytes = 0;     // what the GPU would hold
  uint64_t gpu_usable = 0;
  std::string reason;
};

struct CpuFit {
  bool fits = false;          // required memory <= RAM available now
  bool fits_total = false;    // <= RAM total (after closing other programs)
  uint64_t required = 0, available = 0, total = 0;
};

GpuPlacement place_on_gpu(const ModelShape& shape, const MemoryPlan& plan, const Machine& machine);
CpuFit fit_in_ram(const MemoryEstimate& memory, const MemoryInfo& ram);

}  // namespace hearth::hw
