#include "core/aligned_bytes.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

#include "core/error.h"

namespace hearth {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// n bytes (a multiple of the page size) at a 2 MiB boundary: map n + 2 MiB
// and unmap what lies outside the aligned range.
uint8_t* map_huge_aligned(size_t n) {
  const size_t over = n + kHugePage;
  void* p = mmap(nullptr, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t aligned = round_up(start, kHugePage);
  if (aligned > start) munmap(p, aligned - start);
  const size_t tail = start + over - (aligned + n);
  if (tail) munmap(reinterpret_cast<void*>(aligned + n), tail);
  auto* data = reinterpret_cast<uint8_t*>(aligned);
  // Advice only: where THP is off the bytes stay on small pages.
  madvise(data, n, MADV_HUGEPAGE);
  return data;
}

}  // namespace

AlignedBytes::AlignedBytes(size_t n, const char* what) : size_(n) {
  if (n == 0) return;
  if (n >= kHugePage) {
    mapped_ = round_up(n, static_cast<size_t>(sysconf(_SC_PAGESIZE)));
    data_ = map_huge_aligned(mapped_);
    if (!data_) mapped_ = 0;
  } else {
    data_ = static_cast<uint8_t*>(std::aligned_alloc(64, round_up(n, 64)));
  }
  if (!data_) {
    size_ = 0;
    fail("out of memory: ", n, " bytes of ", what);
  }
}

AlignedBytes::~AlignedBytes() { release(); }

AlignedBytes::AlignedBytes(AlignedBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)) {}

AlignedBytes& AlignedBytes::operator=(AlignedBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

uint8_t* AlignedBytes::reserve(size_t n, const char* what) {
  if (n > size_) {
    release();
    *this = AlignedBytes(n, what);
  }
  return data_;
}

void AlignedBytes::release() {
  if (mapped_) munmap(data_, mapped_);
  else std::free(data_);
  data_ = nullptr, size_ = 0, mapped_ = 0;
}

}  // namespace hearth
