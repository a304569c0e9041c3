#pragma once
// A loaded model: hyperparameters, vocabulary and weights bound to views of
// the mapped GGUF file, and the forward pass of its architecture written
// against the backend op interface.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "backend/backend.h"
#include "gguf/file.h"
#include "model/hparams.h"
#include "model/kv_cache.h"
#include "tokenizer/vocab.h"

namespace hearth::model {

// One forward step over T tokens, possibly of several sequences. The caller
// (runtime::Session) decides where each token's K/V goes and what it sees.
struct ForwardBatch {
  std::span<const int32_t> tokens;      // T token ids
  std::span<const int32_t> positions;   // T positions within their sequences
  std::span<const int32_t> cells;       // T KV cache cells to write
  std::span<const int32_t> span_begin;  // T: first visible cell
  std::span<const int32_t> span_end;    // T: one past the last visible cell
  std::span<const int32_t> logit_rows;  // indices into the batch whose logits are wanted
  int64_t n_ctx_seq = 0;                // positions per sequence (phi3 picks its rope factors by it)
};

// Activation memory for batches of up to max_tokens tokens.
class Workspace {
 public:
  virtual ~Workspace() = default;
  virtual int64_t max_tokens() const = 0;
};

class Model {
 public:
  virtual ~Model() = default;

  // Opens a GGUF file and builds the model of its architecture. Throws
  // hearth::Error for an unreadable file, an unsupported architecture (naming
  // the supported ones), missing or misshapen tensors, or unsupported types.
  static std::unique_ptr<Model> load(const std::string& path);
  static std::vector<std::string> supported_architectures();

  const HParams& hparams() const { return hparams_; }
  const gguf::File& file() const { return file_; }
  const tokenizer::Vocab& vocab() const { return vocab_; }
  // Bytes of all tensor data (the weights' size).
  uint64_t weight_bytes() const;
  uint64_t parameter_count() const;

  virtual std::unique_ptr<Workspace> make_workspace(backend::Backend& backend, int64_t max_tokens) const = 0;
  // Floats per output row of forward: the vocabulary's logits, or for an
  // encoder (bert) the final hidden state of the token.
  virtual int64_t output_width() const { return hparams_.n_vocab; }
  // Runs the batch, writing its K/V into cache, and the logits of the
  // requested rows to logits ([n_vocab] per requested row, in order).
  virtual void forward(backend::Backend& backend, const ForwardBatch& batch, KvCache& cache, Workspace& ws,
                       float* logits) const = 0;

 protected:
  Model(gguf::File file, HParams hparams, tokenizer::Vocab vocab)
      : file_(std::move(file)), hparams_(std::move(hparams)), vocab_(std::move(vocab)) {}

  // The named tensor with exactly the given shape (ne[0] first), checked.
  backend::TensorView weight(const std::string& name, std::initializer_list<int64_t> shape) const;
  backend::TensorView optional_weight(const std::string& name, std::initializer_list<int64_t> shape) const;

  gguf::File file_;
  HParams hparams_;
  tokenizer::Vocab vocab_;
};

}  // namespace hearth::model
