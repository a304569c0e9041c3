// The scalar float-matmul level (float_gemm.h): plain C++, the reference the
// other levels are read against, and what runs on a CPU without AVX2.
#include <type_traits>

#include "backend/cpu/float_gemm.h"
#include "core/half.h"

namespace hearth::backend::cpu {
namespace {

constexpr int kMr = 8;
constexpr int kNr = 4;

template <FloatType T>
using Elem = std::conditional_t<T == FloatType::F32, float, uint16_t>;

template <FloatType T>
float widen(Elem<T> v) {
  if constexpr (T == FloatType::F32) return v;
  else if constexpr (T == FloatType::F16) return f16_to_f32(v);
  else return bf16_to_f32(v);
}

void pack_acts(const float* x, size_t x_stride, int nt, int64_t K, void* panel) {
  float* p = static_cast<float*>(panel);
  for (int64_t k = 0; k < K; ++k)
    for (int t = 0; t < kNr; ++t) p[k * kNr + t] = t < nt ? x[t * x_stride + k] : 0.0f;
}

template <FloatType T, int NT>
void tile(int64_t steps, const void* wp, const void* ap, float* c, size_t c_stride, bool accumulate) {
  const Elem<T>* w = static_cast<const Elem<T>*>(wp);
  const float* a = static_cast<const float*>(ap);
  float acc[NT][kMr] = {};
  for (int64_t s = 0; s < steps; ++s)
    for (int t = 0; t < NT; ++t)
      for (int r = 0; r < kMr; ++r) acc[t][r] += widen<T>(w[s * kMr + r]) * a[s * kNr + t];
  for (int t = 0; t < NT; ++t)
    for (int r = 0; r < kMr; ++r) c[t * c_stride + r] = (accumulate ? c[t * c_stride + r] : 0.0f) + acc[t][r];
}

template <FloatType T>
constexpr GemmKernels gemm() {
  return {kMr, kNr,       256,        Pack::F32,     sizeof(Elem<T>),
          pack_acts, {nullptr, tile<T, 1>, tile<T, 2>, tile<T, 3>, tile<T, 4>}};
}

const FloatKernels kScalar{"scalar", {gemm<FloatType::F32>(), gemm<FloatType::F16>(), gemm<FloatType::BF16>()}};

}  // namespace

const FloatKernels& float_kernels_scalar() { return kScalar; }

}  // namespace hearth::backend::cpu
