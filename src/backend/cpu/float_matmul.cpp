#include "backend/cpu/float_matmul.h"

#include <algorithm>

#include "backend/cpu/cpu_features.h"
#include "core/error.h"

namespace hearth::backend::cpu {

namespace {
// With several activation panels, a thread runs its weight panels in blocks
// of this many rows: a block's K block (256 rows x kc steps, 128 KiB for
// F16) stays in L2 while every activation panel passes over it.
constexpr int64_t kBlockRows = 256;
// The most rows a level's panel holds (sizes the tile for the last rows).
constexpr int kMaxPanelRows = 32;
// Below this many activation panels the calling thread packs them alone: a
// dispatch to the pool would cost more than it saves.
constexpr int64_t kParallelPackGroups = 4;
}  // namespace

bool float_type_of(tensor::DType t, FloatType& out) {
  switch (t) {
    case tensor::DType::F32: out = FloatType::F32; return true;
    case tensor::DType::F16: out = FloatType::F16; return true;
    case tensor::DType::BF16: out = FloatType::BF16; return true;
    default: return false;
  }
}

std::vector<const FloatKernels*> supported_float_kernels() {
  std::vector<const FloatKernels*> v{&float_kernels_scalar()};
  for (const FloatKernels* k : {float_kernels_avx2(), float_kernels_avx512(), float_kernels_avx512bf16()})
    if (k) v.push_back(k);
  return v;
}

const FloatKernels& best_float_kernels() {
  static const FloatKernels& chosen = []() -> const FloatKernels& {
    const Level level = chosen_level();
    if (level >= Level::Avx512Vnni && float_kernels_avx512bf16()) return *float_kernels_avx512bf16();
    if (level >= Level::Avx512 && float_kernels_avx512()) return *float_kernels_avx512();
    if (level >= Level::Avx2 && float_kernels_avx2()) return *float_kernels_avx2();
    return float_kernels_scalar();
  }();
  return chosen;
}

void FloatMatmul::run(ThreadPool& pool, const TensorView& w, const TensorView& x, const TensorView& out) {
  FloatType type;
  if (!float_type_of(w.type, type)) fail("matmul: no float kernel for ", tensor::dtype_info(w.type).name);
  if (x.nb[1] % sizeof(float) || out.nb[1] % sizeof(float)) fail("matmul: input or output rows are not float-aligned");
  const int64_t K = w.ne[0], R = w.n_rows(), T = x.n_rows();
  if (R == 0 || T == 0) return;
  if (K == 0) {
    for (int64_t t = 0; t < T; ++t) std::fill(out.row<float>(t), out.row<float>(t) + R, 0.0f);
    return;
  }
  const GemmKernels& g = kernels_.gemm[static_cast<int>(type)];
  const int mr = g.mr, nr = g.nr;
  if (mr > kMaxPanelRows) fail("matmul: panels of ", mr, " rows");
  const uint8_t* const panels = panels_.get(pool, g, w);
  const size_t panel_bytes = g.panel_bytes(K);
  const size_t xs = x.nb[1] / sizeof(float), os = out.nb[1] / sizeof(float);

  // Activations: one panel of nr tokens per group, for the whole K.
  const int64_t groups = (T + nr - 1) / nr;
  const size_t act_panel = static_cast<size_t>(pack_steps(g.pack, K)) * nr;  // 4-byte elements
  float* const acts = reinterpret_cast<float*>(acts_.reserve(act_panel * groups * sizeof(float), "packed activations"));
  auto pack_group = [&](int64_t grp) {
    const int nt = static_cast<int>(std::min<int64_t>(nr, T - grp * nr));
    g.pack_acts(x.row<const float>(grp * nr), xs, nt, K, acts + grp * act_panel);
  };
  if (groups < kParallelPackGroups) {
    for (int64_t grp = 0; grp < groups; ++grp) pack_group(grp);
  } else {
    pool.run([&](int ith, int nth) {
      int64_t gb, ge;
      ThreadPool::split(groups, ith, nth, gb, ge);
      for (int64_t grp = gb; grp < ge; ++grp) pack_group(grp);
    });
  }

  float* const obase = out.f32();
  // out (+)= K block [k0, k0 + kc) of weight panel p x activation panel grp.
  auto run_tile = [&](int64_t p, int64_t k0, int64_t grp) {
    const int64_t steps = pack_steps(g.pack, std::min(g.kc, K - k0));
    const int64_t step0 = pack_steps(g.pack, k0);  // k0 is even: a whole number of pairs
    const uint8_t* wp = panels + p * panel_bytes + static_cast<size_t>(step0) * mr * g.step_bytes;
    const float* a = acts + grp * act_panel + static_cast<size_t>(step0) * nr;
    const int nt = static_cast<int>(std::min<int64_t>(nr, T - grp * nr));
    const int rows = static_cast<int>(std::min<int64_t>(mr, R - p * mr));
    float* const c = obase + grp * nr * os + p * mr;
    const bool accumulate = k0 > 0;
    if (rows == mr) return g.tile[nt](steps, wp, a, c, os, accumulate);
    // The last rows: through a whole tile, of which only they are kept.
    alignas(64) float edge[kMaxTileTokens * kMaxPanelRows];
    if (accumulate)
      for (int t = 0; t < nt; ++t) std::copy_n(c + t * os, rows, edge + t * mr);
    g.tile[nt](steps, wp, a, edge, mr, accumulate);
    for (int t = 0; t < nt; ++t) std::copy_n(edge + t * mr, rows, c + t * os);
  };

  const int64_t n_panels = (R + mr - 1) / mr;
  const int64_t block_panels = std::max<int64_t>(1, kBlockRows / mr);
  pool.run([&](int ith, int nth) {
    int64_t pb, pe;
    ThreadPool::split(n_panels, ith, nth, pb, pe);
    if (groups == 1) {
      for (int64_t p = pb; p < pe; ++p)
        for (int64_t k0 = 0; k0 < K; k0 += g.kc) run_tile(p, k0, 0);
      return;
    }
    for (int64_t k0 = 0; k0 < K; k0 += g.kc)
      for (int64_t p0 = pb; p0 < pe; p0 += block_panels)
        for (int64_t grp = 0; grp < groups; ++grp)
          for (int64_t p = p0; p < std::min(pe, p0 + block_panels); ++p) run_tile(p, k0, grp);
  });
}

}  // namespace hearth::backend::cpu
