// The file type a file without general.file_type implies, as llama.cpp's
// loader guesses it: from the tensor type most of its tensors have.
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "gguf/file_type.h"
#include "gguf/writer.h"

namespace hearth::gguf {
namespace {

using tensor::DType;

// A file whose tensors have these types, in order (each one row of 256).
std::vector<uint8_t> file_of(std::initializer_list<DType> types) {
  Writer w;
  int i = 0;
  for (DType t : types)
    w.add_tensor("t" + std::to_string(i++), t, {256}, [](uint8_t* dst, size_t n) { std::fill_n(dst, n, 0); });
  return w.to_bytes();
}

std::optional<uint32_t> guess(std::initializer_list<DType> types) {
  const std::vector<uint8_t> bytes = file_of(types);
  return guessed_file_type(File::parse(bytes));
}

TEST(GuessedFileType, TheMostCommonTensorTypeNamesIt) {
  EXPECT_EQ(guess({DType::F32, DType::Q4_0, DType::Q4_0}), 2u);          // Q4_0
  EXPECT_EQ(guess({DType::Q6_K, DType::Q4_K, DType::Q4_K}), 15u);        // a K type: its medium mix, Q4_K_M
  EXPECT_EQ(guess({DType::F32, DType::F32, DType::BF16}), 0u);           // all F32
  EXPECT_EQ(guess({DType::BF16, DType::BF16, DType::F32}), 32u);
}

TEST(GuessedFileType, ATieGoesToTheTypeSeenFirst) {
  EXPECT_EQ(guess({DType::Q8_0, DType::F16}), 7u);
  EXPECT_EQ(guess({DType::F16, DType::Q8_0}), 1u);
}

TEST(GuessedFileType, ATypeThatNamesNoFileTypeGivesNone) {
  EXPECT_FALSE(guess({DType::Q8_K, DType::Q8_K, DType::F32}));
  EXPECT_EQ(guess({}), 0u);  // no tensors: all F32, where llama.cpp starts
}

}  // namespace
}  // namespace hearth::gguf
