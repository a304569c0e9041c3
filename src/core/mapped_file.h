#pragma once
// A read-only memory mapping of a whole file. Model weights are used straight
// from the mapping; the page cache holds them once however many sessions run.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace hearth {

class MappedFile {
 public:
  // Throws hearth::Error naming the path and the system's reason.
  static MappedFile open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace hearth
