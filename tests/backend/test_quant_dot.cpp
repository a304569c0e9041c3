// The integer dot-product kernels: the activation quantizers of every level
// against the tensor layer's reference quantizers (bit for bit), the scalar
// vec-dot against the dequantized dot product, and every fast level's tile
// kernel against the scalar vec-dot, on random data with tails and edge
// cases, for every level this CPU supports.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "backend/cpu/quant_dot.h"
#include "quant_test_util.h"

namespace hearth::backend::cpu {
namespace {

using namespace testutil;

std::string level_of(const QuantKernels* q) { return level_name(q->level); }

int64_t block_of(ActType a) { return a == ActType::Q8_0 ? 32 : 256; }

// Reads activation row fields as the layout in quant_dot.h says.
struct ActFields {
  const uint8_t* row;
  int64_t k;
  ActType act;
  int64_t nb() const { return k / block_of(act); }
  int8_t q(int64_t i) const { return static_cast<int8_t>(row[i]); }
  float d(int64_t b) const {
    float v;
    std::memcpy(&v, row + k + 4 * b, 4);
    return v;
  }
  int32_t sum32(int64_t b) const {
    int32_t v;
    std::memcpy(&v, row + k + 4 * nb() + 4 * b, 4);
    return v;
  }
  int16_t bsum(int64_t g) const {
    int16_t v;
    std::memcpy(&v, row + k + 4 * nb() + 2 * g, 2);
    return v;
  }
  float value(int64_t i) const { return d(i / block_of(act)) * q(i); }
};

std::vector<uint8_t> quantize_rows(ActType act, const std::vector<float>& x, int64_t k, int64_t rows,
                                   QuantizeActFn fn = nullptr) {
  const size_t as = act_row_bytes(act, k);
  std::vector<uint8_t> out(as * rows, 0xcd);
  for (int64_t r = 0; r < rows; ++r) {
    if (fn) fn(x.data() + r * k, k, out.data() + r * as);
    else quantize_act_scalar(act, x.data() + r * k, k, out.data() + r * as);
  }
  return out;
}

TEST(QuantAct, RowLayoutHoldsTheTensorQuantizersValues) {
  for (ActType act : {ActType::Q8_0, ActType::Q8_K}) {
    const DType ref_type = act == ActType::Q8_0 ? DType::Q8_0 : DType::Q8_K;
    const int64_t k = 512;
    auto x = random_activations(k, 1, 3);
    auto row = quantize_rows(act, x, k, 1);
    std::vector<uint8_t> ref(tensor::row_bytes(ref_type, k));
    tensor::quantize_row(ref_type, x.data(), ref.data(), k);
    std::vector<float> deq(k);
    tensor::dequantize_row(ref_type, ref.data(), deq.data(), k);
    const ActFields f{row.data(), k, act};
    for (int64_t i = 0; i < k; ++i) ASSERT_EQ(f.value(i), deq[i]) << "i=" << i;
    if (act == ActType::Q8_0) {
      for (int64_t b = 0; b < f.nb(); ++b) {
        int32_t s = 0;
        for (int j = 0; j < 32; ++j) s += f.q(32 * b + j);
        EXPECT_EQ(f.sum32(b), s);
      }
    } else {
      for (int64_t g = 0; g < k / 16; ++g) {
        int32_t s = 0;
        for (int j = 0; j < 16; ++j) s += f.q(16 * g + j);
        EXPECT_EQ(f.bsum(g), s);
      }
    }
  }
}

// Inputs that probe the rounding: exact halves (roundf rounds them away from
// zero, q8_K to even), both signs of the largest magnitude, zero blocks.
std::vector<float> tricky_activations(int64_t k) {
  auto x = random_floats(static_cast<size_t>(k), 11, 2.0f);
  for (int64_t b = 0; b * 256 < k; ++b) {
    float* v = x.data() + 256 * b;
    const int64_t n = std::min<int64_t>(256, k - 256 * b);
    if (n < 64) break;
    // First block of 32: amax 127, so d = 1 and x * id = x: halves stay halves.
    v[0] = 127.0f;
    for (int j = 1; j < 32; ++j) v[j] = static_cast<float>(j - 16) + 0.5f;
    // Second: all zero.
    for (int j = 32; j < 64; ++j) v[j] = 0.0f;
  }
  if (k >= 256) {
    // Super-block 0's largest magnitude comes first negative, then positive:
    // q8_K takes the first one's sign.
    x[100] = -300.0f;
    x[200] = 300.0f;
  }
  if (k >= 512) {
    // Super-block 1: max -127 gives iscale 1: the halves round to even.
    float* v = x.data() + 256;
    for (int j = 0; j < 256; ++j) v[j] = static_cast<float>((j % 64) - 32) + 0.5f;
    v[5] = -127.0f;
  }
  return x;
}

TEST(QuantAct, EveryLevelQuantizesBitExactly) {
  for (const QuantKernels* level : supported_quant_kernels()) {
    for (ActType act : {ActType::Q8_0, ActType::Q8_K}) {
      for (int64_t k : {32, 96, 256, 768, 4096}) {
        if (k % block_of(act)) continue;
        for (int variant = 0; variant < 2; ++variant) {
          auto x = variant == 0 ? random_activations(k, 2, 5 + static_cast<uint32_t>(k)) : tricky_activations(2 * k);
          auto ref = quantize_rows(act, x, k, 2);
          auto got = quantize_rows(act, x, k, 2, level->quantize[static_cast<int>(act)]);
          ASSERT_EQ(got, ref) << level_of(level) << " act=" << static_cast<int>(act) << " k=" << k
                              << " variant=" << variant;
        }
      }
    }
  }
}

TEST(QuantDot, ScalarMatchesTheDequantizedDotProduct) {
  for (DType t : integer_types()) {
    const ActType act = act_type_for(t);
    const int64_t k = 512;
    for (bool bytes : {false, true}) {
      auto w = random_weights(t, k, 3, 21, bytes);
      auto x = random_activations(k, 2, 22);
      auto a = quantize_rows(act, x, k, 2);
      const size_t rb = tensor::row_bytes(t, k), as = act_row_bytes(act, k);
      std::vector<float> wf(k);
      for (int64_t r = 0; r < 3; ++r) {
        tensor::dequantize_row(t, w.data() + r * rb, wf.data(), k);
        for (int64_t tt = 0; tt < 2; ++tt) {
          const ActFields f{a.data() + tt * as, k, act};
          double ref = 0;
          for (int64_t i = 0; i < k; ++i) ref += static_cast<double>(wf[i]) * f.value(i);
          const float got = vec_dot_scalar(t, k, w.data() + r * rb, a.data() + tt * as);
          const double mag = vec_dot_magnitude(t, k, w.data() + r * rb, a.data() + tt * as);
          // dequantize_row rounds each weight in f32 (d * scale * q - dmin * m).
          EXPECT_NEAR(got, ref, 1e-6 * mag + 1e-6 * std::fabs(ref))
              << tensor::dtype_info(t).name << " bytes=" << bytes << " r=" << r << " t=" << tt;
        }
      }
    }
  }
}

std::vector<int64_t> lengths_for(DType t) {
  if (act_type_for(t) == ActType::Q8_K) return {256, 512, 768, 2048};
  // Odd block counts leave a half step for the two-blocks-per-vector kernels,
  // and counts not a multiple of 8 or 16 a partial group.
  return {32, 64, 96, 224, 512, 1056, 1568};
}

TEST(QuantDot, EveryLevelMatchesScalarForEveryTileShape) {
  const auto levels = supported_quant_kernels();
  for (DType t : integer_types()) {
    const ActType act = act_type_for(t);
    for (int64_t k : lengths_for(t)) {
      for (bool bytes : {false, true}) {
        const int R = kTileRows, T = kTileTokens;
        auto w = random_weights(t, k, R, 100 + static_cast<uint32_t>(k), bytes);
        auto x = random_activations(k, T, 200 + static_cast<uint32_t>(k));
        auto a = quantize_rows(act, x, k, T);
        const size_t ws = tensor::row_bytes(t, k), as = act_row_bytes(act, k);
        double ref[kTileTokens][kTileRows], tol[kTileTokens][kTileRows];
        for (int tt = 0; tt < T; ++tt)
          for (int r = 0; r < R; ++r) {
            ref[tt][r] = vec_dot_scalar(t, k, w.data() + r * ws, a.data() + tt * as);
            tol[tt][r] = kernel_tolerance(t, k, vec_dot_magnitude(t, k, w.data() + r * ws, a.data() + tt * as));
          }
        for (const QuantKernels* level : levels) {
          const QGemmFn gemm = level->find(t);
          ASSERT_NE(gemm, nullptr) << level_of(level) << " lacks " << tensor::dtype_info(t).name;
          const size_t os = kTileRows + 3;  // wider than a tile: the kernel must write only its nr x nt
          for (int nr = 1; nr <= R; ++nr)
            for (int nt = 1; nt <= T; ++nt) {
              std::vector<float> out(os * T, std::numeric_limits<float>::quiet_NaN());
              gemm(k, w.data(), ws, nr, a.data(), as, nt, out.data(), os);
              for (int tt = 0; tt < T; ++tt)
                for (size_t r = 0; r < os; ++r) {
                  const float v = out[tt * os + r];
                  if (tt < nt && static_cast<int>(r) < nr) {
                    EXPECT_NEAR(v, ref[tt][r], tol[tt][r])
                        << level_of(level) << " " << tensor::dtype_info(t).name << " k=" << k << " bytes=" << bytes
                        << " nr=" << nr << " nt=" << nt << " r=" << r << " t=" << tt;
                  } else {
                    EXPECT_TRUE(std::isnan(v)) << level_of(level) << " wrote outside its tile";
                  }
                }
            }
        }
      }
    }
  }
}

TEST(QuantAct, WideRowsHoldTheRowsValuesInLanes) {
  for (ActType act : {ActType::Q8_0, ActType::Q8_K}) {
    const int64_t k = act == ActType::Q8_0 ? 32 * 21 : 256 * 3;  // partial last group
    auto x = random_activations(k, 1, 9);
    auto row = quantize_rows(act, x, k, 1);
    std::vector<uint8_t> wide(wide_row_bytes(k), 0xcd);
    widen_act_row(act, row.data(), k, wide.data());
    const ActFields f{row.data(), k, act};
    const int64_t groups = (k + 511) / 512;
    ASSERT_EQ(wide.size(), static_cast<size_t>(groups) * kWideGroupBytes);
    for (int64_t g = 0; g < groups; ++g) {
      const uint8_t* gp = wide.data() + g * kWideGroupBytes;
      for (int i = 0; i < 16; ++i) {
        const int64_t lane = 16 * g + i;
        float v[4];
        for (int fld = 0; fld < 4; ++fld) std::memcpy(&v[fld], gp + 512 + 64 * fld + 4 * i, 4);
        if (32 * lane >= k) {  // padding lane: all zero
          for (int j = 0; j < 8; ++j)
            for (int e = 0; e < 4; ++e) EXPECT_EQ(gp[64 * j + 4 * i + e], 0);
          for (float fv : v) EXPECT_EQ(fv, 0.0f);
          continue;
        }
        int32_t lo = 0, hi = 0;
        for (int j = 0; j < 8; ++j)
          for (int e = 0; e < 4; ++e) {
            const int8_t q = static_cast<int8_t>(gp[64 * j + 4 * i + e]);
            EXPECT_EQ(q, f.q(32 * lane + 4 * j + e));
            (j < 4 ? lo : hi) += q;
          }
        const float d = f.d(32 * lane / block_of(act));
        EXPECT_EQ(v[0], d);
        EXPECT_EQ(v[1], d * static_cast<float>(lo + hi));
        EXPECT_EQ(v[2], d * static_cast<float>(lo));
        EXPECT_EQ(v[3], d * static_cast<float>(hi));
      }
    }
  }
}

// The prompt kernels, on wide rows, against the scalar vec-dot on the same
// quantized rows; lengths with a partial last group of 512.
TEST(QuantDot, WideKernelsMatchScalarForEveryTileShape) {
  int checked = 0;
  for (const QuantKernels* level : supported_quant_kernels()) {
    for (DType t : integer_types()) {
      const QGemmFn gemm = level->find_wide(t);
      if (!gemm) continue;
      const ActType act = act_type_for(t);
      for (int64_t k : lengths_for(t)) {
        for (bool bytes : {false, true}) {
          const int R = kTileRows, T = kTileTokens;
          auto w = random_weights(t, k, R, 300 + static_cast<uint32_t>(k), bytes);
          auto x = random_activations(k, T, 400 + static_cast<uint32_t>(k));
          auto a = quantize_rows(act, x, k, T);
          const size_t ws = tensor::row_bytes(t, k), as = act_row_bytes(act, k), was = wide_row_bytes(k);
          std::vector<uint8_t> wide(was * T);
          for (int tt = 0; tt < T; ++tt) widen_act_row(act, a.data() + tt * as, k, wide.data() + tt * was);
          const size_t os = kTileRows + 3;
          for (int nr = 1; nr <= R; ++nr)
            for (int nt = 1; nt <= T; ++nt) {
              std::vector<float> out(os * T, std::numeric_limits<float>::quiet_NaN());
              gemm(k, w.data(), ws, nr, wide.data(), was, nt, out.data(), os);
              for (int tt = 0; tt < T; ++tt)
                for (size_t r = 0; r < os; ++r) {
                  const float v = out[tt * os + r];
                  if (tt < nt && static_cast<int>(r) < nr) {
                    const uint8_t* wr = w.data() + r * ws;
                    const uint8_t* ar = a.data() + tt * as;
                    EXPECT_NEAR(v, vec_dot_scalar(t, k, wr, ar), kernel_tolerance(t, k, vec_dot_magnitude(t, k, wr, ar)))
                        << level_of(level) << " wide " << tensor::dtype_info(t).name << " k=" << k << " bytes=" << bytes
                        << " nr=" << nr << " nt=" << nt << " r=" << r << " t=" << tt;
                  } else {
                    EXPECT_TRUE(std::isnan(v)) << level_of(level) << " wrote outside its tile";
                  }
                }
            }
          ++checked;
        }
      }
    }
  }
  if (detected_level() >= Level::Avx512Vnni) {
    EXPECT_GT(checked, 0);
  }
}

TEST(QuantDot, LevelsAreOrderedAndTheChosenOneIsSupported) {
  const auto levels = supported_quant_kernels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front()->level, Level::Scalar);
  for (size_t i = 1; i < levels.size(); ++i) EXPECT_LT(levels[i - 1]->level, levels[i]->level);
  EXPECT_LE(chosen_level(), detected_level());
  EXPECT_EQ(best_quant_kernels().level, chosen_level());
  EXPECT_EQ(levels.back()->level, detected_level());
}

}  // namespace
}  // namespace hearth::backend::cpu
