#include "backend/cpu/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <utility>

#include "core/aligned_bytes.h"
#include "core/error.h"
#include "core/half.h"
#include "tensor/dequantize.h"

namespace hearth::backend::cpu {

using tensor::DType;

namespace {

constexpr int64_t kQ8Block = 32;
constexpr size_t kQ8BlockBytes = 34;

// 64-byte aligned memory that only ever grows.
class GrowBuffer {
 public:
  template <class T>
  T* get(size_t n) {
    return reinterpret_cast<T*>(bytes_.reserve(n * sizeof(T), "attention scratch"));
  }

 private:
  AlignedBytes bytes_;
};

const char* type_name(DType t) { return tensor::dtype_info(t).name; }

}  // namespace

struct CpuAttention::Scratch {
  GrowBuffer q_f32, q_q8, scores, acc, max, sum, k_f32, v_f32;
};

// What one attention call works on, shared by its jobs.
struct CpuAttention::Call {
  const TensorView& q;
  const TensorView& k;
  const TensorView& v;
  const TensorView& out;
  const AttentionSpan& span;
  int64_t head_dim, group;
  float scale;
  float softcap;  // 0: none
  DType type;
  // Q8_0 K with heads of whole blocks: integer dot products.
  bool k_integer;
  // Q8_0: the blocks holding KV head g's slice of a row are [head_block(g),
  // head_block(g) + head_blocks(g)), the slice starting slice_offset(g)
  // elements into them.
  int64_t head_block(int64_t g) const { return g * head_dim / kQ8Block; }
  int64_t head_blocks(int64_t g) const { return ((g + 1) * head_dim + kQ8Block - 1) / kQ8Block - head_block(g); }
  int64_t slice_offset(int64_t g) const { return g * head_dim - head_block(g) * kQ8Block; }
};

CpuAttention::CpuAttention(const QuantKernels& quant)
    : kernels_(attention_kernels_for(quant.level)), quant_(quant) {}

CpuAttention::~CpuAttention() = default;

void CpuAttention::store_rows(const TensorView& src, std::span<const int32_t> cells, const TensorView& cache) const {
  if (src.type != DType::F32) fail("store_rows: source must be f32, got ", type_name(src.type));
  const int64_t width = src.ne[0];
  if (cache.ne[0] != width) fail("store_rows: row width ", width, " does not match the cache's ", cache.ne[0]);
  if (static_cast<int64_t>(cells.size()) > src.n_rows())
    fail("store_rows: ", cells.size(), " cells for ", src.n_rows(), " rows");
  if (cache.type != DType::F32 && cache.type != DType::F16 && cache.type != DType::Q8_0)
    fail("store_rows: cache type ", type_name(cache.type), " is not supported (f32, f16 or q8_0)");
  if (cache.type == DType::Q8_0 && width % kQ8Block)
    fail("store_rows: a q8_0 cache needs a row width that is a multiple of 32, got ", width);
  for (size_t t = 0; t < cells.size(); ++t) {
    if (cells[t] < 0 || cells[t] >= cache.n_rows()) fail("store_rows: cell ", cells[t], " out of range");
    const float* in = src.row<const float>(static_cast<int64_t>(t));
    switch (cache.type) {
      case DType::F32:
        std::memcpy(cache.row<float>(cells[t]), in, width * sizeof(float));
        break;
      case DType::F16: {
        uint16_t* o = cache.row<uint16_t>(cells[t]);
        for (int64_t i = 0; i < width; ++i) o[i] = f32_to_f16(in[i]);
        break;
      }
      default:
        tensor::quantize_row(DType::Q8_0, in, cache.row<void>(cells[t]), width);
    }
  }
}

void CpuAttention::run(ThreadPool& pool, const TensorView& q, const TensorView& k_cache, const TensorView& v_cache,
                       const AttentionSpan& span, int n_kv_heads, float scale, const TensorView& out,
                       float softcap) {
  if (q.type != DType::F32) fail("attention: q must be f32, got ", type_name(q.type));
  if (out.type != DType::F32) fail("attention: output must be f32, got ", type_name(out.type));
  const int64_t head_dim = q.ne[0], n_heads = q.ne[1], T = q.ne[2];
  if (n_kv_heads <= 0 || n_heads % n_kv_heads) fail("attention: ", n_heads, " heads do not group into ", n_kv_heads);
  const DType type = k_cache.type;
  if (v_cache.type != type || (type != DType::F32 && type != DType::F16 && type != DType::Q8_0))
    fail("attention: K and V caches must both be f32, f16 or q8_0 (got ", type_name(type), " and ",
         type_name(v_cache.type), ")");
  const int64_t width = head_dim * n_kv_heads;
  if (k_cache.ne[0] != width || v_cache.ne[0] != width || k_cache.n_rows() != v_cache.n_rows())
    fail("attention: caches of rows ", k_cache.ne[0], " and ", v_cache.ne[0], " for ", n_kv_heads, " KV heads of ",
         head_dim);
  if (type == DType::Q8_0 && width % kQ8Block) fail("attention: q8_0 cache rows of ", width, " are not whole blocks");
  if (out.ne[0] != head_dim * n_heads || out.n_rows() != T)
    fail("attention: output ", out.ne[0], "x", out.n_rows(), " for ", n_heads, " heads of ", head_dim, " x ", T);
  if (static_cast<int64_t>(span.cell_begin.size()) != T || static_cast<int64_t>(span.cell_end.size()) != T)
    fail("attention: spans for ", span.cell_begin.size(), " tokens, batch of ", T);
  for (int64_t t = 0; t < T; ++t)
    if (span.cell_begin[t] < 0 || span.cell_begin[t] > span.cell_end[t] || span.cell_end[t] > k_cache.n_rows())
      fail("attention: token ", t, " attends to cells [", span.cell_begin[t], ", ", span.cell_end[t], ") of ",
           k_cache.n_rows());
  if (T == 0) return;

  const int64_t group = n_heads / n_kv_heads;
  const Call call{q, k_cache, v_cache, out, span, head_dim, group, scale, softcap, type,
                  type == DType::Q8_0 && head_dim % kQ8Block == 0};

  // Chunks of consecutive tokens whose spans start and end within a block of
  // each other (a prompt's tokens, also under a sliding window), so that
  // little of a chunk's union of spans is wasted on any one token.
  const int64_t chunk_tokens = std::max<int64_t>(1, kMaxChunkRows / group);
  auto near = [](int32_t a, int32_t b) { return std::abs(static_cast<int64_t>(a) - b) <= kBlockCells; };
  chunks_.clear();
  for (int64_t t = 0; t < T;) {
    int64_t e = t + 1;
    while (e < T && e - t < chunk_tokens && near(span.cell_begin[e], span.cell_begin[t]) &&
           near(span.cell_end[e], span.cell_end[t]))
      ++e;
    chunks_.push_back(Chunk{t, e});
    t = e;
  }

  while (scratch_.size() < static_cast<size_t>(pool.size())) scratch_.push_back(std::make_unique<Scratch>());
  // Jobs are taken in turn by whichever thread is free, latest chunks (the
  // longest spans of a causal prompt) first.
  const int64_t n_jobs = static_cast<int64_t>(chunks_.size()) * n_kv_heads;
  std::atomic<int64_t> next{0};
  pool.run([&](int ith, int) {
    Scratch& scratch = *scratch_[ith];
    for (int64_t job; (job = next.fetch_add(1, std::memory_order_relaxed)) < n_jobs;) {
      const Chunk& chunk = chunks_[chunks_.size() - 1 - static_cast<size_t>(job / n_kv_heads)];
      run_job(call, chunk, job % n_kv_heads, scratch);
    }
  });
}

void CpuAttention::run_job(const Call& c, const Chunk& chunk, int64_t g, Scratch& sc) const {
  const int64_t d = c.head_dim, group = c.group;
  const int nq = static_cast<int>((chunk.t_end - chunk.t_begin) * group);
  // Query row i: token t_begin + i / group, head g * group + i % group.
  auto q_row = [&](int i) {
    const int64_t t = chunk.t_begin + i / group, h = g * group + i % group;
    return reinterpret_cast<const float*>(static_cast<const char*>(c.q.data) + t * c.q.nb[2] + h * c.q.nb[1]);
  };
  auto row_begin = [&](int i) { return c.span.cell_begin[chunk.t_begin + i / group]; };
  auto row_end = [&](int i) { return c.span.cell_end[chunk.t_begin + i / group]; };
  // The union of the chunk's spans (empty spans aside).
  int32_t cell_begin = std::numeric_limits<int32_t>::max(), cell_end = 0;
  for (int64_t t = chunk.t_begin; t < chunk.t_end; ++t)
    if (c.span.cell_begin[t] < c.span.cell_end[t]) {
      cell_begin = std::min(cell_begin, c.span.cell_begin[t]);
      cell_end = std::max(cell_end, c.span.cell_end[t]);
    }

  constexpr int64_t B = kBlockCells;
  float* const s = sc.scores.get<float>(static_cast<size_t>(nq) * B);
  float* const acc = sc.acc.get<float>(static_cast<size_t>(nq) * d);
  float* const m = sc.max.get<float>(nq);
  float* const l = sc.sum.get<float>(nq);
  std::fill(acc, acc + static_cast<size_t>(nq) * d, 0.0f);
  std::fill(m, m + nq, -std::numeric_limits<float>::infinity());
  std::fill(l, l + nq, 0.0f);

  // Queries in the form K's dot product takes: q8_0 rows for integer dots,
  // else f32 rows at one stride.
  const size_t q8_row = act_row_bytes(ActType::Q8_0, d);
  uint8_t* q8 = nullptr;
  float* qf = nullptr;
  if (c.k_integer) {
    q8 = sc.q_q8.get<uint8_t>(q8_row * nq);
    const QuantizeActFn quantize = quant_.quantize[static_cast<int>(ActType::Q8_0)];
    for (int i = 0; i < nq; ++i) quantize(q_row(i), d, q8 + i * q8_row);
  } else {
    qf = sc.q_f32.get<float>(static_cast<size_t>(nq) * d);
    for (int i = 0; i < nq; ++i) std::memcpy(qf + i * d, q_row(i), d * sizeof(float));
  }
  // F16 and Q8_0 rows are widened to f32 a block at a time, row_elems floats
  // per cell; a Q8_0 head's slice starts slice_offset(g) into its blocks.
  const int64_t slice_blocks = c.type == DType::Q8_0 ? c.head_blocks(g) : 0;
  const int64_t row_elems = c.type == DType::Q8_0 ? slice_blocks * kQ8Block : d;
  const bool widen_k = c.type == DType::F16 || (c.type == DType::Q8_0 && !c.k_integer);
  float* const kf = widen_k ? sc.k_f32.get<float>(B * row_elems) : nullptr;
  float* const vf = c.type != DType::F32 ? sc.v_f32.get<float>(B * row_elems) : nullptr;
  const int64_t kv_off = g * d;
  // Rows c0 .. c0 + nc of KV head g as f32: (first row, stride).
  auto f32_rows = [&](const TensorView& cache, int64_t c0, int nc, float* buffer) -> std::pair<const float*, int64_t> {
    switch (c.type) {
      case DType::F32:
        return {cache.row<const float>(c0) + kv_off, static_cast<int64_t>(cache.nb[1] / sizeof(float))};
      case DType::F16:
        for (int j = 0; j < nc; ++j) kernels_.widen_f16(cache.row<const uint16_t>(c0 + j) + kv_off, d, buffer + j * d);
        return {buffer, d};
      default: {
        const size_t first = static_cast<size_t>(c.head_block(g)) * kQ8BlockBytes;
        for (int j = 0; j < nc; ++j)
          kernels_.dequantize_q8_0(cache.row<const uint8_t>(c0 + j) + first, slice_blocks, buffer + j * row_elems);
        return {buffer + c.slice_offset(g), row_elems};
      }
    }
  };

  // Blocks lie on a fixed grid of cells (multiples of B), and a block's
  // scores sit at the columns of their cells within it, so that each query
  // row meets the same blocks, with its cells in the same vector lanes,
  // whichever chunk it is in: a token's output does not depend on the other
  // tokens of the call. Only the cells of the chunk's union are computed.
  for (int64_t g0 = cell_begin / B * B; g0 < cell_end; g0 += B) {
    const int64_t c0 = std::max<int64_t>(g0, cell_begin);
    const int nc = static_cast<int>(std::min<int64_t>(g0 + B, cell_end) - c0);
    const int off = static_cast<int>(c0 - g0);
    float* const sb = s + off;

    // Scores of the block: s[i * B + (cell - g0)] = K row cell . q row i.
    if (c.k_integer) {
      const uint8_t* k0 = c.k.row<const uint8_t>(c0) + static_cast<size_t>(c.head_block(g)) * kQ8BlockBytes;
      kernels_.scores_q8_0(k0, c.k.nb[1], nc, q8, q8_row, nq, d, sb, B);
    } else {
      const auto [k_rows, k_stride] = f32_rows(c.k, c0, nc, kf);
      kernels_.scores(k_rows, k_stride, nc, qf, d, nq, d, sb, B);
    }

    // Per query row: the block's max, one rescale of the accumulator when it
    // grew, then probabilities exp(score - max); cells outside the row's span
    // (those of the chunk's other tokens) get probability 0.
    for (int i = 0; i < nq; ++i) {
      float* si = s + i * B;
      const int lo = static_cast<int>(std::clamp<int64_t>(row_begin(i) - g0, off, off + nc));
      const int hi = std::max(lo, static_cast<int>(std::clamp<int64_t>(row_end(i) - g0, off, off + nc)));
      float block_max = -std::numeric_limits<float>::infinity();
      for (int j = lo; j < hi; ++j) {
        si[j] *= c.scale;
        if (c.softcap > 0.0f) si[j] = c.softcap * std::tanh(si[j] / c.softcap);
        block_max = std::max(block_max, si[j]);
      }
      if (block_max > m[i]) {
        const float correction = std::exp(m[i] - block_max);
        float* ai = acc + i * d;
        for (int64_t e = 0; e < d; ++e) ai[e] *= correction;
        l[i] *= correction;
        m[i] = block_max;
      }
      if (hi > lo) l[i] += kernels_.exp_sum(si + lo, hi - lo, m[i]);
      std::fill(si + off, si + lo, 0.0f);
      std::fill(si + hi, si + off + nc, 0.0f);
    }

    // acc[i] += sum_j p[i][j] * V row c0 + j.
    const auto [v_rows, v_stride] = f32_rows(c.v, c0, nc, vf);
    kernels_.accumulate(v_rows, v_stride, nc, sb, B, nq, d, acc, d);
  }

  for (int i = 0; i < nq; ++i) {
    const int64_t t = chunk.t_begin + i / group, h = g * group + i % group;
    float* o = c.out.row<float>(t) + h * d;
    const float inv = l[i] > 0.0f ? 1.0f / l[i] : 0.0f;
    for (int64_t e = 0; e < d; ++e) o[e] = acc[i * d + e] * inv;
  }
}

}  // namespace hearth::backend::cpu
