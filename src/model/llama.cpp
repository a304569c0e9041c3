#include "model/llama.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/model.h"
#include "model/activations.h"
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
  TensorView attn_post_norm, ffn_post_norm;         // gemma
  TensorView ffn_norm, ffn_gate, ffn_up, ffn_down;  // dense feed-forward
  MoeWeights moe;                                   // or experts (hparams n_expert > 0)
};

class LlamaModel final : public Model {
 public:
  LlamaModel(gguf::File file, HParams hp, tokenizer::Vocab vocab, const LlamaVariant& variant)
      : Model(std::move(file), std::move(hp), std::move(vocab)), variant_(variant) {
    const HParams& p = hparams_;
    tok_embd_ = weight("token_embd.weight", {p.n_embd, p.n_vocab});
    output_norm_ = norm("output_norm.weight");
    rope_factors_ = rope_factor_tensor("rope_freqs.weight");
    if (variant_.long_rope) {
      rope_factors_short_ = rope_factor_tensor("rope_factors_short.weight");
      rope_factors_long_ = rope_factor_tensor("rope_factors_long.weight");
    }
    output_ = optional_weight("output.weight", {p.n_embd, p.n_vocab});
    if (!output_.data) output_ = tok_embd_;  // tied embeddings
    for (int64_t i = 0; i < p.n_layer; ++i) {
      const std::string b = "blk." + std::to_string(i) + ".";
      LayerWeights l;
      l.attn_norm = norm(b + "attn_norm.weight");
      // q, k and v: three tensors, or one fused attn_qkv whose rows are q's,
      // then k's, then v's (phi3), split here into three views.
      if (TensorView qkv = optional_weight(b + "attn_qkv.weight", {p.n_embd, p.n_embd_q() + 2 * p.n_embd_kv()});
          qkv.data) {
        l.wq = qkv.row_range(0, p.n_embd_q());
        l.wk = qkv.row_range(p.n_embd_q(), p.n_embd_kv());
        l.wv = qkv.row_range(p.n_embd_q() + p.n_embd_kv(), p.n_embd_kv());
      } else {
        l.wq = weight(b + "attn_q.weight", {p.n_embd, p.n_embd_q()});
        l.wk = weight(b + "attn_k.weight", {p.n_embd, p.n_embd_kv()});
        l.wv = weight(b + "attn_v.weight", {p.n_embd, p.n_embd_kv()});
      }
      l.wo = weight(b + "attn_output.weight", {p.n_embd_q(), p.n_embd});
      l.bq = bias(b + "attn_q.bias", p.n_embd_q());
      l.bk = bias(b + "attn_k.bias", p.n_embd_kv());
      l.bv = bias(b + "attn_v.bias", p.n_embd_kv());
      if (variant_.qk_norm) {
        l.q_norm = norm(b + "attn_q_norm.weight", p.head_dim);
        l.k_norm = norm(b + "attn_k_norm.weight", p.head_dim);
      }
      l.ffn_norm = norm(b + "ffn_norm.weight");
      if (variant_.gemma) {
        l.attn_post_norm = norm(b + "post_attention_norm.weight");
        l.ffn_post_norm = norm(b + "post_ffw_norm.weight");
      }
      if (p.n_expert > 0) {
        l.moe.router = weight(b + "ffn_gate_inp.weight", {p.n_embd, p.n_expert});
        l.moe.gate = weight(b + "ffn_gate_exps.weight", {p.n_embd, p.n_ff_exp, p.n_expert});
        l.moe.up = weight(b + "ffn_up_exps.weight", {p.n_embd, p.n_ff_exp, p.n_expert});
        l.moe.down = weight(b + "ffn_down_exps.weight", {p.n_ff_exp, p.n_embd, p.n_expert});
      } else if (!file_.find_tensor(b + "ffn_gate.weight")) {
        // Fused gate and up (phi3): one ffn_up of twice the width, gate rows first.
        const TensorView gate_up = weight(b + "ffn_up.weight", {p.n_embd, 2 * p.n_ff});
        l.ffn_gate = gate_up.row_range(0, p.n_ff);
        l.ffn_up = gate_up.row_range(p.n_ff, p.n_ff);
        l.ffn_down = weight(b + "ffn_down.weight", {p.n_ff, p.n_embd});
      } else {
        l.ffn_gate = weight(b + "ffn_gate.weight", {p.n_embd, p.n_ff});
        l.ffn_up = weight(b + "ffn_up.weight", {p.n_embd, p.n_ff});
        l.ffn_down = weight(b + "ffn_down.weight", {p.n_ff, p.n_embd});
      }
      layers_.push_back(l);
    }
  }

  std::unique_ptr<Workspace> make_workspace(Backend& backend, int64_t max_tokens) const override {
    return std::make_unique<Activations>(backend, hparams_, max_tokens);
  }

  void forward(Backend& be, const ForwardBatch& batch, KvCache& cache, Workspace& workspace,
               float* logits) const override {
    auto& ws = static_cast<Activations&>(workspace);
    const HParams& p = hparams_;
    const int64_t T = static_cast<int64_t>(batch.tokens.size());
    if (T == 0) return;
    if (T > ws.max_tokens()) fail("batch of ", T, " tokens exceeds the workspace's ", ws.max_tokens());
    for (int32_t c : batch.cells)
      if (c < 0 || c >= cache.n_cells()) fail("KV cell ", c, " is outside the cache of ", cache.n_cells());

    const TensorView x = Activations::rows(ws.x, p.n_embd, T);
    const TensorView h = Activations::rows(ws.h, p.n_embd, T);
    const TensorView q = Activations::rows(ws.qcur, p.n_embd_q(), T);
    const TensorView k = Activations::rows(ws.kcur, p.n_embd_kv(), T);
    const TensorView v = Activations::rows(ws.vcur, p.n_embd_kv(), T);
    const TensorView attn = Activations::rows(ws.attn, p.n_embd_q(), T);
    const TensorView gate = Activations::rows(ws.gate, p.n_ff, T);
    const TensorView up = Activations::rows(ws.up, p.n_ff, T);
    // Per-head views of q and k for RoPE and attention: [head_dim, heads, T].
    const TensorView q_heads = TensorView::contiguous(DType::F32, ws.qcur, {p.head_dim, p.n_head, T});
    const TensorView k_heads = TensorView::contiguous(DType::F32, ws.kcur, {p.head_dim, p.n_head_kv, T});

    backend::RopeParams rope;
    rope.n_rot = static_cast<int>(p.n_rot);
    rope.freq_base = p.rope_freq_base;
    rope.freq_scale = p.rope_freq_scale;
    rope.neox = variant_.neox_rope;
    rope.attn_factor = p.rope_attn_factor;
    const TensorView& factors = rope_factors_.data                          ? rope_factors_
                                : batch.n_ctx_seq > p.n_ctx_orig            ? rope_factors_long_
                                                                            : rope_factors_short_;
    if (factors.data) rope.freq_factors = {factors.f32(), static_cast<size_t>(p.n_rot / 2)};
    // gemma2 and gemma3 27B scale queries by its n_embd / n_head rather than its head size.
    const int64_t kq_dim = variant_.gemma && p.n_layer == (hparams_.arch == "gemma2" ? 46 : 62)
                               ? p.n_embd / p.n_head
                               : p.head_dim;
    const float kq_scale = 1.0f / std::sqrt(static_cast<float>(kq_dim));
    const backend::AttentionSpan span{batch.span_begin, batch.span_end};
    backend::AttentionSpan window = span;
    if (p.n_swa > 0) {
      // Cells of a sequence are in position order, so the window is the last
      // n_swa cells of each token's span.
      ws.window_begin.resize(static_cast<size_t>(T));
      for (int64_t t = 0; t < T; ++t)
        ws.window_begin[t] = std::max<int32_t>(batch.span_begin[t], batch.span_end[t] - static_cast<int32_t>(p.n_swa));
      window.cell_begin = ws.window_begin;
    }

    be.get_rows(tok_embd_, batch.tokens, x);
    if (variant_.gemma) be.scale(x, std::sqrt(static_cast<float>(p.n_embd)));
    for (int64_t il = 0; il < p.n_layer; ++il) {
      const LayerWeights& l = layers_[il];
      const bool local = !p.swa_layer.empty() && p.swa_layer[il];
      rope.freq_base = local ? p.rope_freq_base_swa : p.rope_freq_base;
      rope.freq_scale = local ? 1.0f : p.rope_freq_scale;
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
      be.attention(q_heads, cache.k(il), cache.v(il), local ? window : span, static_cast<int>(p.n_head_kv), kq_scale,
                   attn, p.attn_softcap);
      be.matmul(l.wo, attn, h);
      if (l.attn_post_norm.data) be.rms_norm(h, l.attn_post_norm, p.norm_eps, h);
      be.add(x, h);

      be.rms_norm(x, l.ffn_norm, p.norm_eps, h);
      if (ws.moe) {
        moe_ffn(be, p, l.moe, h, x, *ws.moe);
        continue;
      }
      be.matmul(l.ffn_gate, h, gate);
      be.matmul(l.ffn_up, h, up);
      if (variant_.gemma) be.geglu(gate, up, gate);
      else be.swiglu(gate, up, gate);
      be.matmul(l.ffn_down, gate, h);
      if (l.ffn_post_norm.data) be.rms_norm(h, l.ffn_post_norm, p.norm_eps, h);
      be.add(x, h);
    }

    // Only the requested rows go through the output head.
    const int64_t n_out = static_cast<int64_t>(batch.logit_rows.size());
    if (n_out == 0) return;
    const TensorView selected = Activations::rows(ws.normed_out, p.n_embd, n_out);
    for (int64_t i = 0; i < n_out; ++i) {
      const int32_t r = batch.logit_rows[i];
      if (r < 0 || r >= T) fail("logit row ", r, " is outside the batch of ", T);
      std::copy_n(x.row<const float>(r), p.n_embd, selected.row<float>(i));
    }
    be.rms_norm(selected, output_norm_, p.norm_eps, selected);
    const TensorView out = TensorView::contiguous(DType::F32, logits, {p.n_vocab, n_out});
    be.matmul(output_, selected, out);
    if (p.final_softcap > 0.0f) be.softcap(out, p.final_softcap);
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

  TensorView rope_factor_tensor(const std::string& name) const {
    TensorView view = optional_weight(name, {hparams_.n_rot / 2});
    if (view.data && view.type != DType::F32)
      fail("'", file_.path(), "': ", name, " must be f32, got ", tensor::dtype_info(view.type).name);
    return view;
  }


  LlamaVariant variant_;
  TensorView tok_embd_, output_norm_, output_, rope_factors_, rope_factors_short_, rope_factors_long_;
  std::vector<LayerWeights> layers_;
};

}  // namespace

const LlamaVariant* find_llama_variant(const std::string& arch) {
  static const LlamaVariant variants[] = {
      // arch, neox rope, qkv bias, q/k norm, gemma, swa pattern, long rope
      {"llama", false, false, false, false, 0, false},
      {"qwen2", true, true, false, false, 0, false},
      {"qwen3", true, false, true, false, 0, false},
      {"qwen3moe", true, false, true, false, 0, false},
      {"gemma2", true, false, false, true, 2, false},
      {"gemma3", true, false, true, true, 6, false},
      {"phi3", true, false, false, false, 0, true},
  };
  for (const auto& v : variants)
    if (arch == v.arch) return &v;
  return nullptr;
}

std::unique_ptr<Model> load_llama(gguf::File file, const LlamaVariant& variant) {
  HParams hp = HParams::from_gguf(file, variant.arch);
  const std::string key = std::string(variant.arch) + ".";
  if (hp.arch == "gemma2") {  // llama.cpp's defaults for what older files leave out
    hp.n_swa = static_cast<int64_t>(file.get_uint_or(key + "attention.sliding_window", 4096));
    hp.rope_freq_base_swa = static_cast<float>(file.get_double_or(key + "rope.freq_base_swa", hp.rope_freq_base));
    hp.attn_softcap = static_cast<float>(file.get_double_or(key + "attn_logit_softcapping", 50.0));
    hp.final_softcap = static_cast<float>(file.get_double_or(key + "final_logit_softcapping", 30.0));
  } else if (variant.gemma) {
    hp.final_softcap = static_cast<float>(file.get_double_or(key + "final_logit_softcapping", 0.0));
  }
  if (hp.n_swa > 0 && variant.swa_pattern > 0) {
    const int64_t pattern = static_cast<int64_t>(
        file.get_uint_or(std::string(variant.arch) + ".attention.sliding_window_pattern", variant.swa_pattern));
    hp.swa_layer.resize(static_cast<size_t>(hp.n_layer));
    for (int64_t il = 0; il < hp.n_layer; ++il) hp.swa_layer[il] = pattern == 0 || il % pattern < pattern - 1;
  }
  tokenizer::Vocab vocab = tokenizer::Vocab::from_gguf(file);
  if (vocab.size() != hp.n_vocab)
    fail("'", file.path(), "': the vocabulary has ", vocab.size(), " tokens but the model expects ", hp.n_vocab);
  return std::make_unique<LlamaModel>(std::move(file), std::move(hp), std::move(vocab), variant);
}

}  // namespace hearth::model
