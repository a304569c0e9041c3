#include "convert/mix.h"

#include <array>
#include <cctype>

#include "core/error.h"

namespace hearth::convert {

namespace {

using tensor::DType;

// ftype ids from llama.h (enum llama_ftype).
constexpr Mix kMixes[] = {
    {"F32", 0, DType::F32},       {"F16", 1, DType::F16},       {"BF16", 32, DType::BF16},
    {"Q4_0", 2, DType::Q4_0},     {"Q4_1", 3, DType::Q4_1},     {"Q5_0", 8, DType::Q5_0},
    {"Q5_1", 9, DType::Q5_1},     {"Q8_0", 7, DType::Q8_0},     {"Q2_K", 10, DType::Q2_K},
    {"Q3_K_M", 12, DType::Q3_K},  {"Q4_K_M", 15, DType::Q4_K},  {"Q5_K_M", 17, DType::Q5_K},
    {"Q6_K", 18, DType::Q6_K},    {"IQ4_NL", 25, DType::IQ4_NL}, {"IQ4_XS", 30, DType::IQ4_XS},
};

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

bool Mix::quantized() const {
  return default_type != DType::F32 && default_type != DType::F16 && default_type != DType::BF16;
}

std::span<const Mix> mixes() { return kMixes; }

std::string mix_names() {
  std::string names;
  for (const Mix& m : kMixes) names += (names.empty() ? "" : ", ") + std::string(m.name);
  return names;
}

const Mix& parse_mix(std::string_view text) {
  std::string key = upper(text);
  if (key.rfind("MOSTLY_", 0) == 0) key = key.substr(7);
  if (key == "ALL_F32") key = "F32";
  // llama-quantize's aliases: a bare K type names its medium mix.
  if (key == "Q3_K") key = "Q3_K_M";
  if (key == "Q4_K") key = "Q4_K_M";
  if (key == "Q5_K") key = "Q5_K_M";
  const bool numeric = !key.empty() && key.size() <= 3 &&
                       key.find_first_not_of("0123456789") == std::string::npos;
  for (const Mix& m : kMixes) {
    if (key == m.name) return m;
    if (numeric && std::stoul(key) == m.ftype) return m;
  }
  fail("unknown quantization type '", text, "' (choose one of: ", mix_names(), ")");
}

}  // namespace hearth::convert
