// llamacpp_quantize IN.gguf OUT.gguf TYPE [THREADS]: quantizes a model with
// llama.cpp's own quantizer (llama_model_quantize, as llama-quantize does with
// its defaults), so that bench/compare.sh measures both engines on files
// llama.cpp made. TYPE: F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K_M,
// Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, IQ4_NL, IQ4_XS.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "ggml-backend.h"
#include "llama.h"

#ifndef LLAMACPP_LIB_DIR
#error "LLAMACPP_LIB_DIR must name the directory of the prebuilt ggml CPU variants"
#endif

namespace {

struct NamedType {
  const char* name;
  llama_ftype ftype;
};

constexpr NamedType kTypes[] = {
    {"F16", LLAMA_FTYPE_MOSTLY_F16},         {"BF16", LLAMA_FTYPE_MOSTLY_BF16},
    {"Q8_0", LLAMA_FTYPE_MOSTLY_Q8_0},       {"Q4_0", LLAMA_FTYPE_MOSTLY_Q4_0},
    {"Q4_1", LLAMA_FTYPE_MOSTLY_Q4_1},       {"Q5_0", LLAMA_FTYPE_MOSTLY_Q5_0},
    {"Q5_1", LLAMA_FTYPE_MOSTLY_Q5_1},       {"Q2_K", LLAMA_FTYPE_MOSTLY_Q2_K},
    {"Q3_K_M", LLAMA_FTYPE_MOSTLY_Q3_K_M},   {"Q4_K_S", LLAMA_FTYPE_MOSTLY_Q4_K_S},
    {"Q4_K_M", LLAMA_FTYPE_MOSTLY_Q4_K_M},   {"Q5_K_S", LLAMA_FTYPE_MOSTLY_Q5_K_S},
    {"Q5_K_M", LLAMA_FTYPE_MOSTLY_Q5_K_M},   {"Q6_K", LLAMA_FTYPE_MOSTLY_Q6_K},
    {"IQ4_NL", LLAMA_FTYPE_MOSTLY_IQ4_NL},   {"IQ4_XS", LLAMA_FTYPE_MOSTLY_IQ4_XS},
};

// llama.cpp logs every tensor it converts; only its warnings and errors are kept.
void warnings_only(ggml_log_level level, const char* text, void*) {
  if (level == GGML_LOG_LEVEL_WARN || level == GGML_LOG_LEVEL_ERROR) std::fputs(text, stderr);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: llamacpp_quantize IN.gguf OUT.gguf TYPE [THREADS]\n");
    return 2;
  }
  const std::string type = argv[3];
  const NamedType* chosen = nullptr;
  for (const NamedType& t : kTypes)
    if (type == t.name) chosen = &t;
  if (!chosen) {
    std::fprintf(stderr, "llamacpp_quantize: unknown type '%s'\n", argv[3]);
    return 2;
  }
  llama_log_set(warnings_only, nullptr);
  ggml_backend_load_all_from_path(LLAMACPP_LIB_DIR);
  llama_backend_init();
  llama_model_quantize_params params = llama_model_quantize_default_params();
  params.ftype = chosen->ftype;
  if (argc == 5) params.nthread = std::atoi(argv[4]);
  const uint32_t status = llama_model_quantize(argv[1], argv[2], &params);
  llama_backend_free();
  if (status != 0) {
    std::fprintf(stderr, "llamacpp_quantize: llama_model_quantize failed (%u)\n", status);
    return 1;
  }
  return 0;
}
