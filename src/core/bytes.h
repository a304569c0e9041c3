#pragma once
// Unaligned reads and writes of little-endian fields in byte buffers (GGUF
// block layouts): through memcpy, so no alignment or packed structs needed.
#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace hearth {

static_assert(std::endian::native == std::endian::little, "block fields are read as native little-endian");

template <typename T>
inline T load_le(const uint8_t* p) {
  static_assert(std::is_trivially_copyable_v<T>);
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <typename T>
inline void store_le(uint8_t* p, T v) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::memcpy(p, &v, sizeof v);
}

}  // namespace hearth
