#include "runtime/embed.h"

#include <cmath>

#include "core/error.h"
#include "model/kv_cache.h"

namespace hearth::runtime {

std::vector<float> embed(const model::Model& model, backend::Backend& backend, std::span<const int32_t> tokens,
                         bool normalize) {
  const model::HParams& hp = model.hparams();
  if (hp.causal || model.output_width() != hp.n_embd)
    fail("model '", model.file().path(), "' (", hp.arch, ") does not produce embeddings");
  if (hp.pooling_type < 1 || hp.pooling_type > 3)
    fail("model '", model.file().path(), "' declares no pooling (", hp.arch, ".pooling_type = ", hp.pooling_type,
         ")");
  const auto T = static_cast<int64_t>(tokens.size());
  if (T == 0) fail("nothing to embed: the input has no tokens");
  if (T > hp.n_ctx_train) fail("the input has ", T, " tokens, more than the model's context of ", hp.n_ctx_train);
  for (int32_t t : tokens)
    if (t < 0 || t >= hp.n_vocab) fail("token id ", t, " is outside the vocabulary of ", hp.n_vocab);

  model::KvCache cache(backend, hp.n_layer, T, hp.n_embd_kv(), tensor::DType::F32);
  auto workspace = model.make_workspace(backend, T);
  std::vector<int32_t> index(static_cast<size_t>(T)), begin(static_cast<size_t>(T), 0),
      end(static_cast<size_t>(T), static_cast<int32_t>(T));
  for (int64_t t = 0; t < T; ++t) index[t] = static_cast<int32_t>(t);
  const model::ForwardBatch batch{tokens, index, index, begin, end, index, T};
  std::vector<float> states(static_cast<size_t>(T * hp.n_embd));
  model.forward(backend, batch, cache, *workspace, states.data());

  std::vector<float> out(static_cast<size_t>(hp.n_embd), 0.0f);
  auto row = [&](int64_t t) { return states.data() + t * hp.n_embd; };
  if (hp.pooling_type == 1) {  // mean
    for (int64_t t = 0; t < T; ++t)
      for (int64_t i = 0; i < hp.n_embd; ++i) out[i] += row(t)[i];
    for (float& v : out) v /= static_cast<float>(T);
  } else {
    const float* r = row(hp.pooling_type == 2 ? 0 : T - 1);  // CLS: the first token; last
    out.assign(r, r + hp.n_embd);
  }
  if (normalize) {
    double sum = 0.0;
    for (float v : out) sum += static_cast<double>(v) * v;
    const float inv = sum > 0.0 ? static_cast<float>(1.0 / std::sqrt(sum)) : 0.0f;
    for (float& v : out) v *= inv;
  }
  return out;
}

}  // namespace hearth::runtime
