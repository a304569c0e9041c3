// The gated activations (glu.h): every level this CPU runs against plain
// formulas in double (SiLU g / (1 + e^-g); GELU 0.5 g (1 + tanh(...))) over
// random and extreme inputs, row lengths with every tail.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "backend/cpu/glu.h"

namespace hearth::backend::cpu {
namespace {

double silu(double g) { return g / (1.0 + std::exp(-g)); }
double gelu(double g) {
  const double pi = 3.14159265358979323846;
  return 0.5 * g * (1.0 + std::tanh(std::sqrt(2.0 / pi) * (g + 0.044715 * g * g * g)));
}

std::vector<const GluKernels*> levels() {
  std::vector<const GluKernels*> out{&glu_kernels_scalar()};
  if (const GluKernels* k = glu_kernels_avx2()) out.push_back(k);
  if (const GluKernels* k = glu_kernels_avx512()) out.push_back(k);
  return out;
}

// float rounding of the inputs' products and a ~1e-7 relative exp: 4e-6
// relative to |g u| (the scale of the result) leaves room only for rounding.
void check(GluFn fn, double (*act)(double), const char* what, int level) {
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  for (int64_t n : {1, 7, 8, 9, 15, 16, 17, 31, 100, 4864}) {
    std::vector<float> g(n), u(n), out(n, -1.0f);
    for (int64_t i = 0; i < n; ++i) g[i] = normal(rng), u[i] = normal(rng);
    if (n >= 9) g[0] = -90.0f, g[1] = 90.0f, g[2] = 0.0f, g[3] = -20.0f, g[4] = 1e-20f;
    fn(g.data(), u.data(), out.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      const double want = act(g[i]) * u[i];
      EXPECT_NEAR(out[i], want, 4e-6 * std::max(1.0, std::fabs(double(g[i]) * u[i])))
          << what << " level " << level << " n " << n << " g " << g[i];
    }
  }
}

TEST(Glu, EveryLevelMatchesThePlainFormulas) {
  for (const GluKernels* k : levels()) {
    check(k->silu_mul, silu, "silu", static_cast<int>(k->level));
    check(k->gelu_mul, gelu, "gelu", static_cast<int>(k->level));
  }
}

TEST(Glu, OutputMayAliasTheGate) {
  for (const GluKernels* k : levels()) {
    std::vector<float> g = {1.0f, -2.0f, 3.0f, 0.5f, -0.25f, 4.0f, 2.0f, -1.0f, 0.0f, 7.0f}, u(10, 2.0f);
    const std::vector<float> g0 = g;
    k->silu_mul(g.data(), u.data(), g.data(), 10);
    for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], silu(g0[i]) * 2.0, 1e-5);
  }
}

}  // namespace
}  // namespace hearth::backend::cpu
