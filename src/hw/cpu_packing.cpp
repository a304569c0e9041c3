#include "hw/cpu_packing.h"

#include "backend/cpu/float_gemm.h"
#include "backend/cpu/quant_matmul.h"
#include "backend/cpu/quant_panel.h"

namespace hearth::hw {

uint64_t cpu_packed_bytes(tensor::DType t, int64_t k, int64_t rows) {
  namespace cpu = backend::cpu;
  const auto panels = [](int64_t rows, int64_t per_panel, uint64_t panel_bytes) {
    return static_cast<uint64_t>((rows + per_panel - 1) / per_panel) * panel_bytes;
  };
  cpu::FloatType ft;
  if (cpu::float_type_of(t, ft)) {
    const cpu::GemmKernels& g = cpu::best_float_kernels().gemm[static_cast<int>(ft)];
    return panels(rows, g.mr, g.panel_bytes(k));
  }
  static const cpu::QuantMatmul quant(cpu::best_quant_kernels());
  if (quant.supports(t) && quant.packs(t)) return panels(rows, cpu::kPanelRows, cpu::panel_bytes(t, k));
  return 0;
}

}  // namespace hearth::hw
