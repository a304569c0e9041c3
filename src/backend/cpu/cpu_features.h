#pragma once
// What the CPU can run, and the level the kernels run at. The Release binary
// is built for plain x86-64; the faster kernels are compiled per function with
// target attributes and chosen once at start-up from CPUID. HEARTH_CPU forces
// a lower level (never a higher one): scalar | avx2 | avx512 | avx512bw
// (avx512bw: AVX-512 without VNNI, to test that path on a VNNI machine).
namespace hearth::backend::cpu {

enum class Level {
  Scalar = 0,
  Avx2 = 1,        // AVX2 + FMA + F16C
  Avx512 = 2,      // + AVX-512 F/BW/VL/DQ
  Avx512Vnni = 3,  // + AVX-512 VNNI (vpdpbusd, vpdpwssd)
};

const char* level_name(Level level);
// The best level this CPU (and OS) supports.
Level detected_level();
// detected_level() lowered by HEARTH_CPU; read once.
Level chosen_level();

}  // namespace hearth::backend::cpu
