#pragma once
// The media types of ollama's manifests and layers.
#include <string_view>

namespace hearth::store::media_type {

constexpr std::string_view kManifest = "application/vnd.docker.distribution.manifest.v2+json";
constexpr std::string_view kConfig = "application/vnd.docker.container.image.v1+json";
constexpr std::string_view kModel = "application/vnd.ollama.image.model";        // the GGUF file
constexpr std::string_view kAdapter = "application/vnd.ollama.image.adapter";    // a LoRA adapter (GGUF)
constexpr std::string_view kProjector = "application/vnd.ollama.image.projector";
constexpr std::string_view kTemplate = "application/vnd.ollama.image.template";
constexpr std::string_view kSystem = "application/vnd.ollama.image.system";
constexpr std::string_view kParams = "application/vnd.ollama.image.params";      // JSON object
constexpr std::string_view kMessages = "application/vnd.ollama.image.messages";  // JSON array
constexpr std::string_view kLicense = "application/vnd.ollama.image.license";

}  // namespace hearth::store::media_type
