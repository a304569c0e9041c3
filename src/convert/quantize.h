#pragma once
// Rewrites a GGUF model with the tensor types of a quantization mix: tensors
// are dequantized to f32 row by row and quantized to their planned type
// (convert/plan.h), streamed tensor by tensor into a file that appears
// atomically. Metadata is copied in order, with general.file_type set to the
// mix's llama.cpp file type and general.quantization_version to 2 (split
// keys are dropped).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "convert/mix.h"
#include "core/thread_pool.h"
#include "tensor/dtype.h"

namespace hearth::convert {

constexpr uint32_t kQuantizationVersion = 2;  // ggml's GGML_QNT_VERSION

// One line of the log: a tensor as it was written.
struct TensorReport {
  size_t index = 0, count = 0;  // 1-based position, number of tensors
  std::string name;
  std::vector<int64_t> dims;
  tensor::DType from, to;
  uint64_t bytes_from = 0, bytes_to = 0;
  std::string why;  // the plan's reason, empty for the default type
};

// "[  3/ 48] blk.0.attn_q.weight  [64, 64]  f32 -> q8_0  16.0 KiB -> 4.2 KiB  (why)";
// generated tensors show "random" as their old type.
std::string format_report(const TensorReport& report, bool generated);
// "512 B", "4.2 KiB", "1.50 MiB", "2.31 GiB".
std::string format_size(uint64_t bytes);

struct QuantizeOptions {
  int threads = 0;  // 0: ThreadPool::default_threads()
  std::function<void(const TensorReport&)> on_tensor;
};

struct QuantizeResult {
  size_t n_tensors = 0, n_converted = 0;
  uint64_t bytes_in = 0, bytes_out = 0;  // tensor data, before and after
};

// Throws hearth::Error for an unreadable input, an output path that is the
// input file, or a tensor whose type cannot be converted; no output file is
// left behind on failure.
QuantizeResult quantize_file(const std::string& in_path, const std::string& out_path, const Mix& mix,
                             const QuantizeOptions& options = {});

// Converts n_rows rows of n_per_row elements from type `from` at src to type
// `to` at dst (through f32), the rows split over the pool's threads.
void convert_rows(ThreadPool& pool, tensor::DType from, const uint8_t* src, tensor::DType to, uint8_t* dst,
                  int64_t n_per_row, int64_t n_rows);

}  // namespace hearth::convert
