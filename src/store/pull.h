#pragma once
// Pulling models into the store:
//
//   [host/][namespace/]model[:tag]        from an ollama registry (registry.ollama.ai by default):
//                                         GET /v2/<ns>/<model>/manifests/<tag>, then each blob
//   hf.co/ORG/REPO[:QUANT]                a GGUF file of a Hugging Face repository (also
//   hf://ORG/REPO, huggingface.co/ORG/REPO)  from its file listing, stored as hf.co/ORG/REPO:QUANT
//
// Progress reports ollama's steps: "pulling manifest", "pulling <12 hex>"
// (with digest, total and completed bytes), "verifying sha256 digest",
// "writing manifest", "success". Blobs already in the store are not
// downloaded again; others resume what an earlier attempt left
// (partial_download.h) and are checked against their sha256 before anything
// is committed. A failed pull leaves the store as it was.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/name.h"
#include "store/progress.h"

namespace hearth::store {

class Store;

struct PullOptions {
  bool insecure = false;  // plain HTTP: a registry on this machine or network
  int connections = 4;    // parallel byte ranges for a large blob
  uint64_t parallel_threshold = 100'000'000;
  int max_attempts = 5;  // per part, counted from its last progress
  std::chrono::milliseconds retry_delay{1000};
  const std::atomic<bool>* cancel = nullptr;
  // Hugging Face: "" reads $HF_ENDPOINT (default https://huggingface.co) and $HF_TOKEN.
  std::string hf_endpoint;
  std::string hf_token;
};

struct PullResult {
  Name name;                          // as stored
  std::vector<std::string> warnings;  // e.g. a chat template hearth cannot run
};

// A Hugging Face repository named as ollama names it.
struct HfReference {
  std::string org, repo;
  std::optional<std::string> quant;  // as written; nullopt: the default choice
};
// hf.co/ORG/REPO[:QUANT], hf://ORG/REPO[:QUANT], huggingface.co/ORG/REPO[:QUANT]
// (also with https://); nullopt for other names.
std::optional<HfReference> parse_hf_reference(std::string_view text);

// Throws hearth::Error with one clear message: a bad name, a registry that
// cannot be reached or does not have the model, a malformed manifest, a blob
// of the wrong digest (naming the layer).
PullResult pull(Store& store, std::string_view name, const PullOptions& options = {}, const ProgressFn& progress = {});

// The name a model pulled as `text` is stored under, when it can be known
// before pulling (not for a Hugging Face name without a quant).
std::optional<Name> pulled_name(std::string_view text);

}  // namespace hearth::store
