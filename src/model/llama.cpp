#include "model/llama.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/model.h"
#include "model/moe.h"

namespace hearth::model {

namespace {

using backend::Backend;
using backend::TensorView;
using tensor::DType;

struct LayerWeights {
  TensorView attn_norm, wq, wk, wv, wo;
  TensorView bq, bk, bv;  // optional (qwen2 has them; llama files may)
  TensorView q_norm, k_norm;  // per-head RMSNorm weights [head_dim] (qwen3)
  TensorView ffn_norm, ffn_gate, ffn_up, ffn_down;  // dense feed-forward
  MoeWeights moe;                                   // or experts (hparams n_expert > 0)
};

class LlamaWorkspace final : public Workspace {
 public:
  LlamaWorkspace(Backend& backend, const HParams& hp, int64_t max_tokens) : max_tokens_(max_tokens) {
    const int64_t d = hp.n_embd, q = hp.n_embd_q(), kv = hp.n_embd_kv(), ff = hp.n_ff;
    const int64_t floats = max_tokens * (3 * d + 2 * q + 2 * kv + 2 * ff);
    buffer_ = backend.alloc(static_cast<size_t>(floats) * sizeof(float));
    base_ = static_cast<float*>(buffer_->data());
    x = take(d), h = take(d), qcur = take(q), attn = take(q), kcur = take(kv), vcur = take(kv);
    gate = take(ff), up = take(ff), normed_out = take(d);
    if (hp.n_expert > 0) moe = std::make_unique<MoeScratch>(backend, hp, max_tokens);
  }
  int64_t max_tokens() const override { return max_tokens_; }

  // Row-major [width, T] views over the first T tokens of each buffer.
  static TensorView rows(float* data, int64_t width, int64_t n_tokens) {
    return TensorView::contiguous(DType::F32, data, {width, n_tokens});
  }

  float *x, *h, *qcur, *attn, *kcur, *vcur, *gate, *up, *normed_out;
  std::unique_ptr<MoeScratch> moe;

 private:
  float* take(int64_t width) {
    float* p = base_ + used_;
    used_ += width * max_tokens_;
    return p;
  }
  int64_t max_tokens_;
  std::unique_ptr<backend::Buffer> buffer_;
  float* base_;
  int64_t used_ = 0;
};

class LlamaModel final : public Model {
 public:
  LlamaModel(gguf::File file, HParams hp, tokenizer::Vocab vocab, const LlamaVariant& variant)
      : Model(std::move(file), std::move(hp), std::move(vocab)), variant_(variant) {
    const HParams& p = hparams_;
    tok_embd_ = weight("token_embd.weight", {p.n_embd, p.n_vocab});
    output_norm_ = norm("output_norm.weight");
    rope_factors_ = optional_weight("rope_freqs.weight", {p.n_rot / 2});
    if (rope_factors_.data && rope_factors_.type != DType::F32)
      fail("'", file_.path(), "': rope_freqs.weight must be f32, got ", tensor::dtype_info(rope_factors_.type).name);
    output_ = optional_weight("output.weight", {p.n_embd, p.n_vocab});
    if (!output_.data) output_ = tok_embd_;  // tied embeddings
    for (int64_t i = 0; i < p.n_layer; ++i) {
      const std::string b = "blk." + std::to_string(i) + ".";
      LayerWeights l;
      l.attn_norm = norm(b + "attn_norm.weight");
      l.wq = weight(b + "attn_q.weight", {p.n_embd, p.n_embd_q()});
      l.wk = weight(b + "attn_k.weight", {p.n_embd, p.n_embd_kv()});
      l.wv = weight(b + "attn_v.weight", {p.n_embd, p.n_embd_kv()});
      l.wo = weight(b + "attn_output.weight", {p.n_embd_q(), p.n_embd});
      l.bq = bias(b + "attn_q.bias", p.n_embd_q());
      l.bk = bias(b + "attn_k.bias", p.n_embd_kv());
      l.bv = bias(b + "attn_v.bias", p.n_embd_kv());
      if (variant_.qk_norm) {
        l.q_norm = norm(b + "attn_q_norm.weight", p.head_dim);
        l.k_norm = norm(b + "attn_k_norm.weight", p.head_dim);
      }
      l.ffn_norm = norm(b + "ffn_norm.weight");
      if (p.n_expert > 0) {
        l.moe.router = weight(b + "ffn_gate_inp.weight", {p.n_embd, p.n_expert});
        l.moe.gate = weight(b + "ffn_gate_exps.weight", {p.n_embd, p.n_ff_exp, p.n_expert});
        l.moe.up = weight(b + "ffn_up_exps.weight", {p.n_embd, p.n_ff_exp, p.n_expert});
        l.moe.down = weight(b + "ffn_down_exps.weight", {p.n_ff_exp, p.n_embd, p.n_expert});
      } else {
        l.ffn_gate = weight(b + "ffn_gate.weight", {p.n_embd, p.n_ff});
        l.ffn_up = weight(b + "ffn_up.weight", {p.n_embd, p.n_ff});
        l.ffn_down = weight(b + "ffn_down.weight", {p.n_ff, p.n_embd});
      }
      layers_.push_back(l);
    }
  }

  std::unique_ptr<Workspace> make_workspace(Backend& backend, int64_t max_tokens) const override {
    return std::make_unique<LlamaWorkspace>(backend, hparams_, max_tokens);
  }

  void forward(Backend& be, const ForwardBatch& batch, KvCache& cache, Workspace& workspace,
               float* logits) const override {
    auto& ws = static_cast<LlamaWorkspace&>(workspace);
    const HParams& p = hparams_;
    const int64_t T = static_cast<int64_t>(batch.tokens.size());
    if (T == 0) return;
    if (T > ws.max_tokens()) fail("batch of ", T, " tokens exceeds the workspace's ", ws.max_tokens());
    for (int32_t c : batch.cells)
      if (c < 0 || c >= cache.n_cells()) fail("KV cell ", c, " is outside the cache of ", cache.n_cells());

    const TensorView x = LlamaWorkspace::rows(ws.x, p.n_embd, T);
    const TensorView h = LlamaWorkspace::rows(ws.h, p.n_embd, T);
    const TensorView q = LlamaWorkspace::rows(ws.qcur, p.n_embd_q(), T);
    const TensorView k = LlamaWorkspace::rows(ws.kcur, p.n_embd_kv(), T);
    const TensorView v = LlamaWorkspace::rows(ws.vcur, p.n_embd_kv(), T);
    const TensorView attn = LlamaWorkspace::rows(ws.attn, p.n_embd_q(), T);
    const TensorView gate = LlamaWorkspace::rows(ws.gate, p.n_ff, T);
    const TensorView up = LlamaWorkspace::rows(ws.up, p.n_ff, T);
    // Per-head views of q and k for RoPE and attention: [head_dim, heads, T].
    const TensorView q_heads = TensorView::contiguous(DType::F32, ws.qcur, {p.head_dim, p.n_head, T});
    const TensorView k_heads = TensorView::contiguous(DType::F32, ws.kcur, {p.head_dim, p.n_head_kv, T});

    backend::RopeParams rope;
    rope.n_rot = static_cast<int>(p.n_rot);
    rope.freq_base = p.rope_freq_base;
    rope.freq_scale = p.rope_freq_scale;
    rope.neox = variant_.neox_rope;
    if (rope_factors_.data) rope.freq_factors = {rope_factors_.f32(), static_cast<size_t>(p.n_rot / 2)};
    const float kq_scale = 1.0f / std::sqrt(static_cast<float>(p.head_dim));
    const backend::AttentionSpan span{batch.span_begin, batch.span_end};

    be.get_rows(tok_embd_, batch.tokens, x);
    for (int64_t il = 0; il < p.n_layer; ++il) {
      const LayerWeights& l = layers_[il];
      be.rms_norm(x, l.attn_norm, p.norm_eps, h);
      be.matmul(l.wq, h, q);
      be.matmul(l.wk, h, k);
      be.matmul(l.wv, h, v);
      if (l.bq.data) be.add(q, l.bq);
      if (l.bk.data) be.add(k, l.bk);
      if (l.bv.data) be.add(v, l.bv);
      if (l.q_norm.data) be.rms_norm(q_heads, l.q_norm, p.norm_eps, q_heads);
      if (l.k_norm.data) be.rms_norm(k_heads, l.k_norm, p.norm_eps, k_heads);
      be.rope(q_heads, batch.positions, rope);
      be.rope(k_heads, batch.positions, rope);
      be.store_rows(k, batch.cells, cache.k(il));
      be.store_rows(v, batch.cells, cache.v(il));
      be.attention(q_heads, cache.k(il), cache.v(il), span, static_cast<int>(p.n_head_kv), kq_scale, attn);
      be.matmul(l.wo, attn, h);
      be.add(x, h);

      be.rms_norm(x, l.ffn_norm, p.norm_eps, h);
      if (ws.moe) {
        moe_ffn(be, p, l.moe, h, x, *ws.moe);
        continue;
      }
      be.matmul(l.ffn_gate, h, gate);
      be.matmul(l.ffn_up, h, up);
      be.swiglu(gate, up, gate);
      be.matmul(l.ffn_down, gate, h);
      be.add(x, h);
    }

    // Only the requested rows go through the output head.
    const int64_t n_out = static_cast<int64_t>(batch.logit_rows.size());
    if (n_out == 0) return;
    const TensorView selected = LlamaWorkspace::rows(ws.normed_out, p.n_embd, n_out);
    for (int64_t i = 0; i < n_out; ++i) {
      const int32_t r = batch.logit_rows[i];
      if (r < 0 || r >= T) fail("logit row ", r, " is outside the batch of ", T);
      std::copy_n(x.row<const float>(r), p.n_embd, selected.row<float>(i));
    }
    be.rms_norm(selected, output_norm_, p.norm_eps, selected);
    be.matmul(output_, selected, TensorView::contiguous(DType::F32, logits, {p.n_vocab, n_out}));
  }

 private:
  TensorView norm(const std::string& name) const { return norm(name, hparams_.n_embd); }
  TensorView norm(const std::string& name, int64_t width) const {
    TensorView view = weight(name, {width});
    if (view.type != DType::F32)
      fail("'", file_.path(), "': norm tensor '", name, "' must be f32, got ", tensor::dtype_info(view.type).name);
    return view;
  }

  // A bias vector: optional, or required when the variant says so; f32.
  TensorView bias(const std::string& name, int64_t width) const {
    TensorView view = variant_.qkv_bias ? weight(name, {width}) : optional_weight(name, {width});
    if (view.data && view.type != DType::F32)
      fail("'", file_.path(), "': bias tensor '", name, "' must be f32, got ", tensor::dtype_info(view.type).name);
    return view;
  }

  LlamaVariant variant_;
  TensorView tok_embd_, output_norm_, output_, rope_factors_;
  std::vector<LayerWeights> layers_;
};

}  // namespace

const LlamaVariant* find_llama_variant(const std::string& arch) {
  static const LlamaVariant variants[] = {
      {"llama", false, false, false},
      {"qwen2", true, true, false},
      {"qwen3", true, false, true},
      {"qwen3moe", true, false, true},
  };
  for (const auto& v : variants)
    if (arch == v.arch) return &v;
  return nullptr;
}

std::unique_ptr<Model> load_llama(gguf::File file, const LlamaVariant& variant) {
  HParams hp = HParams::from_gguf(file, variant.arch);
  tokenizer::Vocab vocab = tokenizer::Vocab::from_gguf(file);
  if (vocab.size() != hp.n_vocab)
    fail("'", file.path(), "': the vocabulary has ", vocab.size(), " tokens but the model expects ", hp.n_vocab);
  return std::make_unique<LlamaModel>(std::move(file), std::move(hp), std::move(vocab), variant);
}

}  // namespace hearth::model
