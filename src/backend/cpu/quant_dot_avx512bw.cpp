// AVX-512 (F/BW/VL/DQ, no VNNI) integer dot products: the kernels of
// quant_dot_avx512.h compiled with vpmaddubsw + vpmaddwd.
#define HEARTH_T __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))
#define HEARTH_VNNI 0
#include "backend/cpu/quant_dot_avx512.h"

namespace hearth::backend::cpu {

const QuantKernels* quant_kernels_avx512bw() {
  if (detected_level() < Level::Avx512) return nullptr;
  static const QuantKernels q = make_avx512(Level::Avx512);
  return &q;
}

}  // namespace hearth::backend::cpu
