#include "model/bert.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "model/activations.h"
#include "model/model.h"

namespace hearth::model {

namespace {

using backend::Backend;
using backend::TensorView;
using tensor::DType;

struct BertLayer {
  TensorView wq, wk, wv, bq, bk, bv, wo, bo;
  TensorView attn_out_norm, attn_out_norm_b;
  TensorView ffn_up, ffn_up_b, ffn_gate, ffn_down, ffn_down_b;
  TensorView out_norm, out_norm_b;
};

class BertModel final : public Model {
 public:
  BertModel(gguf::File file, HParams hp, tokenizer::Vocab vocab)
      : Model(std::move(file), std::move(hp), std::move(vocab)), nomic_(hparams_.arch == "nomic-bert") {
    const HParams& p = hparams_;
    const int64_t d = p.n_embd;
    tok_embd_ = weight("token_embd.weight", {d, p.n_vocab});
    const gguf::TensorInfo* types = file_.find_tensor("token_types.weight");
    if (types) type_embd_ = weight("token_types.weight", {d, types->dims.size() > 1 ? types->dims[1] : 1});
    if (!nomic_) pos_embd_ = weight("position_embd.weight", {d, p.n_ctx_train});
    tok_norm_ = f32(weight("token_embd_norm.weight", {d}), "token_embd_norm.weight");
    tok_norm_b_ = f32(weight("token_embd_norm.bias", {d}), "token_embd_norm.bias");
    for (int64_t i = 0; i < p.n_layer; ++i) {
      const std::string b = "blk." + std::to_string(i) + ".";
      BertLayer l;
      if (TensorView qkv = optional_weight(b + "attn_qkv.weight", {d, 3 * d}); qkv.data) {
        l.wq = qkv.row_range(0, d), l.wk = qkv.row_range(d, d), l.wv = qkv.row_range(2 * d, d);
      } else {
        l.wq = weight(b + "attn_q.weight", {d, d});
        l.wk = weight(b + "attn_k.weight", {d, d});
        l.wv = weight(b + "attn_v.weight", {d, d});
      }
      l.bq = vec(b + "attn_q.bias", d), l.bk = vec(b + "attn_k.bias", d), l.bv = vec(b + "attn_v.bias", d);
      l.wo = weight(b + "attn_output.weight", {d, d});
      l.bo = vec(b + "attn_output.bias", d);
      l.attn_out_norm = f32(weight(b + "attn_output_norm.weight", {d}), "attn_output_norm.weight");
      l.attn_out_norm_b = f32(weight(b + "attn_output_norm.bias", {d}), "attn_output_norm.bias");
      l.ffn_up = weight(b + "ffn_up.weight", {d, p.n_ff});
      l.ffn_up_b = vec(b + "ffn_up.bias", p.n_ff);
      if (nomic_) l.ffn_gate = weight(b + "ffn_gate.weight", {d, p.n_ff});
      l.ffn_down = weight(b + "ffn_down.weight", {p.n_ff, d});
      l.ffn_down_b = vec(b + "ffn_down.bias", d);
      l.out_norm = f32(weight(b + "layer_output_norm.weight", {d}), "layer_output_norm.weight");
      l.out_norm_b = f32(weight(b + "layer_output_norm.bias", {d}), "layer_output_norm.bias");
      layers_.push_back(l);
    }
  }

  int64_t output_width() const override { return hparams_.n_embd; }

  std::unique_ptr<Workspace> make_workspace(Backend& backend, int64_t max_tokens) const override {
    return std::make_unique<Activations>(backend, hparams_, max_tokens);
  }

  void forward(Backend& be, const ForwardBatch& batch, KvCache& cache, Workspace& workspace,
               float* out) const override {
    auto& ws = static_cast<Activations&>(workspace);
    const HParams& p = hparams_;
    const int64_t T = static_cast<int64_t>(batch.tokens.size());
    if (T == 0) return;
    if (T > ws.max_tokens()) fail("batch of ", T, " tokens exceeds the workspace's ", ws.max_tokens());
    for (int32_t c : batch.cells)
      if (c < 0 || c >= cache.n_cells()) fail("KV cell ", c, " is outside the cache of ", cache.n_cells());
    const int64_t d = p.n_embd;
    const TensorView x = Activations::rows(ws.x, d, T), h = Activations::rows(ws.h, d, T);
    const TensorView q = Activations::rows(ws.qcur, d, T), k = Activations::rows(ws.kcur, d, T),
                     v = Activations::rows(ws.vcur, d, T), attn = Activations::rows(ws.attn, d, T);
    const TensorView up = Activations::rows(ws.up, p.n_ff, T), gate = Activations::rows(ws.gate, p.n_ff, T);
    const TensorView q_heads = TensorView::contiguous(DType::F32, ws.qcur, {p.head_dim, p.n_head, T});
    const TensorView k_heads = TensorView::contiguous(DType::F32, ws.kcur, {p.head_dim, p.n_head_kv, T});

    be.get_rows(tok_embd_, batch.tokens, x);
    if (type_embd_.data) {  // every token is of type 0
      const int32_t zero = 0;
      be.get_rows(type_embd_, std::span<const int32_t>(&zero, 1), Activations::rows(ws.normed_out, d, 1));
      be.add(x, Activations::rows(ws.normed_out, d, 1));
    }
    if (pos_embd_.data) {
      be.get_rows(pos_embd_, batch.positions, h);
      be.add(x, h);
    }
    be.layer_norm(x, tok_norm_, tok_norm_b_, p.norm_eps, x);

    backend::RopeParams rope;
    rope.n_rot = static_cast<int>(p.n_rot);
    rope.freq_base = p.rope_freq_base;
    rope.neox = true;
    const backend::AttentionSpan span{batch.span_begin, batch.span_end};
    const float kq_scale = 1.0f / std::sqrt(static_cast<float>(p.head_dim));
    for (int64_t il = 0; il < p.n_layer; ++il) {
      const BertLayer& l = layers_[il];
      linear(be, l.wq, l.bq, x, q);
      linear(be, l.wk, l.bk, x, k);
      linear(be, l.wv, l.bv, x, v);
      if (nomic_) {
        be.rope(q_heads, batch.positions, rope);
        be.rope(k_heads, batch.positions, rope);
      }
      be.store_rows(k, batch.cells, cache.k(il));
      be.store_rows(v, batch.cells, cache.v(il));
      be.attention(q_heads, cache.k(il), cache.v(il), span, static_cast<int>(p.n_head_kv), kq_scale, attn);
      linear(be, l.wo, l.bo, attn, h);
      be.add(x, h);
      be.layer_norm(x, l.attn_out_norm, l.attn_out_norm_b, p.norm_eps, x);

      linear(be, l.ffn_up, l.ffn_up_b, x, up);
      if (l.ffn_gate.data) {
        be.matmul(l.ffn_gate, x, gate);
        be.swiglu(gate, up, up);
      } else {
        be.gelu(up);
      }
      linear(be, l.ffn_down, l.ffn_down_b, up, h);
      be.add(x, h);
      be.layer_norm(x, l.out_norm, l.out_norm_b, p.norm_eps, x);
    }
    for (size_t i = 0; i < batch.logit_rows.size(); ++i) {
      const int32_t r = batch.logit_rows[i];
      if (r < 0 || r >= T) fail("output row ", r, " is outside the batch of ", T);
      std::copy_n(x.row<const float>(r), d, out + static_cast<int64_t>(i) * d);
    }
  }

 private:
  static void linear(Backend& be, const TensorView& w, const TensorView& b, const TensorView& in,
                     const TensorView& out) {
    be.matmul(w, in, out);
    if (b.data) be.add(out, b);
  }

  TensorView f32(TensorView view, const std::string& name) const {
    if (view.type != DType::F32)
      fail("'", file_.path(), "': tensor '", name, "' must be f32, got ", tensor::dtype_info(view.type).name);
    return view;
  }
  TensorView vec(const std::string& name, int64_t width) const {
    TensorView view = optional_weight(name, {width});
    return view.data ? f32(view, name) : view;
  }

  bool nomic_;
  TensorView tok_embd_, type_embd_, pos_embd_, tok_norm_, tok_norm_b_;
  std::vector<BertLayer> layers_;
};

}  // namespace

bool is_bert_arch(const std::string& arch) { return arch == "bert" || arch == "nomic-bert"; }

std::unique_ptr<Model> load_bert(gguf::File file) {
  const std::string arch = file.find_string("general.architecture").value_or("");
  HParams hp = HParams::from_gguf(file, arch);
  hp.causal = false;
  if (hp.n_head_kv != hp.n_head) fail("'", file.path(), "': grouped KV heads in an encoder are not supported");
  tokenizer::Vocab vocab = tokenizer::Vocab::from_gguf(file);
  if (vocab.size() != hp.n_vocab)
    fail("'", file.path(), "': the vocabulary has ", vocab.size(), " tokens but the model expects ", hp.n_vocab);
  return std::make_unique<BertModel>(std::move(file), std::move(hp), std::move(vocab));
}

}  // namespace hearth::model
