#include "convert/quantize.h"

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "convert/plan.h"
#include "core/error.h"
#include "gguf/file.h"
#include "gguf/writer.h"
#include "tensor/dequantize.h"

namespace hearth::convert {

namespace {

using tensor::DType;

int64_t element_count(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

}  // namespace

std::string format_size(uint64_t n) {
  char buf[32];
  if (n < 1024)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else if (n < (1ull << 20))
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(n) / 1024.0);
  else if (n < (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(n) / 1048576.0);
  else
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(n) / 1073741824.0);
  return buf;
}

std::string format_report(const TensorReport& r, bool generated) {
  std::string dims = "[";
  for (size_t i = 0; i < r.dims.size(); ++i) dims += (i ? ", " : "") + std::to_string(r.dims[i]);
  dims += "]";
  const char* from = generated ? "random" : tensor::dtype_info(r.from).name;
  char buf[512];
  std::snprintf(buf, sizeof buf, "[%4zu/%4zu] %-32s %-16s %6s -> %-7s %10s -> %-10s", r.index, r.count,
                r.name.c_str(), dims.c_str(), from, tensor::dtype_info(r.to).name, format_size(r.bytes_from).c_str(),
                format_size(r.bytes_to).c_str());
  std::string line = buf;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  if (!r.why.empty()) line += "  (" + r.why + ")";
  return line;
}

void convert_rows(ThreadPool& pool, DType from, const uint8_t* src, DType to, uint8_t* dst, int64_t n_per_row,
                  int64_t n_rows) {
  if (n_rows <= 0 || n_per_row <= 0) return;
  const size_t src_row = tensor::row_bytes(from, n_per_row);
  const size_t dst_row = tensor::row_bytes(to, n_per_row);
  pool.run([&](int ith, int nth) {
    int64_t begin = 0, end = 0;
    ThreadPool::split(n_rows, ith, nth, begin, end);
    if (begin >= end) return;
    std::vector<float> row(static_cast<size_t>(n_per_row));
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* s = src + static_cast<size_t>(r) * src_row;
      const float* x;
      if (from == DType::F32 && reinterpret_cast<uintptr_t>(s) % alignof(float) == 0) {
        x = reinterpret_cast<const float*>(s);
      } else {
        tensor::dequantize_row(from, s, row.data(), n_per_row);
        x = row.data();
      }
      tensor::quantize_row(to, x, dst + static_cast<size_t>(r) * dst_row, n_per_row);
    }
  });
}

QuantizeResult quantize_file(const std::string& in_path, const std::string& out_path, const Mix& mix,
                             const QuantizeOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (in_path == out_path || (fs::exists(out_path, ec) && fs::equivalent(in_path, out_path, ec)))
    fail("refusing to overwrite the input file '", in_path, "': give a different output path");

  const gguf::File file = gguf::File::open(in_path);
  const ModelInfo model = ModelInfo::from_gguf(file);
  std::vector<PlanTensor> tensors;
  tensors.reserve(file.tensors().size());
  for (const gguf::TensorInfo& t : file.tensors()) tensors.push_back({t.name, t.type, t.dims});
  const std::vector<Choice> plan = plan_types(mix, model, tensors);

  // Refuse before writing anything.
  for (size_t i = 0; i < tensors.size(); ++i) {
    const gguf::TensorInfo& t = file.tensors()[i];
    if (plan[i].type == t.type) continue;
    if (!tensor::can_dequantize(t.type))
      fail("'", in_path, "': tensor '", t.name, "' has type ", tensor::dtype_info(t.type).name,
           ", which hearth cannot convert");
    if (!tensor::can_quantize(plan[i].type))
      fail("tensor '", t.name, "': hearth cannot write type ", tensor::dtype_info(plan[i].type).name);
  }

  gguf::Writer writer(3);
  for (const gguf::KeyValue& kv : file.metadata()) {
    if (kv.key == "split.no" || kv.key == "split.count" || kv.key == "split.tensors.count") continue;
    writer.set(kv.key, kv.value);
  }
  writer.set("general.quantization_version", gguf::Value{uint32_t{kQuantizationVersion}});
  writer.set("general.file_type", gguf::Value{uint32_t{mix.ftype}});

  ThreadPool pool(options.threads > 0 ? options.threads : ThreadPool::default_threads());
  QuantizeResult result;
  result.n_tensors = tensors.size();
  for (size_t i = 0; i < tensors.size(); ++i) {
    const gguf::TensorInfo& t = file.tensors()[i];
    const DType to = plan[i].type;
    const int64_t n_per_row = t.dims[0];
    const int64_t n_rows = n_per_row > 0 ? element_count(t.dims) / n_per_row : 0;
    TensorReport report;
    report.index = i + 1;
    report.count = tensors.size();
    report.name = t.name;
    report.dims = t.dims;
    report.from = t.type;
    report.to = to;
    report.bytes_from = t.nbytes;
    report.bytes_to = static_cast<uint64_t>(tensor::row_bytes(to, n_per_row)) * static_cast<uint64_t>(n_rows);
    report.why = plan[i].why;
    result.bytes_in += report.bytes_from;
    result.bytes_out += report.bytes_to;
    if (to != t.type) ++result.n_converted;
    const uint8_t* src = file.tensor_data(t);
    writer.add_tensor(t.name, to, t.dims,
                      [&pool, &options, report, src, n_per_row, n_rows](uint8_t* dst, size_t nbytes) {
                        if (report.from == report.to) {
                          if (nbytes) std::memcpy(dst, src, nbytes);
                        } else {
                          convert_rows(pool, report.from, src, report.to, dst, n_per_row, n_rows);
                        }
                        if (options.on_tensor) options.on_tensor(report);
                      });
  }
  writer.write(out_path);
  return result;
}

}  // namespace hearth::convert
