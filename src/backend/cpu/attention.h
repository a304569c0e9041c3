#pragma once
// The CPU backend's KV writes and attention (the contracts of
// Backend::store_rows and Backend::attention, backend.h).
//
// Attention is tiled, flash-style: a job is one KV head and a chunk of
// consecutive tokens whose spans nearly coincide (a prompt's tokens; a decode
// step's token alone). Its query rows are every head of the KV head's
// group for every token of the chunk, so each K and V row is read once per
// job. Keys go by in blocks of kBlockCells: scores of the whole block against
// all query rows, then per row the block's max, one rescale of that row's
// accumulator if the max grew, a vectorised exp, and the V rows of the block
// added into the accumulators. No score matrix beyond one block is held.
//
// Caches: F32, F16 or Q8_0 (K and V of the same type). F16 and Q8_0 rows are
// widened to f32 a block at a time. With Q8_0, K . q is computed as llama.cpp
// does: q quantized to q8_0 (by the quantized matmul's quantizer) and integer
// dot products per block — when head_dim is a multiple of 32, so that a
// head's K slice is whole blocks; otherwise (llama.cpp refuses that case) the
// K blocks are dequantized and dotted with f32 q. V rows are dequantized and
// accumulated in f32.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "backend/backend.h"
#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/quant_dot.h"
#include "core/thread_pool.h"

namespace hearth::backend::cpu {

class CpuAttention {
 public:
  static constexpr int kBlockCells = 64;
  // Query rows per job at most (several tokens of a small GQA group); a group
  // larger than this makes one token per job.
  static constexpr int kMaxChunkRows = 32;

  // The attention kernels of quant's level (attention_kernels_for); quant
  // quantizes q for q8_0 caches.
  explicit CpuAttention(const QuantKernels& quant);
  ~CpuAttention();

  const AttentionKernels& kernels() const { return kernels_; }

  void store_rows(const TensorView& src, std::span<const int32_t> cells, const TensorView& cache) const;
  void run(ThreadPool& pool, const TensorView& q, const TensorView& k_cache, const TensorView& v_cache,
           const AttentionSpan& span, int n_kv_heads, float scale, const TensorView& out, float softcap = 0.0f);

 private:
  struct Call;
  struct Scratch;
  struct Chunk {
    int64_t t_begin, t_end;  // tokens
  };
  void run_job(const Call& call, const Chunk& chunk, int64_t kv_head, Scratch& scratch) const;

  const AttentionKernels& kernels_;
  const QuantKernels& quant_;
  std::vector<Chunk> chunks_;                       // reused between calls
  std::vector<std::unique_ptr<Scratch>> scratch_;   // one per thread, grown on demand
};

}  // namespace hearth::backend::cpu
