// Panels (quant_panel.h): packing is lossless (rows come back byte for
// byte), the activation terms hold what the layout says, and the panel
// kernels and the matmul driver around them match the scalar vec-dot on the
// original rows, with row and token counts that leave partial panels and
// tiles.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "backend/cpu/quant_matmul.h"
#include "backend/cpu/quant_panel.h"
#include "backend/cpu/quant_panel_cache.h"
#include "core/bytes.h"
#include "quant_test_util.h"

namespace hearth::backend::cpu {
namespace {

using namespace testutil;

const std::vector<DType>& panel_types() {
  static const std::vector<DType> v = {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0,
                                       DType::IQ4_NL, DType::Q4_K, DType::Q5_K, DType::Q6_K, DType::IQ4_XS,
                                       DType::Q2_K};
  return v;
}

std::vector<int64_t> panel_lengths(DType t) {
  if (act_type_for(t) == ActType::Q8_K) return {256, 768, 1280};
  return {32, 96, 224, 896};
}

const char* name(DType t) { return tensor::dtype_info(t).name; }

TEST(QuantPanel, TheTypesWithKernelsHaveLayouts) {
  for (DType t : panel_types()) EXPECT_TRUE(has_panel_layout(t)) << name(t);
  EXPECT_FALSE(has_panel_layout(DType::Q3_K));
  EXPECT_FALSE(has_panel_layout(DType::F16));
  if (const PanelGemmFn* kernels = panel_kernels_avx512vnni()) {
    for (uint32_t id = 0; id < kDTypeSlots; ++id) {
      if (kernels[id]) {
        EXPECT_TRUE(has_panel_layout(static_cast<DType>(id))) << id;
      }
    }
  }
}

TEST(QuantPanel, PackingKeepsEveryRowByteForByte) {
  for (DType t : panel_types())
    for (int64_t k : panel_lengths(t))
      for (int nr : {1, 7, 16}) {
        const size_t rb = tensor::row_bytes(t, k);
        const size_t stride = rb + 3;  // rows need not be packed back to back
        auto w = random_weights(t, k, nr, 50 + static_cast<uint32_t>(k + nr), true);
        std::vector<uint8_t> rows(stride * nr, 0xee);
        for (int r = 0; r < nr; ++r) std::memcpy(rows.data() + r * stride, w.data() + r * rb, rb);
        std::vector<uint8_t> panel(panel_bytes(t, k) + 64, 0xcd);
        ASSERT_EQ(panel_bytes(t, k) % 64, 0u);
        pack_panel(t, k, rows.data(), stride, nr, panel.data());
        for (size_t i = panel_bytes(t, k); i < panel.size(); ++i) ASSERT_EQ(panel[i], 0xcd) << "wrote past the panel";
        std::vector<uint8_t> back(rb);
        for (int r = 0; r < nr; ++r) {
          unpack_panel_row(t, k, panel.data(), r, back.data());
          ASSERT_EQ(0, std::memcmp(back.data(), w.data() + r * rb, rb)) << name(t) << " k=" << k << " nr=" << nr << " r=" << r;
        }
      }
}

std::vector<uint8_t> panel_act_rows(DType t, const std::vector<float>& x, int64_t k, int64_t n) {
  const size_t as = panel_act_row_bytes(t, k);
  std::vector<uint8_t> a(as * n, 0xcd);
  for (int64_t i = 0; i < n; ++i) {
    quantize_act_scalar(act_type_for(t), x.data() + i * k, k, a.data() + i * as);
    add_panel_act_terms(t, k, a.data() + i * as);
  }
  return a;
}

TEST(QuantPanel, ActivationTermsFoldTheLevelOffsets) {
  for (DType t : panel_types()) {
    const int64_t k = 512;
    auto x = random_activations(k, 1, 31);
    auto a = panel_act_rows(t, x, k, 1);
    const uint8_t* q = a.data();
    const uint8_t* terms = a.data() + act_row_bytes(act_type_for(t), k);
    auto qsum = [&](int64_t from, int64_t n) {
      int32_t s = 0;
      for (int64_t i = from; i < from + n; ++i) s += static_cast<int8_t>(q[i]);
      return s;
    };
    if (t == DType::Q4_K || t == DType::Q5_K) {
      for (int64_t j = 0; j < k / 32; ++j) EXPECT_EQ(load_le<int16_t>(terms + 2 * j), qsum(32 * j, 32)) << j;
    } else if (t == DType::Q6_K) {
      for (int64_t g = 0; g < k / 16; ++g) EXPECT_EQ(load_le<int32_t>(terms + 4 * g), -32 * qsum(16 * g, 16)) << g;
    } else if (t == DType::Q2_K) {
      EXPECT_EQ(panel_act_row_bytes(t, k), act_row_bytes(act_type_for(t), k)) << "q2_K has no terms";
    } else if (t == DType::IQ4_XS) {
      for (int64_t j = 0; j < k / 32; ++j) EXPECT_EQ(load_le<int32_t>(terms + 4 * j), -128 * qsum(32 * j, 32)) << j;
    } else if (t == DType::Q4_1 || t == DType::Q5_1) {
      // The min's term: the block's activation scale times its level sum.
      for (int64_t b = 0; b < k / 32; ++b)
        EXPECT_EQ(load_le<float>(terms + 4 * b), load_le<float>(q + k + 4 * b) * static_cast<float>(qsum(32 * b, 32)))
            << name(t) << b;
    } else {
      const int bias = t == DType::Q4_0 ? 8 : t == DType::Q5_0 ? 16 : 128;  // q8_0, iq4_nl: 128
      for (int64_t b = 0; b < k / 32; ++b) EXPECT_EQ(load_le<int32_t>(terms + 4 * b), -bias * qsum(32 * b, 32)) << name(t) << b;
    }
  }
}

void expect_kernels_match_scalar(const PanelGemmFn* kernels) {
  for (DType t : panel_types()) {
    const PanelGemmFn gemm = find_panel_kernel(kernels, t);
    ASSERT_NE(gemm, nullptr) << name(t);
    const ActType act = act_type_for(t);
    for (int64_t k : panel_lengths(t))
      for (bool bytes : {false, true}) {
        const int R = kPanelRows, T = 37;  // 16 + 16 + 4 + 1 tokens: every tile size but 8 and 2
        auto w = random_weights(t, k, R, 600 + static_cast<uint32_t>(k), bytes);
        auto x = random_activations(k, T, 700 + static_cast<uint32_t>(k));
        auto a = panel_act_rows(t, x, k, T);
        const size_t rb = tensor::row_bytes(t, k), as = panel_act_row_bytes(t, k);
        for (int nr : {1, 9, 16})
          for (int nt : {1, 2, 3, 8, 15, 16, 32, 37}) {
            std::vector<uint8_t> panel(panel_bytes(t, k));
            pack_panel(t, k, w.data(), rb, nr, panel.data());
            const size_t os = kPanelRows + 5;
            std::vector<float> out(os * T, std::numeric_limits<float>::quiet_NaN());
            gemm(k, panel.data(), nr, a.data(), as, nt, out.data(), os);
            for (int tt = 0; tt < T; ++tt)
              for (size_t r = 0; r < os; ++r) {
                const float v = out[tt * os + r];
                if (tt >= nt || static_cast<int>(r) >= nr) {
                  ASSERT_TRUE(std::isnan(v)) << name(t) << " wrote outside its tile: r=" << r << " t=" << tt;
                  continue;
                }
                // The activation row starts with the plain quant_dot.h layout.
                const uint8_t* wr = w.data() + r * rb;
                const uint8_t* ar = a.data() + tt * as;
                ASSERT_NEAR(v, vec_dot_scalar(t, k, wr, ar), kernel_tolerance(t, k, vec_dot_magnitude(t, k, wr, ar)))
                    << name(t) << " k=" << k << " bytes=" << bytes << " nr=" << nr << " nt=" << nt << " r=" << r
                    << " t=" << tt;
              }
          }
        (void)act;
      }
  }
}

TEST(QuantPanel, KernelsMatchScalarForPartialPanelsAndTiles) {
  const PanelGemmFn* kernels = panel_kernels_avx512vnni();
  if (!kernels) GTEST_SKIP() << "no AVX-512 VNNI";
  expect_kernels_match_scalar(kernels);
}

TEST(QuantPanel, AmxKernelsMatchScalarForPartialPanelsAndGroups) {
  const PanelGemmFn* kernels = panel_kernels_amx();
  if (!kernels) GTEST_SKIP() << "no usable AMX-INT8";
  expect_kernels_match_scalar(kernels);
}

// quant_panel.h promises the AMX kernels the VNNI kernels' results bit for
// bit (the same integer sums, scaled and added in the same order), so that
// a token's output does not depend on its batch.
TEST(QuantPanel, AmxKernelsGiveTheVnniResultsBitForBit) {
  const PanelGemmFn* amx = panel_kernels_amx();
  if (!amx) GTEST_SKIP() << "no usable AMX-INT8";
  const PanelGemmFn* vnni = panel_kernels_avx512vnni();
  for (DType t :
       {DType::Q4_0, DType::Q4_1, DType::Q5_0, DType::Q5_1, DType::Q8_0, DType::IQ4_NL, DType::IQ4_XS, DType::Q4_K}) {
    ASSERT_NE(find_panel_kernel(amx, t), find_panel_kernel(vnni, t)) << name(t) << " has no AMX kernel";
    // Lengths with no whole quad of blocks, a quad and a lone block, an odd
    // number of quads (the ring of sums crosses a group's end at either
    // slot) and many.
    const std::vector<int64_t> lengths = act_type_for(t) == ActType::Q8_K ? std::vector<int64_t>{256, 768, 1280, 4864}
                                                            : std::vector<int64_t>{32, 64, 96, 160, 896, 4864};
    for (int64_t k : lengths) {
      const int T = 53;
      auto w = random_weights(t, k, kPanelRows, 1200 + static_cast<uint32_t>(k), true);
      auto a = panel_act_rows(t, random_activations(k, T, 1300 + static_cast<uint32_t>(k)), k, T);
      std::vector<uint8_t> panel(panel_bytes(t, k));
      pack_panel(t, k, w.data(), tensor::row_bytes(t, k), kPanelRows, panel.data());
      const size_t as = panel_act_row_bytes(t, k);
      std::vector<float> want(kPanelRows * T), got(kPanelRows * T);
      find_panel_kernel(vnni, t)(k, panel.data(), kPanelRows, a.data(), as, T, want.data(), kPanelRows);
      find_panel_kernel(amx, t)(k, panel.data(), kPanelRows, a.data(), as, T, got.data(), kPanelRows);
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(std::memcmp(&want[i], &got[i], sizeof(float)), 0)
            << name(t) << " k=" << k << " token " << i / kPanelRows << " row " << i % kPanelRows << ": " << got[i]
            << " vs " << want[i];
    }
  }
}

// The whole matmul (activation quantization, panel cache, thread split) at
// the best level, against the scalar vec-dot of the same quantized rows.
void expect_matmul_matches_scalar(QuantMatmul& mm, ThreadPool& pool, DType t, int64_t k, int64_t R, int64_t T,
                                  const std::vector<uint8_t>& w, uint32_t seed) {
  auto x = random_activations(k, T, seed);
  std::vector<float> out(static_cast<size_t>(R * T), std::numeric_limits<float>::quiet_NaN());
  const TensorView wv = TensorView::contiguous(t, const_cast<uint8_t*>(w.data()), {k, R});
  mm.run(pool, wv, TensorView::contiguous(DType::F32, x.data(), {k, T}),
         TensorView::contiguous(DType::F32, out.data(), {R, T}));
  const ActType act = act_type_for(t);
  std::vector<uint8_t> arow(act_row_bytes(act, k));
  const size_t rb = tensor::row_bytes(t, k);
  for (int64_t tt = 0; tt < T; ++tt) {
    quantize_act_scalar(act, x.data() + tt * k, k, arow.data());
    for (int64_t r = 0; r < R; ++r) {
      const uint8_t* wr = w.data() + r * rb;
      ASSERT_NEAR(out[tt * R + r], vec_dot_scalar(t, k, wr, arow.data()),
                  kernel_tolerance(t, k, vec_dot_magnitude(t, k, wr, arow.data())))
          << name(t) << " k=" << k << " R=" << R << " T=" << T << " r=" << r << " t=" << tt;
    }
  }
}

TEST(QuantPanel, MatmulMatchesScalarWithOddRowsAndTokens) {
  ThreadPool pool(2);
  QuantMatmul mm(best_quant_kernels());
  for (DType t : panel_types()) {
    const int64_t k = act_type_for(t) == ActType::Q8_K ? 512 : 160;
    for (int64_t R : {1, 37, 128})
      for (int64_t T : {1, 3, 21}) {
        auto w = random_weights(t, k, R, 800 + static_cast<uint32_t>(R * T), true);
        expect_matmul_matches_scalar(mm, pool, t, k, R, T, w, 900 + static_cast<uint32_t>(T));
      }
  }
}

TEST(QuantPanel, MatmulRepacksWeightsChangedAtTheSameAddress) {
  ThreadPool pool(2);
  QuantMatmul mm(best_quant_kernels());
  for (DType t : panel_types()) {
    const int64_t k = 256, R = 40, T = 5;
    auto w = random_weights(t, k, R, 1000, true);
    expect_matmul_matches_scalar(mm, pool, t, k, R, T, w, 1001);
    const auto other = random_weights(t, k, R, 1002, true);
    std::memcpy(w.data(), other.data(), w.size());  // same buffer, new contents
    expect_matmul_matches_scalar(mm, pool, t, k, R, T, w, 1003);
  }
}

TEST(QuantPanel, CachePacksEachViewOnceAndKeepsIt) {
  ThreadPool pool(2);
  PanelCache cache;
  const DType t = DType::Q4_0;
  const int64_t k = 64, R = 40;
  auto w = random_weights(t, k, R, 1100, true);
  const TensorView all = TensorView::contiguous(t, w.data(), {k, R});
  const TensorView first = TensorView::contiguous(t, w.data(), {k, 20});
  const uint8_t* p_all = cache.get(pool, all);
  const size_t pb = panel_bytes(t, k);
  EXPECT_EQ(cache.bytes(), 3 * pb);
  const uint8_t* p_first = cache.get(pool, first);
  EXPECT_NE(p_first, p_all);
  EXPECT_EQ(cache.bytes(), 5 * pb);
  EXPECT_EQ(cache.get(pool, all), p_all);  // not packed again
  EXPECT_EQ(cache.get(pool, first), p_first);
  EXPECT_EQ(cache.bytes(), 5 * pb);
  std::vector<uint8_t> panel(pb);
  for (int64_t p = 0; p < 3; ++p) {
    pack_panel(t, k, w.data() + p * 16 * all.nb[1], all.nb[1], static_cast<int>(std::min<int64_t>(16, R - 16 * p)), panel.data());
    EXPECT_EQ(0, std::memcmp(panel.data(), p_all + p * pb, pb)) << "panel " << p;
  }
}

}  // namespace
}  // namespace hearth::backend::cpu
