#include "hw/speed_estimate.h"

#include <algorithm>

namespace hearth::hw {

namespace {

// Positions n tokens after `depth` ones see, causally, at most `window` each.
double visible_positions(int64_t n, int64_t depth, int64_t window) {
  double positions = 0;
  for (int64_t i = 0; i < n; ++i) positions += static_cast<double>(std::min(depth + i + 1, window));
  return positions;
}

// Element-wise work per token and layer, in nanoseconds (llama-family forward pass).
double elementwise_ns_per_token_layer(const ModelShape& s, const ElementwiseRates& e) {
  const double d = static_cast<double>(s.n_embd), q = static_cast<double>(s.n_embd_q());
  const double kv = static_cast<double>(s.n_embd_kv());
  const double ff = static_cast<double>(s.n_expert > 0 ? s.n_ff_exp * s.n_expert_used : s.n_ff);
  const double pairs = static_cast<double>(s.n_rot) / 2;
  double ns = 2 * d * e.norm_ns + 2 * d * e.add_ns + ff * e.glu_ns + 2 * kv * e.store_ns;
  ns += pairs * (2 * e.rope_angle_ns + static_cast<double>(s.n_head + s.n_head_kv) * e.rope_pair_ns);
  if (s.qkv_bias) ns += (q + 2 * kv) * e.add_ns;
  if (s.qk_norm) ns += (q + kv) * e.norm_ns;
  if (s.gemma_norms) ns += 2 * d * e.norm_ns;
  if (s.n_expert > 0) ns += d * static_cast<double>(s.n_expert_used) * e.add_ns;  // weighted expert sums
  return ns;
}

struct MatmulTime {
  double compute_s = 0, bandwidth_s = 0;
  void add(const WeightTensor& w, double tokens, double bytes, const KernelRate& rate) {
    const double flops = 2 * static_cast<double>(w.k()) * static_cast<double>(w.rows()) * tokens;
    const double c = flops / (rate.prompt_gflops(w.k(), w.rows(), tokens) * 1e9);
    const double b = bytes / (rate.decode_gbps_for(bytes) * 1e9);
    (c >= b ? compute_s : bandwidth_s) += std::max(c, b);
  }
};

void finish(PhaseEstimate& p, double tokens) {
  p.seconds = p.compute_s + p.bandwidth_s + p.attention_s + p.elementwise_s;
  p.tokens_per_s = p.seconds > 0 ? tokens / p.seconds : 0;
  p.bottleneck = p.compute_s + p.attention_s >= p.bandwidth_s ? "compute" : "memory bandwidth";
}

}  // namespace

SpeedEstimate estimate_speed(const ModelShape& s, const MeasuredRates& r, const SpeedPlan& plan) {
  SpeedEstimate est;
  est.active_params = s.active_parameter_count();
  const int64_t P = std::max(1, plan.n_prompt);
  const double expert_share = s.n_expert > 0 ? static_cast<double>(s.n_expert_used) / static_cast<double>(s.n_expert) : 1;
  const int64_t matmuls_per_token_layer = [&] {
    int64_t n = 0;
    for (const WeightTensor& w : s.weights)
      if (w.multiplied() && !w.output) n += w.use == WeightUse::Experts ? s.n_expert_used : 1;
    return s.n_layer > 0 ? n / s.n_layer : n;
  }();

  // Prompt.
  MatmulTime pp, tg;
  for (const WeightTensor& w : s.weights) {
    if (!w.multiplied()) continue;
    const KernelRate& rate = r.kernel(w.type);
    const double kr = static_cast<double>(w.k()) * static_cast<double>(w.rows());
    const double bytes_each = static_cast<double>(w.bytes) / static_cast<double>(w.matrices());
    if (w.use == WeightUse::Experts) {
      const double routed = static_cast<double>(P) * static_cast<double>(s.n_expert_used);
      const double touched = std::min(static_cast<double>(w.matrices()), routed);
      const double tokens_each = routed / touched;
      for (int i = 0; i < static_cast<int>(touched); ++i) pp.add(w, tokens_each, bytes_each, rate);
      for (int64_t i = 0; i < s.n_expert_used; ++i) tg.add(w, 1, bytes_each, rate);
      est.bytes_per_token += static_cast<uint64_t>(bytes_each * static_cast<double>(s.n_expert_used));
      est.flops_per_prompt_token += 2 * kr * static_cast<double>(w.matrices()) * expert_share;
      continue;
    }
    pp.add(w, static_cast<double>(w.output ? 1 : P), bytes_each, rate);
    tg.add(w, 1, bytes_each, rate);
    est.bytes_per_token += w.bytes;
    if (!w.output) est.flops_per_prompt_token += 2 * kr;
  }
  const int64_t full_layers = s.n_layer - s.n_swa_layers;
  const int64_t window = s.n_swa > 0 ? s.n_swa : INT64_MAX;
  est.pp.compute_s = pp.compute_s, est.pp.bandwidth_s = pp.bandwidth_s;
  const double positions = static_cast<double>(s.n_head) *
                           (static_cast<double>(full_layers) * visible_positions(P, plan.depth, INT64_MAX) +
                            static_cast<double>(s.n_swa_layers) * visible_positions(P, plan.depth, window));
  const double pp_attn_flops = 4.0 * static_cast<double>(s.head_dim) * positions;
  est.pp.attention_s =
      positions * (r.attention.position_ns + r.attention.dimension_ns * static_cast<double>(s.head_dim)) * 1e-9;
  est.pp.elementwise_s = static_cast<double>(P * s.n_layer) * elementwise_ns_per_token_layer(s, r.elementwise) * 1e-9;
  est.flops_per_prompt_token += pp_attn_flops / static_cast<double>(P);
  finish(est.pp, static_cast<double>(P));

  // Generation: KV read at the average context length of the N steps.
  const int64_t N = std::max(1, plan.n_gen);
  const double ctx = static_cast<double>(plan.depth) + static_cast<double>(N + 1) / 2;
  const double kv_row = static_cast<double>(tensor::row_bytes(plan.kv_type, s.n_embd_kv()));
  const double kv_bytes = 2 * kv_row * (static_cast<double>(full_layers) * ctx +
                                        static_cast<double>(s.n_swa_layers) * std::min(ctx, static_cast<double>(window)));
  const double dispatches = static_cast<double>(s.n_layer * (matmuls_per_token_layer + 1) + 1);
  est.tg.compute_s = tg.compute_s * static_cast<double>(N);
  est.tg.bandwidth_s = tg.bandwidth_s * static_cast<double>(N);
  est.tg.attention_s = kv_bytes / (r.attention.decode_gbps * 1e9) * static_cast<double>(N);
  est.tg.elementwise_s = (dispatches * r.op_latency_us * 1e-6 +
                          static_cast<double>(s.n_layer) * elementwise_ns_per_token_layer(s, r.elementwise) * 1e-9) *
                         static_cast<double>(N);
  finish(est.tg, static_cast<double>(N));
  est.tg.bottleneck = est.tg.compute_s > est.tg.bandwidth_s + est.tg.attention_s ? "compute" : "memory bandwidth";
  return est;
}

}  // namespace hearth::hw
