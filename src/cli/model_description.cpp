#include "cli/model_description.h"

#include <cmath>
#include <cstdio>

#include "gguf/file_type.h"

namespace hearth::cli {

namespace {


struct FileTypeName {
  uint32_t id;
  const char* name;
};

// llama_ftype ids (llama.h) and the names llama.cpp prints for them.
constexpr FileTypeName kFileTypeNames[] = {
    {0, "all F32"},
    {1, "F16"},
    {2, "Q4_0"},
    {3, "Q4_1"},
    {7, "Q8_0"},
    {8, "Q5_0"},
    {9, "Q5_1"},
    {10, "Q2_K - Medium"},
    {11, "Q3_K - Small"},
    {12, "Q3_K - Medium"},
    {13, "Q3_K - Large"},
    {14, "Q4_K - Small"},
    {15, "Q4_K - Medium"},
    {16, "Q5_K - Small"},
    {17, "Q5_K - Medium"},
    {18, "Q6_K"},
    {19, "IQ2_XXS - 2.0625 bpw"},
    {20, "IQ2_XS - 2.3125 bpw"},
    {21, "Q2_K - Small"},
    {22, "IQ3_XS - 3.3 bpw"},
    {23, "IQ3_XXS - 3.0625 bpw"},
    {24, "IQ1_S - 1.5625 bpw"},
    {25, "IQ4_NL - 4.5 bpw"},
    {26, "IQ3_S - 3.4375 bpw"},
    {27, "IQ3_S mix - 3.66 bpw"},
    {28, "IQ2_S - 2.5 bpw"},
    {29, "IQ2_M - 2.7 bpw"},
    {30, "IQ4_XS - 4.25 bpw"},
    {31, "IQ1_M - 1.75 bpw"},
    {32, "BF16"},
    {36, "TQ1_0 - 1.69 bpw ternary"},
    {37, "TQ2_0 - 2.06 bpw ternary"},
    {38, "MXFP4 MoE"},
};

std::string trim_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

std::string file_type_name(uint32_t ftype) {
  for (const FileTypeName& f : kFileTypeNames)
    if (f.id == ftype) return f.name;
  return "unknown, may not work";
}

std::string size_label(uint64_t n_params) {
  const double n = static_cast<double>(n_params);
  const char* unit = "K";
  double v = n / 1e3;
  if (n >= 0.45e9) unit = "B", v = n / 1e9;
  else if (n >= 0.45e6) unit = "M", v = n / 1e6;
  // Halves below 2 ("0.5B", "1.5B"), whole numbers above.
  const double rounded = v < 2 ? std::round(v * 2) / 2 : std::round(v);
  return trim_number(rounded) + unit;
}

std::string model_description(const gguf::File& file, uint64_t n_params) {
  const std::string arch = file.find_string("general.architecture").value_or("unknown");
  std::string type;
  if (file.find("general.file_type"))
    type = file_type_name(static_cast<uint32_t>(file.get_uint("general.file_type")));
  else
    type = "(guessed) " + file_type_name(gguf::guessed_file_type(file).value_or(0));  // llama.cpp: all F32 when unknown
  return arch + " " + size_label(n_params) + " " + type;
}

}  // namespace hearth::cli
