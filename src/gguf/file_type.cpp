#include "gguf/file_type.h"

#include <map>

namespace hearth::gguf {

namespace {

using tensor::DType;

std::optional<uint32_t> file_type_of(DType type) {
  switch (type) {
    case DType::F32: return 0;
    case DType::F16: return 1;
    case DType::BF16: return 32;
    case DType::Q4_0: return 2;
    case DType::Q4_1: return 3;
    case DType::Q5_0: return 8;
    case DType::Q5_1: return 9;
    case DType::Q8_0: return 7;
    case DType::Q2_K: return 10;
    case DType::Q3_K: return 12;
    case DType::Q4_K: return 15;
    case DType::Q5_K: return 17;
    case DType::Q6_K: return 18;
    case DType::TQ1_0: return 36;
    case DType::TQ2_0: return 37;
    case DType::IQ2_XXS: return 19;
    case DType::IQ2_XS: return 20;
    case DType::IQ2_S: return 28;
    case DType::IQ3_XXS: return 23;
    case DType::IQ1_S: return 24;
    case DType::IQ1_M: return 31;
    case DType::IQ4_NL: return 25;
    case DType::IQ4_XS: return 30;
    case DType::IQ3_S: return 26;
    default: return std::nullopt;
  }
}

}  // namespace

std::optional<uint32_t> guessed_file_type(const File& file) {
  std::map<DType, int> count;
  DType most = DType::F32;
  int most_count = 0;
  for (const TensorInfo& t : file.tensors()) {
    const int c = ++count[t.type];
    if (c > most_count) most_count = c, most = t.type;
  }
  return file_type_of(most);
}

}  // namespace hearth::gguf
