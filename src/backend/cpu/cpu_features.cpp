#include "backend/cpu/cpu_features.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#if defined(__x86_64__)
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace hearth::backend::cpu {

const char* level_name(Level level) {
  switch (level) {
    case Level::Scalar: return "scalar";
    case Level::Avx2: return "avx2";
    case Level::Avx512: return "avx512bw";
    case Level::Avx512Vnni: return "avx512vnni";
  }
  return "?";
}

Level detected_level() {
  static const Level level = [] {
#if defined(__x86_64__) || defined(__i386__)
    // libgcc's probe also checks (XGETBV) that the OS saves the AVX/AVX-512 state.
    __builtin_cpu_init();
    if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")))
      return Level::Scalar;
    if (!(__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
          __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")))
      return Level::Avx2;
    return __builtin_cpu_supports("avx512vnni") ? Level::Avx512Vnni : Level::Avx512;
#else
    return Level::Scalar;
#endif
  }();
  return level;
}

Level chosen_level() {
  static const Level level = [] {
    const Level best = detected_level();
    const char* env = std::getenv("HEARTH_CPU");
    if (!env || !*env) return best;
    const std::string_view v(env);
    Level cap;
    if (v == "scalar") cap = Level::Scalar;
    else if (v == "avx2") cap = Level::Avx2;
    else if (v == "avx512bw") cap = Level::Avx512;
    else if (v == "avx512" || v == "avx512vnni" || v == "amx") cap = Level::Avx512Vnni;
    else {
      std::fprintf(stderr, "hearth: warning: HEARTH_CPU=%s is not one of scalar, avx2, avx512bw, avx512, amx; ignored\n",
                   env);
      return best;
    }
    return std::min(best, cap);
  }();
  return level;
}

bool amx_int8_usable() {
  static const bool usable = [] {
#if defined(__x86_64__) && defined(__linux__)
    if (detected_level() < Level::Avx512Vnni) return false;
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
    const bool tile = edx & (1u << 24), int8 = edx & (1u << 25);
    if (!tile || !int8) return false;
    // Linux keeps the 8 KiB of tile data out of a process's state until it
    // asks (arch_prctl ARCH_REQ_XCOMP_PERM for XFEATURE_XTILEDATA, 5.16+).
    constexpr int kReqXcompPerm = 0x1023, kXtileData = 18;
    if (syscall(SYS_arch_prctl, kReqXcompPerm, kXtileData) != 0) return false;
    // And the OS enables the tile state in XCR0 (bits 17, 18).
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & (3u << 17)) == (3u << 17);
#else
    return false;
#endif
  }();
  return usable;
}

bool amx_int8_chosen() {
  static const bool chosen = [] {
    if (!amx_int8_usable() || chosen_level() < Level::Avx512Vnni) return false;
    const char* env = std::getenv("HEARTH_CPU");
    return !env || !*env || std::string_view(env) == "amx";
  }();
  return chosen;
}

}  // namespace hearth::backend::cpu
