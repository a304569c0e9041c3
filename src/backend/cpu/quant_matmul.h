#pragma once
// Matmul with quantized weights through the integer kernels of quant_dot.h:
// out[t][r] = sum_k w[r][k] * x[t][k], with x quantized once per call into
// the weight type's partner (a buffer kept between calls: no allocation once
// it has grown to the largest batch). At the AVX-512 VNNI level the types
// with a panel layout (quant_panel.h) run on their weights packed into
// panels, once per weight (quant_panel_cache.h), at every batch size
// (HEARTH_PANELS=0 in the environment turns that off, to compare).
#include <cstdint>

#include "backend/cpu/quant_dot.h"
#include "backend/cpu/quant_panel.h"
#include "backend/cpu/quant_panel_cache.h"
#include "backend/tensor_view.h"
#include "core/aligned_bytes.h"
#include "core/thread_pool.h"

namespace hearth::backend::cpu {

class QuantMatmul {
 public:
  // panels: use the panel kernels where the level has them (false: only
  // the kernels on the weights as they are, for comparison).
  explicit QuantMatmul(const QuantKernels& kernels, bool panels = true);

  const QuantKernels& kernels() const { return kernels_; }
  bool supports(tensor::DType w) const { return kernels_.find(w) != nullptr; }
  // Whether weights of type w are packed into panels on first use (and kept).
  bool packs(tensor::DType w) const { return find_panel_kernel(panel_kernels_, w) != nullptr; }

  // w: [K, R] of a supported type, x: [K, T] f32, out: [R, T] f32; shapes
  // already checked by the caller.
  void run(ThreadPool& pool, const TensorView& w, const TensorView& x, const TensorView& out);

 private:
  void run_panels(ThreadPool& pool, PanelGemmFn gemm, const TensorView& w, const TensorView& x, const TensorView& out);

  const QuantKernels& kernels_;
  const PanelGemmFn* panel_kernels_;  // nullptr: none
  AlignedBytes act_, wide_;  // quantized activations, grown only
  PanelCache panels_;
};

}  // namespace hearth::backend::cpu
