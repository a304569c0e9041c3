#pragma once
// Small helpers the quantizer tests share: run the reference (de)quantizer on
// a whole row and compare results exactly, naming the first differences.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tensor/dequantize.h"

namespace hearth::tensor {

using Bytes = std::vector<uint8_t>;

// Dequantizes n elements from b; the output starts as a sentinel so that an
// element left unwritten shows.
inline std::vector<float> dequant(DType t, const Bytes& b, int64_t n) {
  EXPECT_EQ(b.size(), row_bytes(t, n));
  std::vector<float> out(static_cast<size_t>(n), -12345.0f);
  dequantize_row(t, b.data(), out.data(), n);
  return out;
}

// Dequantizes every block in b.
inline std::vector<float> dequant(DType t, const Bytes& b) {
  const DTypeInfo& info = dtype_info(t);
  return dequant(t, b, info.block_size * static_cast<int64_t>(b.size() / info.block_bytes));
}

// Quantizes x into a buffer pre-filled with 0xcd, so that a byte left
// unwritten shows.
inline Bytes quant(DType t, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  Bytes out(row_bytes(t, n), 0xcd);
  quantize_row(t, x.data(), out.data(), n);
  return out;
}

// Exact comparison: every expected value in these tests is representable.
inline void expect_floats(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]) << "element " << i;
}

inline void expect_bytes(const Bytes& got, const Bytes& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_EQ(static_cast<int>(got[i]), static_cast<int>(want[i])) << "byte " << i;
}

}  // namespace hearth::tensor
