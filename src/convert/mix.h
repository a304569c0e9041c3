#pragma once
// The quantization mixes `hearth quantize` and `hearth synth` write: a mix is
// a llama.cpp file type (general.file_type) with a default tensor type, from
// which per-tensor choices are made (convert/plan.h).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tensor/dtype.h"

namespace hearth::convert {

struct Mix {
  const char* name;              // canonical spelling: "Q4_K_M"
  uint32_t ftype;                // llama.cpp's llama_ftype id, written as general.file_type
  tensor::DType default_type;    // the type most matrices get
  bool quantized() const;        // default type is a block-quantized type (not F32/F16/BF16)
};

// Every mix, in the order they are listed to users.
std::span<const Mix> mixes();

// Finds a mix by name, case-insensitively: the canonical names, llama.cpp's
// aliases (Q3_K, Q4_K, Q5_K for the _M mixes), "MOSTLY_" prefixed forms, and
// the numeric file type ids. Throws hearth::Error listing the choices.
const Mix& parse_mix(std::string_view text);

// The comma-separated canonical names.
std::string mix_names();

}  // namespace hearth::convert
