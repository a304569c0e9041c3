#include "backend/cpu/cpu_features.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string_view>

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
    else if (v == "avx512" || v == "avx512vnni") cap = Level::Avx512Vnni;
    else {
      std::fprintf(stderr, "hearth: warning: HEARTH_CPU=%s is not one of scalar, avx2, avx512, avx512bw; ignored\n", env);
      return best;
    }
    return std::min(best, cap);
  }();
  return level;
}

}  // namespace hearth::backend::cpu
