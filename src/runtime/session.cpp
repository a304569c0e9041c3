#include "runtime/session.h"

#include <algorithm>

#include "core/error.h"

namespace hearth::runtime {

namespace {

int64_t choose_ctx(const model::Model& model, int64_t requested) {
  if (!model.hparams().causal)
    fail("'", model.file().path(), "' is an embedding model (", model.hparams().arch, "): it cannot generate text");
  if (requested < 0) fail("context size must be positive, got ", requested);
  if (requested == 0) return std::min<int64_t>(model.hparams().n_ctx_train, 4096);
  if (requested > (1 << 24)) fail("context size ", requested, " is too large");
  return requested;
}

}  // namespace

Session::Session(const model::Model& model, backend::Backend& backend, const SessionParams& params)
    : model_(model),
      backend_(backend),
      n_ctx_(choose_ctx(model, params.n_ctx)),
      n_batch_(std::max<int64_t>(1, params.n_batch)),
      cache_(backend, model.hparams().n_layer, n_ctx_ * std::max(1, params.n_seq), model.hparams().n_embd_kv(),
             params.kv_type),
      workspace_(model.make_workspace(backend, std::max<int64_t>(1, params.n_batch))),
      history_(std::max(1, params.n_seq)),
      next_(history_.size()) {
  // Reserved up front so that decoding allocates nothing per token.
  for (auto& h : history_) h.reserve(static_cast<size_t>(n_ctx_));
}

void Session::check_seq(int seq) const {
  if (seq < 0 || seq >= n_seq()) fail("sequence ", seq, " does not exist (this session holds ", n_seq(), ")");
}

int64_t Session::length(int seq) const {
  check_seq(seq);
  return static_cast<int64_t>(history_[seq].size());
}

std::span<const int32_t> Session::tokens(int seq) const {
  check_seq(seq);
  return history_[seq];
}

void Session::truncate(int seq, int64_t n) {
  check_seq(seq);
  if (n < 0) fail("cannot truncate to a negative length");
  if (n < length(seq)) history_[seq].resize(static_cast<size_t>(n));
}

int64_t Session::keep_common_prefix(int seq, std::span<const int32_t> tokens) {
  check_seq(seq);
  const auto& held = history_[seq];
  size_t n = 0;
  const size_t limit = std::min(held.size(), tokens.empty() ? 0 : tokens.size() - 1);
  while (n < limit && held[n] == tokens[n]) ++n;
  truncate(seq, static_cast<int64_t>(n));
  return static_cast<int64_t>(n);
}

std::span<const float> Session::logits(int64_t i) const {
  if (i < 0 || i >= n_logits_) fail("no logits at index ", i, " (", n_logits_, " available)");
  return {logits_.data() + i * n_vocab(), static_cast<size_t>(n_vocab())};
}

void Session::decode(std::span<const BatchToken> batch) {
  // Validate the whole batch first so that a bad entry leaves the cache as
  // it was.
  std::vector<int64_t>& next = next_;
  for (size_t s = 0; s < history_.size(); ++s) next[s] = static_cast<int64_t>(history_[s].size());
  int64_t wanted = 0;
  for (const BatchToken& t : batch) {
    check_seq(t.seq);
    if (t.token < 0 || t.token >= n_vocab()) fail("token id ", t.token, " is outside the vocabulary of ", n_vocab());
    if (t.pos != next[t.seq])
      fail("sequence ", t.seq, " is at position ", next[t.seq], ", got a token for position ", t.pos);
    if (t.pos >= n_ctx_) fail("the context is full: sequence ", t.seq, " already holds ", n_ctx_, " tokens");
    ++next[t.seq];
    wanted += t.logits ? 1 : 0;
  }
  logits_.resize(static_cast<size_t>(wanted * n_vocab()));
  n_logits_ = 0;
  for (size_t start = 0; start < batch.size(); start += n_batch_) {
    const size_t count = std::min<size_t>(n_batch_, batch.size() - start);
    run_step(batch.subspan(start, count));
  }
}

void Session::run_step(std::span<const BatchToken> step) {
  tokens_.clear(), positions_.clear(), cells_.clear(), begin_.clear(), end_.clear(), rows_.clear();
  for (size_t i = 0; i < step.size(); ++i) {
    const BatchToken& t = step[i];
    const int32_t base = static_cast<int32_t>(t.seq * n_ctx_);
    tokens_.push_back(t.token);
    positions_.push_back(t.pos);
    cells_.push_back(base + t.pos);
    begin_.push_back(base);
    end_.push_back(base + t.pos + 1);
    if (t.logits) rows_.push_back(static_cast<int32_t>(i));
  }
  model::ForwardBatch fb{tokens_, positions_, cells_, begin_, end_, rows_, n_ctx_};
  model_.forward(backend_, fb, cache_, *workspace_, logits_.data() + n_logits_ * n_vocab());
  n_logits_ += static_cast<int64_t>(rows_.size());
  for (const BatchToken& t : step) history_[t.seq].push_back(t.token);
}

void Session::append(int seq, std::span<const int32_t> tokens) {
  check_seq(seq);
  std::vector<BatchToken>& batch = append_batch_;
  batch.clear();
  int32_t pos = static_cast<int32_t>(length(seq));
  for (size_t i = 0; i < tokens.size(); ++i)
    batch.push_back({tokens[i], pos++, seq, i + 1 == tokens.size()});
  decode(batch);
}

}  // namespace hearth::runtime
