// AVX-512 VNNI integer dot products: the kernels of quant_dot_avx512.h
// compiled with vpdpbusd / vpdpwssd.
#define HEARTH_T __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma,f16c")))
#define HEARTH_VNNI 1
#include "backend/cpu/quant_dot_avx512.h"

namespace hearth::backend::cpu {

const QuantKernels* quant_kernels_avx512vnni() {
  if (detected_level() < Level::Avx512Vnni) return nullptr;
  static const QuantKernels q = make_avx512(Level::Avx512Vnni);
  return &q;
}

}  // namespace hearth::backend::cpu
