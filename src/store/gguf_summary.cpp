#include "store/gguf_summary.h"

#include <cstdint>

#include "gguf/file_type.h"

namespace hearth::store {

namespace {


struct FileType {
  uint32_t id;
  const char* name;
};

// llama_ftype ids and the names ollama gives them.
constexpr FileType kFileTypes[] = {
    {0, "F32"},      {1, "F16"},      {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},    {8, "Q5_0"},
    {9, "Q5_1"},     {10, "Q2_K"},    {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
    {15, "Q4_K_M"},  {16, "Q5_K_S"},  {17, "Q5_K_M"}, {18, "Q6_K"},   {19, "IQ2_XXS"}, {20, "IQ2_XS"},
    {21, "Q2_K_S"},  {22, "IQ3_XS"},  {23, "IQ3_XXS"}, {24, "IQ1_S"}, {25, "IQ4_NL"}, {26, "IQ3_S"},
    {27, "IQ3_M"},   {28, "IQ2_S"},   {29, "IQ2_M"},  {30, "IQ4_XS"}, {31, "IQ1_M"},  {32, "BF16"},
    {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4"},
};

}  // namespace

std::string file_type_name(uint32_t ftype) {
  for (const FileType& f : kFileTypes)
    if (f.id == ftype) return f.name;
  return "unknown";
}

GgufSummary summarize_gguf(const gguf::File& file) {
  GgufSummary s;
  s.architecture = file.find_string("general.architecture").value_or("");
  for (const gguf::TensorInfo& t : file.tensors()) s.parameter_count += static_cast<uint64_t>(t.n_elements());
  s.file_type = file.find("general.file_type") ? file_type_name(static_cast<uint32_t>(file.get_uint("general.file_type")))
                                               : file_type_name(gguf::guessed_file_type(file).value_or(UINT32_MAX));
  if (!s.architecture.empty()) {
    s.context_length = file.get_uint_or(s.architecture + ".context_length", 0);
    s.embedding_length = file.get_uint_or(s.architecture + ".embedding_length", 0);
  }
  s.split_count = file.get_uint_or("split.count", 0);
  s.chat_template = file.find_string("tokenizer.chat_template");
  s.encoder = s.architecture == "bert" || s.architecture == "nomic-bert";
  return s;
}

}  // namespace hearth::store
