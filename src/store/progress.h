#pragma once
// Progress of a long store operation, shaped as ollama's progress responses
// ({"status":..., "digest":..., "total":..., "completed":...}) so that the
// HTTP server can stream them as they are.
#include <cstdint>
#include <functional>
#include <string>

namespace hearth::store {

struct ProgressEvent {
  std::string status;  // "gathering model components", "copying file sha256:... ", "success", ...
  std::string digest;  // "sha256:..." while a blob is written, else empty
  uint64_t total = 0, completed = 0;  // bytes, when the step has a size
};

using ProgressFn = std::function<void(const ProgressEvent&)>;

}  // namespace hearth::store
