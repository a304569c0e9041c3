#pragma once
// The config blob of a manifest: ollama's ConfigV2 JSON,
//   {"model_format":"gguf","model_family":"qwen2","model_families":["qwen2"],
//    "model_type":"494.03M","file_type":"Q4_K_M","architecture":"amd64","os":"linux",
//    "rootfs":{"type":"layers","diff_ids":["sha256:...", ...]}}
// and the "details" that /api/tags and /api/show build from it.
#include <string>
#include <string_view>
#include <vector>

#include "store/digest.h"
#include "store/gguf_summary.h"

namespace hearth::store {

struct ModelDetails {
  std::string parent_model;
  std::string format = "gguf";
  std::string family;
  std::vector<std::string> families;
  std::string parameter_size;      // "494.03M", "7.6B"
  std::string quantization_level;  // "Q4_K_M"

  friend bool operator==(const ModelDetails&, const ModelDetails&) = default;
};

struct ModelConfig {
  std::string model_format = "gguf";
  std::string model_family;
  std::vector<std::string> model_families;
  std::string model_type;  // the parameter count as ollama's HumanNumber writes it
  std::string file_type;
  std::vector<Digest> diff_ids;  // the layers' digests

  static ModelConfig from_gguf(const GgufSummary& summary);
  // Throws hearth::Error naming `where`; missing fields read as empty.
  static ModelConfig parse(std::string_view json, const std::string& where);
  std::string serialize() const;  // Go's JSON encoding, as ollama writes it
  ModelDetails details() const;
};

}  // namespace hearth::store
