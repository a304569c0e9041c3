#pragma once
// What the CPU can run, and the level the kernels run at. The Release binary
// is built for plain x86-64; the faster kernels are compiled per function with
// target attributes and chosen once at start-up from CPUID. HEARTH_CPU forces
// a lower level (never a higher one): scalar | avx2 | avx512 | avx512bw | amx
// (avx512bw: AVX-512 without VNNI, to test that path on a VNNI machine;
// avx512: VNNI without AMX; amx, or unset: everything the CPU has).
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

// AMX-INT8 (tile matrix multiply, Sapphire Rapids and later) is an addition to
// the Avx512Vnni level rather than a level of its own: only the prompt
// kernels of some weight types use it. Usable: the CPU has it and the OS lets
// this process use the tile state (on Linux, asked for once here).
bool amx_int8_usable();
// amx_int8_usable() at the Avx512Vnni level, unless HEARTH_CPU caps below amx.
bool amx_int8_chosen();

}  // namespace hearth::backend::cpu
