#pragma once
// GGUF v2/v3 reader. Every count, string length, dimension, type and offset is
// checked against the file's size before use; a bad file gives a hearth::Error
// naming the problem and its byte offset, never a crash.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/mapped_file.h"
#include "gguf/value.h"
#include "tensor/dtype.h"

namespace hearth::gguf {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" little-endian
constexpr uint64_t kDefaultAlignment = 32;

struct TensorInfo {
  std::string name;
  tensor::DType type;
  std::vector<int64_t> dims;  // ne[0] first: ne[0] is the contiguous row length
  uint64_t offset = 0;        // relative to the start of the tensor data section
  uint64_t nbytes = 0;        // computed from type and dims

  int64_t n_elements() const;
};

// Hash for string-keyed maps that are searched with a string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class File {
 public:
  // Maps and parses path. Throws hearth::Error ("'<path>': <problem>").
  static File open(const std::string& path);
  // Parses bytes the caller keeps alive (for tests and the fuzzer).
  static File parse(std::span<const uint8_t> bytes, const std::string& name = "<memory>");

  uint32_t version() const { return version_; }
  const std::string& path() const { return name_; }
  uint64_t alignment() const { return alignment_; }
  // Absolute start of tensor data: the end of the tensor infos rounded up to
  // the alignment. A file without tensors may end before it (writers that
  // pad only when data follows), so it can exceed bytes().size().
  uint64_t data_offset() const { return data_offset_; }
  std::span<const uint8_t> bytes() const { return bytes_; }

  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const Value* find(std::string_view key) const;
  // Typed look-ups: the *_or forms return fallback when the key is absent and
  // throw when it is present with an incompatible type.
  std::string get_string(std::string_view key) const;  // throws when absent
  std::optional<std::string> find_string(std::string_view key) const;
  uint64_t get_uint(std::string_view key) const;        // throws when absent
  uint64_t get_uint_or(std::string_view key, uint64_t fallback) const;
  double get_double_or(std::string_view key, double fallback) const;
  bool get_bool_or(std::string_view key, bool fallback) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  // Pointer to the tensor's bytes inside the file (validated at parse time).
  const uint8_t* tensor_data(const TensorInfo& info) const;

 private:
  std::shared_ptr<MappedFile> mapping_;  // empty for parse()
  std::span<const uint8_t> bytes_;
  std::string name_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<TensorInfo> tensors_;
  using Index = std::unordered_map<std::string, size_t, StringHash, std::equal_to<>>;
  Index key_index_;     // key -> index in metadata_
  Index tensor_index_;  // name -> index in tensors_

  friend class Parser;
  friend class Writer;  // from_file keeps the mapping alive while it is written out
};

}  // namespace hearth::gguf
