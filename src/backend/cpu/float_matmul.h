#pragma once
// Matmul with F32, F16 or BF16 weights through the kernels of float_gemm.h:
// out[t][r] = sum_k w[r][k] * x[t][k]. The weights are repacked into panels
// on first use (float_panels.h); per call the activations are packed, then
// the threads split the weight panels and run the tile kernels over them:
//
//  - one activation panel (a token or a few; decode): each thread reads its
//    panels front to back, one stream at memory speed.
//  - more: per K block, a block of panels (in L2) meets every activation
//    panel (in L1) in turn.
//
// Both orders sum every output the same way, so results do not depend on
// the batch. The activation buffer is kept between calls and only grows:
// once it fits the largest batch, a call allocates nothing (after the first
// call with each weight matrix, which packs it).
#include <cstdint>

#include "backend/cpu/float_gemm.h"
#include "backend/cpu/float_panels.h"
#include "backend/tensor_view.h"
#include "core/aligned_bytes.h"
#include "core/thread_pool.h"

namespace hearth::backend::cpu {

class FloatMatmul {
 public:
  explicit FloatMatmul(const FloatKernels& kernels) : kernels_(kernels) {}

  const FloatKernels& kernels() const { return kernels_; }
  static bool supports(tensor::DType w) {
    FloatType t;
    return float_type_of(w, t);
  }
  // Bytes of packed weights held.
  size_t panel_bytes() const { return panels_.bytes(); }

  // w: [K, R] F32, F16 or BF16; x: [K, T] f32; out: [R, T] f32; shapes
  // already checked by the caller.
  void run(ThreadPool& pool, const TensorView& w, const TensorView& x, const TensorView& out);

 private:
  const FloatKernels& kernels_;
  FloatPanels panels_;
  AlignedBytes acts_;  // packed activations, grown only
};

}  // namespace hearth::backend::cpu
