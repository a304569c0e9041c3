#pragma once
// A straightforward f32 llama-family forward pass (llama, with llama 3's
// rope_freqs divisors when present; qwen2: q/k/v biases and NeoX-style
// rotation; qwen3: NeoX rotation and per-head q/k RMSNorm; experts when the
// file has expert_count: softmax router, top-k renormalised; gemma3: scaled
// embeddings, post norms, GELU, sliding-window layers with their own rope
// base; phi3: fused q/k/v and gate/up matrices, LongRoPE factors and
// magnitude) written for the tests, independent
// of hearth's backend, model and runtime code: whole-sequence, plain loops,
// rotary angles from pow(), softmax over a materialised score row. It reads
// the weights through the GGUF reader and the reference dequantizers only.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "tensor/dequantize.h"

namespace hearth::testing {

class ReferenceLlama {
 public:
  // n_ctx: the context the engine under test runs with (phi3 picks its rope
  // factors by it).
  explicit ReferenceLlama(const gguf::File& file, int64_t n_ctx = 0) : file_(file) {
    const std::string arch = file.find_string("general.architecture").value_or("llama");
    gemma_ = arch == "gemma2" || arch == "gemma3";
    gemma2_ = arch == "gemma2";
    attn_softcap_ = gemma2_ ? file.get_double_or(arch + ".attn_logit_softcapping", 50.0) : 0.0;
    final_softcap_ = gemma_ ? file.get_double_or(arch + ".final_logit_softcapping", 0.0) : 0.0;
    neox_ = arch == "qwen2" || arch == "qwen3" || arch == "qwen3moe" || gemma_;
    window_ = static_cast<int>(file.get_uint_or(arch + ".attention.sliding_window", 0));
    auto u = [&](const char* k) { return static_cast<int>(file.get_uint(arch + "." + k)); };
    n_expert_ = static_cast<int>(file.get_uint_or(arch + ".expert_count", 0));
    if (n_expert_ > 0) {
      n_expert_used_ = u("expert_used_count");
      n_ff_exp_ = static_cast<int>(file.get_uint_or(arch + ".expert_feed_forward_length", u("feed_forward_length")));
    }
    n_embd_ = u("embedding_length");
    n_layer_ = u("block_count");
    n_ff_ = u("feed_forward_length");
    n_head_ = u("attention.head_count");
    n_head_kv_ = static_cast<int>(file.get_uint_or(arch + ".attention.head_count_kv", n_head_));
    eps_ = static_cast<float>(file.get_double_or(arch + ".attention.layer_norm_rms_epsilon", 1e-5));
    base_ = file.get_double_or(arch + ".rope.freq_base", 10000.0);
    head_dim_ = static_cast<int>(file.get_uint_or(arch + ".attention.key_length", n_embd_ / n_head_));
    if (file.find_tensor("rope_freqs.weight")) rope_factors_ = load("rope_freqs.weight");
    if (arch == "phi3") {
      neox_ = true;
      const int64_t original = static_cast<int64_t>(file.get_uint(arch + ".rope.scaling.original_context_length"));
      rope_factors_ = load(n_ctx > original ? "rope_factors_long.weight" : "rope_factors_short.weight");
      rope_magnitude_ = file.get_double_or(arch + ".rope.scaling.attn_factor", 1.0);
    }
    n_vocab_ = static_cast<int>(load("token_embd.weight").size() / n_embd_);
  }

  int n_vocab() const { return n_vocab_; }

  // Logits [T][n_vocab] for every position of tokens (positions 0..T-1).
  std::vector<std::vector<float>> forward(const std::vector<int32_t>& tokens) const {
    const int T = static_cast<int>(tokens.size()), D = n_embd_, kvw = n_head_kv_ * head_dim_;
    const auto emb = load("token_embd.weight");
    std::vector<std::vector<float>> x(T, std::vector<float>(D));
    for (int t = 0; t < T; ++t)
      for (int i = 0; i < D; ++i)
        x[t][i] = emb[static_cast<size_t>(tokens[t]) * D + i] * (gemma_ ? std::sqrt(double(D)) : 1.0);

    for (int l = 0; l < n_layer_; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      // gemma2: every other layer slides (with the global rope base); gemma3:
      // five sliding-window layers with base 10000, then one global.
      const bool local = window_ > 0 && (gemma2_ ? l % 2 == 0 : l % 6 < 5);
      const double base = local && !gemma2_ ? 10000.0 : base_;
      std::vector<float> wq, wk, wv;
      if (file_.find_tensor(b + "attn_qkv.weight")) {
        const auto qkv = load(b + "attn_qkv.weight");
        const size_t nq = size_t(n_head_) * head_dim_ * n_embd_, nkv = size_t(kvw) * n_embd_;
        wq.assign(qkv.begin(), qkv.begin() + nq);
        wk.assign(qkv.begin() + nq, qkv.begin() + nq + nkv);
        wv.assign(qkv.begin() + nq + nkv, qkv.end());
      } else {
        wq = load(b + "attn_q.weight"), wk = load(b + "attn_k.weight"), wv = load(b + "attn_v.weight");
      }
      const auto wo = load(b + "attn_output.weight");
      std::vector<std::vector<float>> q(T), k(T), v(T);
      for (int t = 0; t < T; ++t) {
        auto h = norm(x[t], load(b + "attn_norm.weight"));
        q[t] = matvec(wq, h, n_head_ * head_dim_);
        k[t] = matvec(wk, h, kvw);
        v[t] = matvec(wv, h, kvw);
        add_bias(q[t], b + "attn_q.bias");
        add_bias(k[t], b + "attn_k.bias");
        add_bias(v[t], b + "attn_v.bias");
        norm_heads(q[t], b + "attn_q_norm.weight");
        norm_heads(k[t], b + "attn_k_norm.weight");
        rotate(q[t], t, n_head_, base);
        rotate(k[t], t, n_head_kv_, base);
      }
      for (int t = 0; t < T; ++t) {
        std::vector<float> att(n_head_ * head_dim_, 0.0f);
        for (int h = 0; h < n_head_; ++h) {
          const int g = h / (n_head_ / n_head_kv_);
          std::vector<double> s(t + 1, -1e300);
          double mx = -1e300;
          const int first = local ? std::max(0, t - window_ + 1) : 0;
          for (int j = first; j <= t; ++j) {
            double d = 0;
            for (int i = 0; i < head_dim_; ++i) d += double(q[t][h * head_dim_ + i]) * k[j][g * head_dim_ + i];
            s[j] = d / std::sqrt(double(head_dim_));
            if (attn_softcap_ > 0) s[j] = attn_softcap_ * std::tanh(s[j] / attn_softcap_);
            mx = std::max(mx, s[j]);
          }
          double sum = 0;
          for (double& e : s) sum += (e = e == -1e300 ? 0.0 : std::exp(e - mx));
          for (int i = 0; i < head_dim_; ++i) {
            double acc = 0;
            for (int j = 0; j <= t; ++j) acc += s[j] / sum * v[j][g * head_dim_ + i];
            att[h * head_dim_ + i] = static_cast<float>(acc);
          }
        }
        auto o = matvec(wo, att, D);
        if (gemma_) o = norm(o, load(b + "post_attention_norm.weight"));
        for (int i = 0; i < D; ++i) x[t][i] += o[i];
      }
      if (n_expert_ > 0) {
        for (int t = 0; t < T; ++t) experts(b, norm(x[t], load(b + "ffn_norm.weight")), x[t]);
        continue;
      }
      std::vector<float> wg, wu;
      if (file_.find_tensor(b + "ffn_gate.weight")) {
        wg = load(b + "ffn_gate.weight"), wu = load(b + "ffn_up.weight");
      } else {  // one ffn_up of 2 x n_ff rows: gate rows, then up rows
        const auto both = load(b + "ffn_up.weight");
        wg.assign(both.begin(), both.begin() + both.size() / 2);
        wu.assign(both.begin() + both.size() / 2, both.end());
      }
      const auto wd = load(b + "ffn_down.weight");
      for (int t = 0; t < T; ++t) {
        auto h = norm(x[t], load(b + "ffn_norm.weight"));
        auto g = matvec(wg, h, n_ff_), up = matvec(wu, h, n_ff_);
        for (int i = 0; i < n_ff_; ++i) g[i] = static_cast<float>(activation(g[i]) * up[i]);
        auto d = matvec(wd, g, D);
        if (gemma_) d = norm(d, load(b + "post_ffw_norm.weight"));
        for (int i = 0; i < D; ++i) x[t][i] += d[i];
      }
    }
    const auto out_w = file_.find_tensor("output.weight") ? load("output.weight") : emb;
    std::vector<std::vector<float>> logits(T);
    for (int t = 0; t < T; ++t) {
      logits[t] = matvec(out_w, norm(x[t], load("output_norm.weight")), n_vocab_);
      if (final_softcap_ > 0)
        for (float& z : logits[t]) z = static_cast<float>(final_softcap_ * std::tanh(z / final_softcap_));
    }
    return logits;
  }

 private:
  std::vector<float> load(const std::string& name) const {
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (!info) throw std::runtime_error("reference: missing tensor " + name);
    std::vector<float> out(info->n_elements());
    tensor::dequantize_row(info->type, file_.tensor_data(*info), out.data(), info->n_elements());
    return out;
  }

  // SiLU, or gemma's GELU (tanh form, as the models were trained).
  double activation(double g) const {
    if (!gemma_) return g / (1.0 + std::exp(-g));
    const double pi = 3.14159265358979323846;
    return 0.5 * g * (1.0 + std::tanh(std::sqrt(2.0 / pi) * (g + 0.044715 * g * g * g)));
  }

  // x += the mixture of experts' output for the normalised input h.
  void experts(const std::string& b, const std::vector<float>& h, std::vector<float>& x) const {
    const auto logits = matvec(load(b + "ffn_gate_inp.weight"), h, n_expert_);
    std::vector<double> p(n_expert_);
    const double mx = *std::max_element(logits.begin(), logits.end());
    double sum = 0;
    for (int e = 0; e < n_expert_; ++e) sum += (p[e] = std::exp(logits[e] - mx));
    std::vector<int> order(n_expert_);
    for (int e = 0; e < n_expert_; ++e) order[e] = e;
    std::sort(order.begin(), order.end(), [&](int a, int c) { return p[a] > p[c]; });
    double chosen = 0;
    for (int j = 0; j < n_expert_used_; ++j) chosen += p[order[j]] / sum;
    const auto gate = load(b + "ffn_gate_exps.weight"), up = load(b + "ffn_up_exps.weight"),
               down = load(b + "ffn_down_exps.weight");
    const size_t D = h.size(), F = static_cast<size_t>(n_ff_exp_);
    for (int j = 0; j < n_expert_used_; ++j) {
      const int e = order[j];
      const double weight = p[e] / sum / chosen;
      auto slice = [&](const std::vector<float>& w) {
        return std::vector<float>(w.begin() + e * D * F, w.begin() + (e + 1) * D * F);
      };
      auto g = matvec(slice(gate), h, n_ff_exp_), u = matvec(slice(up), h, n_ff_exp_);
      for (size_t i = 0; i < F; ++i) g[i] = static_cast<float>(g[i] / (1.0 + std::exp(-double(g[i]))) * u[i]);
      const auto d = matvec(slice(down), g, static_cast<int>(D));
      for (size_t i = 0; i < D; ++i) x[i] += static_cast<float>(weight * d[i]);
    }
  }

  // RMSNorm of each head_dim slice of v with the named weight, if present.
  void norm_heads(std::vector<float>& v, const std::string& name) const {
    if (!file_.find_tensor(name)) return;
    const auto w = load(name);
    for (size_t h = 0; h < v.size() / head_dim_; ++h) {
      std::vector<float> head(v.begin() + h * head_dim_, v.begin() + (h + 1) * head_dim_);
      head = norm(head, w);
      std::copy(head.begin(), head.end(), v.begin() + h * head_dim_);
    }
  }

  void add_bias(std::vector<float>& v, const std::string& name) const {
    if (!file_.find_tensor(name)) return;
    const auto bias = load(name);
    for (size_t i = 0; i < v.size(); ++i) v[i] += bias[i];
  }

  // w is [rows][cols] with cols = in.size().
  static std::vector<float> matvec(const std::vector<float>& w, const std::vector<float>& in, int rows) {
    const size_t cols = in.size();
    std::vector<float> out(rows);
    for (int r = 0; r < rows; ++r) {
      double acc = 0;
      for (size_t c = 0; c < cols; ++c) acc += double(w[r * cols + c]) * in[c];
      out[r] = static_cast<float>(acc);
    }
    return out;
  }

  std::vector<float> norm(const std::vector<float>& x, const std::vector<float>& w) const {
    double ss = 0;
    for (float v : x) ss += double(v) * v;
    const double scale = 1.0 / std::sqrt(ss / x.size() + eps_);
    std::vector<float> out(x.size());
    for (size_t i = 0; i < x.size(); ++i) out[i] = static_cast<float>(x[i] * scale * w[i]);
    return out;
  }

  // Rotary embedding: pair i (adjacent elements 2i, 2i+1 for llama; i and
  // i + d/2 for NeoX-style qwen2) rotated by pos * base^(-2i/d).
  void rotate(std::vector<float>& v, int pos, int heads, double base) const {
    for (int h = 0; h < heads; ++h)
      for (int i = 0; i < head_dim_ / 2; ++i) {
        double theta = pos * std::pow(base, -2.0 * i / head_dim_);
        if (!rope_factors_.empty()) theta /= rope_factors_[i];
        float& a = v[h * head_dim_ + (neox_ ? i : 2 * i)];
        float& b = v[h * head_dim_ + (neox_ ? i + head_dim_ / 2 : 2 * i + 1)];
        const double x0 = a, x1 = b;
        a = static_cast<float>(rope_magnitude_ * (x0 * std::cos(theta) - x1 * std::sin(theta)));
        b = static_cast<float>(rope_magnitude_ * (x0 * std::sin(theta) + x1 * std::cos(theta)));
      }
  }

  const gguf::File& file_;
  int n_embd_, n_layer_, n_ff_, n_head_, n_head_kv_, head_dim_, n_vocab_;
  float eps_;
  double base_;
  bool neox_, gemma_, gemma2_;
  double attn_softcap_, final_softcap_;
  int window_;
  std::vector<float> rope_factors_;
  double rope_magnitude_ = 1.0;
  int n_expert_ = 0, n_expert_used_ = 0, n_ff_exp_ = 0;
};

}  // namespace hearth::testing
