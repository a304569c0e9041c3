#pragma once
// A straightforward f32 bert / nomic-bert encoder written for the tests,
// independent of hearth's backend, model and runtime code: plain loops,
// materialised softmax over the whole sequence, double accumulation, then the
// pooling the file declares and L2 normalisation. Reads the weights through
// the GGUF reader and the reference dequantizers only.
#include <cmath>
#include <string>
#include <vector>

#include "gguf/file.h"
#include "tensor/dequantize.h"

namespace hearth::testing {

class ReferenceBert {
 public:
  explicit ReferenceBert(const gguf::File& file) : file_(file) {
    arch_ = file.find_string("general.architecture").value_or("");
    auto u = [&](const char* k) { return static_cast<int>(file.get_uint(arch_ + "." + k)); };
    n_embd_ = u("embedding_length");
    n_layer_ = u("block_count");
    n_ff_ = u("feed_forward_length");
    n_head_ = u("attention.head_count");
    pooling_ = u("pooling_type");
    eps_ = file.get_double_or(arch_ + ".attention.layer_norm_epsilon", 1e-12);
    base_ = file.get_double_or(arch_ + ".rope.freq_base", 10000.0);
  }

  // The pooled, L2-normalised embedding of tokens (positions 0..T-1).
  std::vector<float> embed(const std::vector<int32_t>& tokens) const {
    const int T = static_cast<int>(tokens.size()), D = n_embd_, hd = D / n_head_;
    const bool nomic = arch_ == "nomic-bert";
    const auto emb = load("token_embd.weight"), types = load("token_types.weight");
    std::vector<std::vector<double>> x(T, std::vector<double>(D));
    std::vector<float> pos;
    if (!nomic) pos = load("position_embd.weight");
    for (int t = 0; t < T; ++t) {
      for (int i = 0; i < D; ++i) {
        x[t][i] = emb[size_t(tokens[t]) * D + i] + types[i];
        if (!nomic) x[t][i] += pos[size_t(t) * D + i];
      }
      x[t] = layer_norm(x[t], "token_embd_norm");
    }
    for (int l = 0; l < n_layer_; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      std::vector<std::vector<double>> q(T), k(T), v(T);
      for (int t = 0; t < T; ++t) {
        if (nomic) {
          const auto qkv = linear(b + "attn_qkv", x[t], 3 * D);
          q[t].assign(qkv.begin(), qkv.begin() + D);
          k[t].assign(qkv.begin() + D, qkv.begin() + 2 * D);
          v[t].assign(qkv.begin() + 2 * D, qkv.end());
          rotate(q[t], t, hd), rotate(k[t], t, hd);
        } else {
          q[t] = linear(b + "attn_q", x[t], D), k[t] = linear(b + "attn_k", x[t], D), v[t] = linear(b + "attn_v", x[t], D);
        }
      }
      std::vector<std::vector<double>> next(T);
      for (int t = 0; t < T; ++t) {
        std::vector<double> att(D, 0.0);
        for (int h = 0; h < n_head_; ++h) {
          std::vector<double> s(T);
          double mx = -1e300, sum = 0;
          for (int j = 0; j < T; ++j) {
            double dot = 0;
            for (int i = 0; i < hd; ++i) dot += q[t][h * hd + i] * k[j][h * hd + i];
            s[j] = dot / std::sqrt(double(hd));
            mx = std::max(mx, s[j]);
          }
          for (double& e : s) sum += (e = std::exp(e - mx));
          for (int j = 0; j < T; ++j)
            for (int i = 0; i < hd; ++i) att[h * hd + i] += s[j] / sum * v[j][h * hd + i];
        }
        auto o = linear(b + "attn_output", att, D);
        for (int i = 0; i < D; ++i) o[i] += x[t][i];
        auto y = layer_norm(o, b + "attn_output_norm");
        auto up = linear(b + "ffn_up", y, n_ff_);
        if (nomic) {
          const auto gate = linear(b + "ffn_gate", y, n_ff_);
          for (int i = 0; i < n_ff_; ++i) up[i] *= gate[i] / (1.0 + std::exp(-gate[i]));
        } else {
          const double pi = 3.14159265358979323846;
          for (double& g : up) g = 0.5 * g * (1.0 + std::tanh(std::sqrt(2.0 / pi) * (g + 0.044715 * g * g * g)));
        }
        auto down = linear(b + "ffn_down", up, D);
        for (int i = 0; i < D; ++i) down[i] += y[i];
        next[t] = layer_norm(down, b + "layer_output_norm");
      }
      x = next;
    }
    std::vector<double> pooled(D, 0.0);
    if (pooling_ == 1) {
      for (int t = 0; t < T; ++t)
        for (int i = 0; i < D; ++i) pooled[i] += x[t][i] / T;
    } else {
      pooled = x[pooling_ == 2 ? 0 : T - 1];
    }
    double norm = 0;
    for (double p : pooled) norm += p * p;
    std::vector<float> out(D);
    for (int i = 0; i < D; ++i) out[i] = static_cast<float>(pooled[i] / std::sqrt(norm));
    return out;
  }

 private:
  std::vector<float> load(const std::string& name) const {
    const gguf::TensorInfo* info = file_.find_tensor(name);
    if (!info) throw std::runtime_error("reference: missing tensor " + name);
    std::vector<float> out(info->n_elements());
    tensor::dequantize_row(info->type, file_.tensor_data(*info), out.data(), info->n_elements());
    return out;
  }

  // W in + b (the bias when the file has one); W is [rows][in.size()].
  std::vector<double> linear(const std::string& name, const std::vector<double>& in, int rows) const {
    const auto w = load(name + ".weight");
    std::vector<float> bias;
    if (file_.find_tensor(name + ".bias")) bias = load(name + ".bias");
    std::vector<double> out(rows);
    for (int r = 0; r < rows; ++r) {
      double acc = bias.empty() ? 0.0 : bias[r];
      for (size_t c = 0; c < in.size(); ++c) acc += double(w[r * in.size() + c]) * in[c];
      out[r] = acc;
    }
    return out;
  }

  std::vector<double> layer_norm(const std::vector<double>& x, const std::string& name) const {
    const auto w = load(name + ".weight"), b = load(name + ".bias");
    double mean = 0, var = 0;
    for (double v : x) mean += v / x.size();
    for (double v : x) var += (v - mean) * (v - mean) / x.size();
    std::vector<double> out(x.size());
    for (size_t i = 0; i < x.size(); ++i) out[i] = (x[i] - mean) / std::sqrt(var + eps_) * w[i] + b[i];
    return out;
  }

  // NeoX rotation of each head: pair (i, i + hd/2) by pos * base^(-2i/hd).
  void rotate(std::vector<double>& v, int pos, int hd) const {
    for (size_t h = 0; h < v.size() / hd; ++h)
      for (int i = 0; i < hd / 2; ++i) {
        const double theta = pos * std::pow(base_, -2.0 * i / hd);
        double& a = v[h * hd + i];
        double& b = v[h * hd + i + hd / 2];
        const double x0 = a, x1 = b;
        a = x0 * std::cos(theta) - x1 * std::sin(theta);
        b = x0 * std::sin(theta) + x1 * std::cos(theta);
      }
  }

  const gguf::File& file_;
  std::string arch_;
  int n_embd_, n_layer_, n_ff_, n_head_, pooling_;
  double eps_, base_;
};

}  // namespace hearth::testing
