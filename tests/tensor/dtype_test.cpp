// The ggml type table against values written out here from the format
// definitions (ggml.h's enum ggml_type and the block structs of ggml-common.h),
// not derived from dtype.cpp.
#include "tensor/dtype.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"

namespace hearth::tensor {
namespace {

struct Expected {
  uint32_t id;
  const char* name;
  int64_t block_size;
  size_t block_bytes;
};

// Byte counts worked out by hand from each block struct (QK_K = 256):
constexpr Expected kExpected[] = {
    {0, "f32", 1, 4},
    {1, "f16", 1, 2},
    {2, "q4_0", 32, 18},      // f16 d + 16 nibble bytes
    {3, "q4_1", 32, 20},      // f16 d, m + 16
    {6, "q5_0", 32, 22},      // f16 d + u32 qh + 16
    {7, "q5_1", 32, 24},      // f16 d, m + u32 qh + 16
    {8, "q8_0", 32, 34},      // f16 d + 32 int8
    {9, "q8_1", 32, 36},      // f16 d, s + 32 int8
    {10, "q2_K", 256, 84},    // scales 16 + qs 64 + d, dmin 4
    {11, "q3_K", 256, 110},   // hmask 32 + qs 64 + scales 12 + d 2
    {12, "q4_K", 256, 144},   // d, dmin 4 + scales 12 + qs 128
    {13, "q5_K", 256, 176},   // 4 + 12 + qh 32 + qs 128
    {14, "q6_K", 256, 210},   // ql 128 + qh 64 + scales 16 + d 2
    {15, "q8_K", 256, 292},   // f32 d 4 + qs 256 + bsums 16 x i16
    {16, "iq2_xxs", 256, 66}, // d 2 + 32 x u16
    {17, "iq2_xs", 256, 74},  // d 2 + 32 x u16 + scales 8
    {18, "iq3_xxs", 256, 98}, // d 2 + 96
    {19, "iq1_s", 256, 50},   // d 2 + qs 32 + 8 x u16
    {20, "iq4_nl", 32, 18},   // d 2 + 16
    {21, "iq3_s", 256, 110},  // d 2 + qs 64 + qh 8 + signs 32 + scales 4
    {22, "iq2_s", 256, 82},   // d 2 + qs 64 + qh 8 + scales 8
    {23, "iq4_xs", 256, 136}, // d 2 + scales_h 2 + scales_l 4 + qs 128
    {24, "i8", 1, 1},
    {25, "i16", 1, 2},
    {26, "i32", 1, 4},
    {27, "i64", 1, 8},
    {28, "f64", 1, 8},
    {29, "iq1_m", 256, 56},   // qs 32 + qh 16 + scales 8 (no d)
    {30, "bf16", 1, 2},
    {34, "tq1_0", 256, 54},   // qs 48 + qh 4 + d 2
    {35, "tq2_0", 256, 66},   // qs 64 + d 2
    {39, "mxfp4", 32, 17},    // e8m0 exponent 1 + 16
};

TEST(DType, EveryKnownIdMatchesTheFormat) {
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.name);
    const DTypeInfo* info = dtype_info(e.id);
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(static_cast<uint32_t>(info->type), e.id);
    EXPECT_STREQ(info->name, e.name);
    EXPECT_EQ(info->block_size, e.block_size);
    EXPECT_EQ(info->block_bytes, e.block_bytes);
    EXPECT_EQ(dtype_name(e.id), e.name);
    // The enum overload agrees with the id overload.
    EXPECT_EQ(&dtype_info(static_cast<DType>(e.id)), info);
  }
}

TEST(DType, RetiredAndUnknownIdsAreAbsent) {
  std::set<uint32_t> known;
  for (const Expected& e : kExpected) known.insert(e.id);
  EXPECT_EQ(known.size(), 32u);
  for (uint32_t id = 0; id < 100; ++id) {
    if (known.count(id)) continue;
    SCOPED_TRACE(id);
    EXPECT_EQ(dtype_info(id), nullptr);
    EXPECT_EQ(dtype_name(id), "unknown type " + std::to_string(id));
    EXPECT_THROW(dtype_info(static_cast<DType>(id)), Error);
  }
  EXPECT_EQ(dtype_info(0xffffffffu), nullptr);
  // The retired ones explicitly: q4_2, q4_3, the q4_0/iq4_nl repacks.
  for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u}) EXPECT_EQ(dtype_info(id), nullptr);
}

TEST(DType, RowBytes) {
  EXPECT_EQ(row_bytes(DType::F32, 0), 0u);
  EXPECT_EQ(row_bytes(DType::F32, 7), 28u);
  EXPECT_EQ(row_bytes(DType::F16, 3), 6u);
  EXPECT_EQ(row_bytes(DType::BF16, 5), 10u);
  EXPECT_EQ(row_bytes(DType::Q4_0, 64), 36u);
  EXPECT_EQ(row_bytes(DType::Q8_0, 4096), 128u * 34u);
  EXPECT_EQ(row_bytes(DType::Q4_K, 4096), 16u * 144u);
  EXPECT_EQ(row_bytes(DType::Q6_K, 256), 210u);
  EXPECT_EQ(row_bytes(DType::MXFP4, 2880), 90u * 17u);
}

TEST(DType, RowBytesRejectsPartialBlocks) {
  EXPECT_THROW(row_bytes(DType::Q4_0, 33), Error);
  EXPECT_THROW(row_bytes(DType::Q4_K, 128), Error);
  EXPECT_THROW(row_bytes(DType::Q8_0, -32), Error);
  try {
    row_bytes(DType::Q5_K, 100);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("q5_K"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace hearth::tensor
