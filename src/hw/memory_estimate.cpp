#include "hw/memory_estimate.h"

#include <algorithm>
#include <map>

#include "hw/cpu_packing.h"

namespace hearth::hw {

namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;
// The program's own resident set beside a model: the binary's pages,
// libraries, heap, thread stacks (measured: hearth bench of synth's
// test-llama, 7 MB of weights, peaks at about 30 MB).
constexpr uint64_t kProgramBytes = 16 * kMiB;
// The vocabulary in memory per token (strings, scores, look-up tables),
// measured on synth's minimal vocabulary of 151936 tokens.
constexpr uint64_t kVocabBytesPerToken = 230;
// And per BPE merge (measured on Qwen2's vocabulary: 151387 merges).
constexpr uint64_t kBytesPerMerge = 90;

// Bytes of quantized activations per K element of one token (Q8_0 or Q8_K
// blocks and the panel kernels' per-block terms).
constexpr double kQuantActBytesPerElement = 1.2;

}  // namespace

uint64_t kv_cache_bytes(const ModelShape& s, const MemoryPlan& p) {
  const uint64_t cells = static_cast<uint64_t>(p.n_ctx) * static_cast<uint64_t>(std::max(1, p.n_parallel));
  return static_cast<uint64_t>(s.n_layer) * 2 * cells * tensor::row_bytes(p.kv_type, s.n_embd_kv());
}

uint64_t compute_bytes(const ModelShape& s, const MemoryPlan& p) {
  const uint64_t T = static_cast<uint64_t>(std::max<int64_t>(1, p.n_batch));
  const uint64_t d = s.n_embd, q = s.n_embd_q(), kv = s.n_embd_kv(), ff = s.n_ff;
  uint64_t floats = T * (3 * d + 2 * q + 2 * kv + 2 * ff);
  if (s.n_expert > 0) floats += T * (static_cast<uint64_t>(s.n_expert) + 2 * d + 2 * static_cast<uint64_t>(s.n_ff_exp));
  floats += static_cast<uint64_t>(std::max(1, p.n_parallel)) * static_cast<uint64_t>(s.n_vocab);  // logits
  // Matmul scratch: quantized activations for the widest quantized matrix,
  // packed f32 activations for the widest float one.
  int64_t k_quant = 0, k_float = 0;
  for (const WeightTensor& w : s.weights) {
    if (!w.multiplied()) continue;
    const bool is_float = w.type == tensor::DType::F32 || w.type == tensor::DType::F16 || w.type == tensor::DType::BF16;
    (is_float ? k_float : k_quant) = std::max(is_float ? k_float : k_quant, w.k());
  }
  const double scratch = static_cast<double>(T) * (kQuantActBytesPerElement * static_cast<double>(k_quant) +
                                                   4.0 * static_cast<double>(k_float));
  return floats * sizeof(float) + static_cast<uint64_t>(scratch);
}

MemoryEstimate estimate_memory(const ModelShape& s, const MemoryPlan& p) {
  MemoryEstimate m;
  std::map<tensor::DType, uint64_t> by_type;
  for (const WeightTensor& w : s.weights) {
    m.weights += w.bytes;
    by_type[w.type] += w.bytes;
    if (!w.multiplied()) continue;
    const uint64_t packed = cpu_packed_bytes(w.type, w.k(), w.rows()) * static_cast<uint64_t>(w.matrices());
    m.packed += packed;
    // A tied token table is still looked up row by row in the file.
    if (packed > 0 && w.use != WeightUse::TiedEmbeddings) m.packed_source += w.bytes;
  }
  m.weights_by_type.assign(by_type.begin(), by_type.end());
  std::sort(m.weights_by_type.begin(), m.weights_by_type.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  m.metadata = s.metadata_bytes;
  m.kv_cache = kv_cache_bytes(s, p);
  m.compute = compute_bytes(s, p);
  m.runtime = kProgramBytes + static_cast<uint64_t>(s.n_vocab) * kVocabBytesPerToken +
              static_cast<uint64_t>(s.n_merges) * kBytesPerMerge;
  return m;
}

}  // namespace hearth::hw
