#pragma once
// The memory a model takes when hearth runs it on the CPU. Weights stay in
// the mapped file; the CPU backend copies most matrices into panels on first
// use (cpu_packing.h). Once every matrix has been used, a process holds in
// RAM: its panels (anonymous), the file's pages it has read (the packed
// matrices' pages too, as page cache mapped into the process, until the
// kernel reclaims them: they are never read again), the KV cache, compute
// buffers and the program itself. So the resident set right after a run (what
// VmHWM shows on an idle machine) is about file + panels, twice the weights'
// size for an all-packed model, while what must stay in RAM is panels +
// whatever is still read from the file.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "hw/model_shape.h"
#include "tensor/dtype.h"

namespace hearth::hw {

struct MemoryPlan {
  int64_t n_ctx = 4096;   // positions per slot
  int n_parallel = 1;     // slots held at once (the server's parallel sequences)
  int64_t n_batch = 512;  // tokens per forward step
  tensor::DType kv_type = tensor::DType::F16;
};

struct MemoryEstimate {
  std::vector<std::pair<tensor::DType, uint64_t>> weights_by_type;  // file bytes, most first
  uint64_t weights = 0;        // all tensor data
  uint64_t metadata = 0;       // the file's header and tokenizer, read once at load
  uint64_t packed = 0;         // the CPU backend's panels
  uint64_t packed_source = 0;  // file bytes only read to pack them: reclaimable once packed
  uint64_t kv_cache = 0;
  uint64_t compute = 0;        // activations, matmul scratch, logits
  uint64_t runtime = 0;        // program, libraries, vocabulary, threads

  // Everything read once resident: the peak resident set of a run.
  uint64_t resident() const { return weights + metadata + packed + kv_cache + compute + runtime; }
  // What must stay in RAM: resident() less the pages the kernel may drop.
  uint64_t required() const { return resident() - packed_source - metadata; }
};

MemoryEstimate estimate_memory(const ModelShape& shape, const MemoryPlan& plan);

// KV cache bytes, as model/kv_cache.cpp allocates them: every layer (sliding
// window ones too) holds n_ctx * n_parallel cells of one K and one V row.
uint64_t kv_cache_bytes(const ModelShape& shape, const MemoryPlan& plan);
// Activations (model/activations.h, model/moe.h), matmul scratch and logits
// for batches of plan.n_batch tokens.
uint64_t compute_bytes(const ModelShape& shape, const MemoryPlan& plan);

}  // namespace hearth::hw
