#include "backend/cpu/quant_matmul.h"

#include <algorithm>
#include <cstdlib>
#include <string>

#include "core/error.h"

namespace hearth::backend::cpu {

namespace {
// Activation rows of one token chunk are kept within about this many bytes
// (L2), so that each tile of weight rows, loaded into L1 once, meets every
// token of the chunk before the next tile is read.
constexpr size_t kChunkBytes = 256 * 1024;
// The same for the panel kernels, whose panel (and, with AMX, its decoded
// copy) is worth more reuse: measured best at 1 MiB on qwen2.5-0.5b's
// shapes (L2 is 2 MiB a core there), both with AMX and VNNI only.
constexpr size_t kPanelChunkBytes = 1024 * 1024;
// Below this many tokens the calling thread quantizes the activations alone:
// a second dispatch to the pool would cost more than it saves.
constexpr int64_t kParallelQuantizeTokens = 4;
// From this many tokens on, the prompt kernels (wide activation rows) run
// where the level has them.
constexpr int64_t kWideMinTokens = 4;

// HEARTH_PANELS=0 turns the panel kernels off (to compare).
bool panels_disabled_by_env() {
  const char* v = std::getenv("HEARTH_PANELS");
  return v && std::string(v) == "0";
}


const PanelGemmFn* panel_kernels_for(const QuantKernels& kernels, bool panels) {
  if (!panels || kernels.level != Level::Avx512Vnni || panels_disabled_by_env()) return nullptr;
  return amx_int8_chosen() ? panel_kernels_amx() : panel_kernels_avx512vnni();
}
}  // namespace

QuantMatmul::QuantMatmul(const QuantKernels& kernels, bool panels)
    : kernels_(kernels), panel_kernels_(panel_kernels_for(kernels, panels)) {}

void QuantMatmul::run(ThreadPool& pool, const TensorView& w, const TensorView& x, const TensorView& out) {
  const int64_t K = w.ne[0], R = w.n_rows(), T = x.n_rows();
  const tensor::DType type = w.type;
  const QGemmFn gemm = kernels_.find(type);
  if (!gemm) fail("matmul: no integer kernel for ", tensor::dtype_info(type).name);
  const int64_t block = tensor::dtype_info(type).block_size;
  if (K % block) fail("matmul: row length ", K, " is not a multiple of ", tensor::dtype_info(type).name, "'s block ", block);
  if (out.nb[1] % sizeof(float)) fail("matmul: output rows are not float-aligned");
  if (R == 0 || T == 0) return;
  if (const PanelGemmFn panel_gemm = find_panel_kernel(panel_kernels_, type)) return run_panels(pool, panel_gemm, w, x, out);

  const ActType act = act_type_for(type);
  const size_t nas = act_row_bytes(act, K);
  uint8_t* const natural = act_.reserve(nas * static_cast<size_t>(T), "quantized activations");
  const QuantizeActFn quantize = kernels_.quantize[static_cast<int>(act)];
  // The prompt kernels take wide rows: quantized, then rearranged.
  const QGemmFn wide_gemm = T >= kWideMinTokens ? kernels_.find_wide(type) : nullptr;
  const size_t as = wide_gemm ? wide_row_bytes(K) : nas;
  uint8_t* const abuf = wide_gemm ? wide_.reserve(as * static_cast<size_t>(T), "quantized activations") : natural;
  auto prepare = [&](int64_t t) {
    quantize(x.row<const float>(t), K, natural + t * nas);
    if (wide_gemm) widen_act_row(act, natural + t * nas, K, abuf + t * as);
  };

  if (T < kParallelQuantizeTokens) {
    for (int64_t t = 0; t < T; ++t) prepare(t);
  } else {
    pool.run([&](int ith, int nth) {
      int64_t begin, end;
      ThreadPool::split(T, ith, nth, begin, end);
      for (int64_t t = begin; t < end; ++t) prepare(t);
    });
  }
  const QGemmFn kernel = wide_gemm ? wide_gemm : gemm;

  const auto* wbase = static_cast<const uint8_t*>(w.data);
  const size_t ws = w.nb[1];
  float* const obase = out.f32();
  const size_t os = out.nb[1] / sizeof(float);
  const int64_t chunk = std::max<int64_t>(kTileTokens, static_cast<int64_t>(kChunkBytes / as) / kTileTokens * kTileTokens);

  pool.run([&](int ith, int nth) {
    // Rows in whole tiles per thread.
    const int64_t tiles = (R + kTileRows - 1) / kTileRows;
    int64_t tb, te;
    ThreadPool::split(tiles, ith, nth, tb, te);
    const int64_t begin = tb * kTileRows, end = std::min(R, te * kTileRows);
    for (int64_t t0 = 0; t0 < T; t0 += chunk) {
      const int64_t t1 = std::min(T, t0 + chunk);
      for (int64_t r = begin; r < end; r += kTileRows) {
        const int nr = static_cast<int>(std::min<int64_t>(kTileRows, end - r));
        for (int64_t t = t0; t < t1; t += kTileTokens) {
          const int nt = static_cast<int>(std::min<int64_t>(kTileTokens, t1 - t));
          kernel(K, wbase + r * ws, ws, nr, abuf + t * as, as, nt, obase + t * os + r, os);
        }
      }
    }
  });
}

void QuantMatmul::run_panels(ThreadPool& pool, PanelGemmFn gemm, const TensorView& w, const TensorView& x,
                             const TensorView& out) {
  const int64_t K = w.ne[0], R = w.n_rows(), T = x.n_rows();
  const tensor::DType type = w.type;
  const size_t as = panel_act_row_bytes(type, K);
  uint8_t* const abuf = act_.reserve(as * static_cast<size_t>(T), "quantized activations");
  const QuantizeActFn quantize = kernels_.quantize[static_cast<int>(act_type_for(type))];
  auto prepare = [&](int64_t t) {
    quantize(x.row<const float>(t), K, abuf + t * as);
    add_panel_act_terms(type, K, abuf + t * as);
  };
  if (T < kParallelQuantizeTokens) {
    for (int64_t t = 0; t < T; ++t) prepare(t);
  } else {
    pool.run([&](int ith, int nth) {
      int64_t begin, end;
      ThreadPool::split(T, ith, nth, begin, end);
      for (int64_t t = begin; t < end; ++t) prepare(t);
    });
  }

  const uint8_t* const panels = panels_.get(pool, w);
  const size_t pb = panel_bytes(type, K);
  const int64_t n_panels = (R + kPanelRows - 1) / kPanelRows;
  float* const obase = out.f32();
  const size_t os = out.nb[1] / sizeof(float);
  // Each panel meets all tokens of a chunk (activations kept in L2) while it
  // stays in L1.
  const int64_t chunk = std::max<int64_t>(16, static_cast<int64_t>(kPanelChunkBytes / as) / 16 * 16);
  pool.run([&](int ith, int nth) {
    int64_t pbeg, pend;
    ThreadPool::split(n_panels, ith, nth, pbeg, pend);
    for (int64_t t0 = 0; t0 < T; t0 += chunk) {
      const int nt = static_cast<int>(std::min<int64_t>(chunk, T - t0));
      for (int64_t p = pbeg; p < pend; ++p) {
        const int nr = static_cast<int>(std::min<int64_t>(kPanelRows, R - p * kPanelRows));
        gemm(K, panels + p * pb, nr, abuf + t0 * as, as, nt, obase + t0 * os + p * kPanelRows, os);
      }
    }
  });
}

}  // namespace hearth::backend::cpu
