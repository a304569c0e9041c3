#pragma once
// Heap bytes for large working data (packed weights, KV caches, scratch):
// 64-byte aligned. From 2 MiB up they are mapped on their own, 2 MiB
// aligned, and marked for transparent huge pages: a model's weights are
// streamed once per token, and on 4 KiB pages every 4 KiB of that stream
// costs a TLB miss (a nested page walk in a VM); on 2 MiB pages decode reads
// 5-15 % faster (bench_quant_matmul). Move-only.
#include <cstddef>
#include <cstdint>

namespace hearth {

class AlignedBytes {
 public:
  AlignedBytes() = default;
  // n bytes, contents unspecified (none when n is 0); throws hearth::Error
  // "out of memory: N bytes of WHAT" when the memory is not there.
  AlignedBytes(size_t n, const char* what);
  ~AlignedBytes();
  AlignedBytes(AlignedBytes&& other) noexcept;
  AlignedBytes& operator=(AlignedBytes&& other) noexcept;
  AlignedBytes(const AlignedBytes&) = delete;
  AlignedBytes& operator=(const AlignedBytes&) = delete;

  uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  // At least n bytes, reallocated when larger than size() (contents are not
  // kept); returns data().
  uint8_t* reserve(size_t n, const char* what);

 private:
  void release();
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_ = 0;  // bytes mapped by mmap, 0 when from aligned_alloc
};

}  // namespace hearth
