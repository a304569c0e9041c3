#pragma once
// GGUF v3 writer. Writes metadata in the order given, then tensor infos and
// data in the order added, each tensor's data padded to the alignment with
// zero bytes. The file appears atomically: it is written to a temporary name
// beside the target, flushed, and renamed.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "gguf/value.h"
#include "tensor/dtype.h"

namespace hearth::gguf {

class File;

class Writer {
 public:
  explicit Writer(uint32_t version = 3);

  // Adds or replaces a key (a replaced key keeps its position).
  void set(const std::string& key, Value value);
  // `general.alignment` set through set() is honoured for the data layout.

  // Adds a tensor whose bytes are produced later by fill(dst, nbytes), so a
  // model larger than memory can be streamed to disk.
  using Fill = std::function<void(uint8_t* dst, size_t nbytes)>;
  void add_tensor(const std::string& name, tensor::DType type, std::vector<int64_t> dims, Fill fill);
  // Adds a tensor copied from bytes (which must be row_bytes-sized).
  void add_tensor(const std::string& name, tensor::DType type, std::vector<int64_t> dims,
                  std::span<const uint8_t> bytes);

  // Whether a file without tensors still has its header padded to the
  // alignment. Writers differ: gguf-py (which wrote the vocabulary files
  // llama.cpp ships) ends such a file right after the metadata, others pad.
  // Default: no padding. from_file keeps the source file's choice.
  void set_pad_empty_data(bool pad) { pad_empty_data_ = pad; }

  // Writes the file. Throws hearth::Error; on failure no file is left at path.
  void write(const std::string& path) const;
  // The file's bytes in memory (for tests).
  std::vector<uint8_t> to_bytes() const;

  // A writer holding everything of `file` (metadata, tensors with their data),
  // in the same order: writing it back reproduces a canonical file byte for byte.
  static Writer from_file(const File& file);

 private:
  struct Tensor {
    std::string name;
    tensor::DType type;
    std::vector<int64_t> dims;
    size_t nbytes;
    Fill fill;
  };
  uint64_t alignment() const;
  // Header, metadata, tensor infos and the padding before the data section.
  std::vector<uint8_t> encode_head() const;

  uint32_t version_;
  std::vector<KeyValue> metadata_;
  std::vector<Tensor> tensors_;
  bool pad_empty_data_ = false;
};

}  // namespace hearth::gguf
