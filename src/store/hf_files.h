#pragma once
// A Hugging Face repository's files, and which GGUF file a pull takes: the
// listing of GET {endpoint}/api/models/ORG/REPO/tree/main?recursive=true
// (an array of {"type":"file","path":...,"size":N,"lfs":{"oid":"<sha256>",...}},
// paged with Link: <...>; rel="next"), and the choice by quantization.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/digest.h"

namespace hearth::store {

struct HfFile {
  std::string path;
  uint64_t size = 0;
  std::optional<Digest> sha256;  // the LFS oid; absent for files kept in git itself
};

// The files (not directories) of one page. Throws hearth::Error naming `where`.
std::vector<HfFile> parse_hf_tree(std::string_view json, const std::string& where);

// The URL of the next page from a Link header, if any.
std::optional<std::string> next_page(const std::optional<std::string>& link_header);

// The quantization a GGUF file's name carries ("Q4_K_M", "IQ4_XS", "F16",
// "UD-Q4_K_XL" is "Q4_K_XL"), or "" when it names none.
std::string quant_label(std::string_view file_name);

struct GgufChoice {
  std::string quant;          // the tag to store the model under
  std::vector<HfFile> parts;  // one file, or the parts of a split model in order
};

// The GGUF model file(s) for `quant` (matched ignoring case), or with no
// quant the first of Q4_K_M, Q4_K_S, Q4_0, IQ4_XS, ... Q8_0, F16, BF16, F32
// that the repository has. Vision projectors (mmproj) are not models.
// Throws hearth::Error listing what the repository has when nothing fits.
GgufChoice choose_gguf(const std::vector<HfFile>& files, const std::optional<std::string>& quant,
                       const std::string& repo);

}  // namespace hearth::store
