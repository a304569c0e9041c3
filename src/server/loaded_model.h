#pragma once
// A model in memory for the server: the weights, a CPU backend, and for a
// generative model a Session of num_parallel sequences driven by a
// BatchGenerator (continuous batching); for an embedding model a lock that
// serialises its forward passes.
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "model/model.h"
#include "runtime/batch_generator.h"
#include "runtime/session.h"
#include "server/catalog.h"

namespace hearth::server {

// What a loaded instance is for: a request with other values needs another
// instance (as ollama reloads a runner when num_ctx changes).
struct LoadKey {
  std::string path;
  int64_t n_ctx = 0;  // per slot
  int threads = 0;
  bool operator==(const LoadKey&) const = default;
};

class LoadedModel {
 public:
  // Throws hearth::Error when the file does not load.
  LoadedModel(ModelEntry entry, LoadKey key, int num_parallel, tensor::DType kv_type, runtime::QueueLimit limit);
  ~LoadedModel();

  const ModelEntry& entry() const { return entry_; }
  const LoadKey& key() const { return key_; }
  const model::Model& model() const { return *model_; }
  bool generates() const { return generator_ != nullptr; }
  runtime::BatchGenerator& generator() { return *generator_; }
  const runtime::BatchGenerator& generator() const { return *generator_; }
  int64_t n_ctx() const { return session_ ? session_->n_ctx() : model_->hparams().n_ctx_train; }
  // Bytes of memory: weights plus KV cache.
  uint64_t memory_bytes() const { return memory_bytes_; }
  int64_t load_ns() const { return load_ns_; }

  // A sentence embedding (embedding models only; serialised).
  std::vector<float> embed(std::span<const int32_t> tokens);
  // The bytes each token id stands for (what structured output matches
  // tokens against), built on first use.
  std::shared_ptr<const std::vector<std::string>> token_bytes();

 private:
  ModelEntry entry_;
  LoadKey key_;
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<backend::Backend> backend_;
  std::unique_ptr<runtime::Session> session_;
  std::unique_ptr<runtime::BatchGenerator> generator_;
  uint64_t memory_bytes_ = 0;
  int64_t load_ns_ = 0;
  std::mutex embed_mutex_;
  std::once_flag token_bytes_once_;
  std::shared_ptr<std::vector<std::string>> token_bytes_;
};

}  // namespace hearth::server
