#include "server/loaded_model.h"

#include "core/clock.h"
#include "runtime/embed.h"

namespace hearth::server {

LoadedModel::LoadedModel(ModelEntry entry, LoadKey key, int num_parallel, tensor::DType kv_type,
                         runtime::QueueLimit limit)
    : entry_(std::move(entry)), key_(std::move(key)) {
  const int64_t start = now_ns();
  model_ = model::Model::load(key_.path);
  backend_ = backend::make_cpu_backend(key_.threads);
  memory_bytes_ = model_->weight_bytes();
  if (model_->hparams().causal) {
    runtime::SessionParams sp;
    sp.n_ctx = key_.n_ctx;
    sp.n_seq = num_parallel;
    sp.kv_type = kv_type;
    session_ = std::make_unique<runtime::Session>(*model_, *backend_, sp);
    memory_bytes_ += session_->cache_bytes();
    generator_ = std::make_unique<runtime::BatchGenerator>(*session_, std::move(limit));
  }
  load_ns_ = now_ns() - start;
}

LoadedModel::~LoadedModel() {
  generator_.reset();  // ends the jobs still running before the session goes
  session_.reset();
}

std::vector<float> LoadedModel::embed(std::span<const int32_t> tokens) {
  std::lock_guard<std::mutex> lock(embed_mutex_);
  return runtime::embed(*model_, *backend_, tokens);
}

std::shared_ptr<const std::vector<std::string>> LoadedModel::token_bytes() {
  std::call_once(token_bytes_once_, [&] {
    const tokenizer::Vocab& vocab = model_->vocab();
    auto bytes = std::make_shared<std::vector<std::string>>(static_cast<size_t>(vocab.size()));
    for (int32_t id = 0; id < vocab.size(); ++id) (*bytes)[static_cast<size_t>(id)] = vocab.decode_token(id);
    token_bytes_ = std::move(bytes);
  });
  return token_bytes_;
}

}  // namespace hearth::server
