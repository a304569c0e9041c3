#pragma once
// An OCI-style image manifest in ollama's format:
//   {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
//    "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"sha256:...","size":N},
//    "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:...","size":N}, ...]}
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/digest.h"

namespace hearth::store {

struct Layer {
  std::string media_type;
  Digest digest;
  uint64_t size = 0;

  friend bool operator==(const Layer&, const Layer&) = default;
};

struct Manifest {
  Layer config;
  std::vector<Layer> layers;

  // Parses and checks the JSON (schema version 2, every digest and size).
  // Throws hearth::Error naming `where` and the problem.
  static Manifest parse(std::string_view json, const std::string& where);
  // The bytes ollama writes (Go's JSON encoder: compact, newline at the end).
  std::string serialize() const;

  // The first layer of that media type, if any.
  const Layer* find(std::string_view media_type) const;
  std::vector<const Layer*> find_all(std::string_view media_type) const;
  // Config and layers together, as ollama's list and show report a model's size.
  uint64_t total_size() const;
  // The config digest, then every layer's.
  std::vector<Digest> blobs() const;

  friend bool operator==(const Manifest&, const Manifest&) = default;
};

}  // namespace hearth::store
