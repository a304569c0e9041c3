#include "tensor/dtype.h"

#include <array>

#include "core/error.h"

namespace hearth::tensor {

namespace {

constexpr int64_t QK_K = 256;

// Sizes follow ggml's block structs (ggml-common.h); retired ids are absent.
constexpr DTypeInfo kTypes[] = {
    {DType::F32, "f32", 1, 4},
    {DType::F16, "f16", 1, 2},
    {DType::Q4_0, "q4_0", 32, 2 + 16},
    {DType::Q4_1, "q4_1", 32, 2 + 2 + 16},
    {DType::Q5_0, "q5_0", 32, 2 + 4 + 16},
    {DType::Q5_1, "q5_1", 32, 2 + 2 + 4 + 16},
    {DType::Q8_0, "q8_0", 32, 2 + 32},
    {DType::Q8_1, "q8_1", 32, 2 + 2 + 32},
    {DType::Q2_K, "q2_K", QK_K, QK_K / 16 + QK_K / 4 + 2 + 2},
    {DType::Q3_K, "q3_K", QK_K, QK_K / 8 + QK_K / 4 + 12 + 2},
    {DType::Q4_K, "q4_K", QK_K, 2 + 2 + 12 + QK_K / 2},
    {DType::Q5_K, "q5_K", QK_K, 2 + 2 + 12 + QK_K / 8 + QK_K / 2},
    {DType::Q6_K, "q6_K", QK_K, QK_K / 2 + QK_K / 4 + QK_K / 16 + 2},
    {DType::Q8_K, "q8_K", QK_K, 4 + QK_K + QK_K / 16 * 2},
    {DType::IQ2_XXS, "iq2_xxs", QK_K, 2 + QK_K / 8 * 2},
    {DType::IQ2_XS, "iq2_xs", QK_K, 2 + QK_K / 8 * 2 + QK_K / 32},
    {DType::IQ3_XXS, "iq3_xxs", QK_K, 2 + 3 * QK_K / 8},
    {DType::IQ1_S, "iq1_s", QK_K, 2 + QK_K / 8 + QK_K / 16},
    {DType::IQ4_NL, "iq4_nl", 32, 2 + 16},
    {DType::IQ3_S, "iq3_s", QK_K, 2 + QK_K / 4 + QK_K / 32 + QK_K / 8 + 4},
    {DType::IQ2_S, "iq2_s", QK_K, 2 + QK_K / 4 + QK_K / 32 + QK_K / 32},
    {DType::IQ4_XS, "iq4_xs", QK_K, 2 + 2 + QK_K / 64 + QK_K / 2},
    {DType::I8, "i8", 1, 1},
    {DType::I16, "i16", 1, 2},
    {DType::I32, "i32", 1, 4},
    {DType::I64, "i64", 1, 8},
    {DType::F64, "f64", 1, 8},
    {DType::IQ1_M, "iq1_m", QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32},
    {DType::BF16, "bf16", 1, 2},
    {DType::TQ1_0, "tq1_0", QK_K, (QK_K - 4 * QK_K / 64) / 5 + QK_K / 64 + 2},
    {DType::TQ2_0, "tq2_0", QK_K, QK_K / 4 + 2},
    {DType::MXFP4, "mxfp4", 32, 1 + 16},
};

constexpr uint32_t kMaxId = 40;

constexpr std::array<const DTypeInfo*, kMaxId> build_index() {
  std::array<const DTypeInfo*, kMaxId> index{};
  for (const auto& info : kTypes) index[static_cast<uint32_t>(info.type)] = &info;
  return index;
}

constexpr auto kIndex = build_index();

}  // namespace

const DTypeInfo* dtype_info(uint32_t id) { return id < kMaxId ? kIndex[id] : nullptr; }

const DTypeInfo& dtype_info(DType type) {
  const DTypeInfo* info = dtype_info(static_cast<uint32_t>(type));
  if (!info) fail("unknown tensor type id ", static_cast<uint32_t>(type));
  return *info;
}

std::string dtype_name(uint32_t id) {
  const DTypeInfo* info = dtype_info(id);
  return info ? std::string(info->name) : cat("unknown type ", id);
}

size_t row_bytes(DType type, int64_t n) {
  const DTypeInfo& info = dtype_info(type);
  if (n < 0) fail("row of negative element count ", n, " for type ", info.name);
  if (n % info.block_size != 0)
    fail("row of ", n, " elements is not a multiple of ", info.name, "'s block size ", info.block_size);
  return static_cast<size_t>(n / info.block_size) * info.block_bytes;
}

}  // namespace hearth::tensor
