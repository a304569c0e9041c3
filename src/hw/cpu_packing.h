#pragma once
// Which weights the CPU backend repacks, and into how many bytes. On first
// use it copies F32/F16/BF16 matrices into float panels (float_panels.h), at
// every level, and, with AVX-512 VNNI, Q4_0/Q5_0/Q8_0/Q4_K/Q5_K/Q6_K ones into
// integer panels (quant_panel_cache.h); the copies live in anonymous memory
// for the backend's lifetime. Other types are read from the mapped file.
#include <cstdint>

#include "tensor/dtype.h"

namespace hearth::hw {

// Bytes of the panels of one [k, rows] matrix of type t, as this process's
// CPU backend would pack it (HEARTH_CPU and HEARTH_PANELS respected); 0 when
// the backend reads such a matrix as stored.
uint64_t cpu_packed_bytes(tensor::DType t, int64_t k, int64_t rows);

}  // namespace hearth::hw
