#pragma once
// A Session holds a KV cache for up to n_seq sequences and decodes batches of
// tokens that may mix sequences: each token is tagged with its sequence and
// position, and each sequence owns its own region of n_ctx cache cells. The
// server will decode many conversations in one batch through this API.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "tensor/dtype.h"

namespace hearth::runtime {

struct SessionParams {
  int64_t n_ctx = 0;       // positions per sequence (0: the model's training context, at most 4096)
  int n_seq = 1;           // sequences held at once
  int64_t n_batch = 512;   // tokens per forward step
  tensor::DType kv_type = tensor::DType::F16;  // F16, F32 or Q8_0
};

struct BatchToken {
  int32_t token;
  int32_t pos;     // must equal the sequence's current length (tokens are appended)
  int32_t seq;
  bool logits;     // return this token's logits
};

class Session {
 public:
  Session(const model::Model& model, backend::Backend& backend, const SessionParams& params);

  const model::Model& model() const { return model_; }
  backend::Backend& backend() const { return backend_; }
  int64_t n_ctx() const { return n_ctx_; }
  int n_seq() const { return static_cast<int>(history_.size()); }
  int64_t n_vocab() const { return model_.hparams().n_vocab; }
  size_t cache_bytes() const { return cache_.bytes(); }

  // Decodes the batch (split into steps of n_batch tokens). Afterwards
  // logits(i) holds the logits of the i-th token that asked for them.
  // Throws hearth::Error for a bad sequence id, a position that is not the
  // sequence's next one, or a full context; the cache is left as it was
  // before the offending token.
  void decode(std::span<const BatchToken> batch);
  // Appends tokens to one sequence, asking for the last token's logits.
  void append(int seq, std::span<const int32_t> tokens);

  std::span<const float> logits(int64_t i) const;
  int64_t n_logits() const { return n_logits_; }

  int64_t length(int seq) const;
  // The tokens held for seq, in position order.
  std::span<const int32_t> tokens(int seq) const;
  // Forgets positions >= n of seq (n = 0 clears it).
  void truncate(int seq, int64_t n);
  // Keeps the longest prefix of seq that equals the start of `tokens`, but
  // never all of `tokens` (the last one must be evaluated again for its
  // logits), forgets the rest, and returns the kept length. A conversation
  // that grows turn by turn then re-evaluates only what is new.
  int64_t keep_common_prefix(int seq, std::span<const int32_t> tokens);

 private:
  void check_seq(int seq) const;
  void run_step(std::span<const BatchToken> step);

  const model::Model& model_;
  backend::Backend& backend_;
  int64_t n_ctx_;
  int64_t n_batch_;
  model::KvCache cache_;
  std::unique_ptr<model::Workspace> workspace_;
  std::vector<std::vector<int32_t>> history_;  // per sequence: the tokens in its cells
  std::vector<float> logits_;
  int64_t n_logits_ = 0;
  // Per-step scratch, reused.
  std::vector<int32_t> tokens_, positions_, cells_, begin_, end_, rows_;
  std::vector<int64_t> next_;
  std::vector<BatchToken> append_batch_;
};

}  // namespace hearth::runtime
