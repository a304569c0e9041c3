#pragma once
// The ggml type table: every type id a GGUF file may carry, with its name,
// block size (elements per block) and bytes per block, as llama.cpp defines
// them. Ids that ggml has retired are known but refused.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hearth::tensor {

enum class DType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3,
  // 4 and 5 were Q4_2 and Q4_3, retired
  Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22,
  IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
  // 31..33 were Q4_0_4_4, Q4_0_4_8, Q4_0_8_8, retired
  TQ1_0 = 34, TQ2_0 = 35,
  // 36..38 were IQ4_NL_4_4, IQ4_NL_4_8, IQ4_NL_8_8, retired
  MXFP4 = 39,
};

struct DTypeInfo {
  DType type;
  const char* name;      // as ggml names it: "f32", "q4_K", "iq4_xs", ...
  int64_t block_size;    // elements per block (1 for plain types)
  size_t block_bytes;    // bytes per block
};

// nullptr for an id that is unknown or retired.
const DTypeInfo* dtype_info(uint32_t id);
// Throws hearth::Error for an unknown id.
const DTypeInfo& dtype_info(DType type);
// "q4_K" for a known id, "unknown type <id>" otherwise.
std::string dtype_name(uint32_t id);

// Bytes of n elements of type (n must be a multiple of the block size).
size_t row_bytes(DType type, int64_t n);

}  // namespace hearth::tensor
