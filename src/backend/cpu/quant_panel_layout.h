#pragma once
// Byte offsets inside a panel (the layouts quant_panel.h describes), shared
// by the packer (quant_panel.cpp) and the kernels (quant_panel_avx512vnni.cpp).
#include <cstddef>
#include <cstdint>

namespace hearth::backend::cpu::panel_layout {

// Blocks of 32, in pairs: both blocks' f16 scales (32 bytes each), for
// q4_1 and q5_1 then both blocks' f16 mins (scale_bytes 128 rather than
// 64), then both blocks' levels (level_bytes each).
constexpr size_t kQ4_0Levels = 256, kQ5_0Levels = 320, kQ8_0Levels = 512;
constexpr size_t kScales = 64, kScalesAndMins = 128;
constexpr size_t pair_bytes(size_t level_bytes, size_t scale_bytes) { return scale_bytes + 2 * level_bytes; }
constexpr size_t scales_at(size_t level_bytes, size_t scale_bytes, int64_t b) {
  return static_cast<size_t>(b / 2) * pair_bytes(level_bytes, scale_bytes) + 32 * static_cast<size_t>(b % 2);
}
constexpr size_t mins_at(size_t level_bytes, size_t scale_bytes, int64_t b) {
  return scales_at(level_bytes, scale_bytes, b) + 64;
}
constexpr size_t levels_at(size_t level_bytes, size_t scale_bytes, int64_t b) {
  return static_cast<size_t>(b / 2) * pair_bytes(level_bytes, scale_bytes) + scale_bytes +
         level_bytes * static_cast<size_t>(b % 2);
}

// q4_K and q5_K, per super-block of 256: the same 320 bytes of scales and
// mins first, then the levels: vector s (0..7) of the nibbles of chunk c
// (0..3) and, for q5_K, of the fifth bits, interleaved with chunk 0's
// nibbles as the kernel first reads them.
constexpr size_t kQ4KBytes = 2368, kQ5KBytes = 2880;
constexpr size_t kQ4KD = 0, kQ4KDmin = 32, kQ4KScale = 64, kQ4KMin = 192;
constexpr size_t q4K_low_at(int c, int s) { return 320 + 512 * static_cast<size_t>(c) + 64 * static_cast<size_t>(s); }
constexpr size_t q5K_high_at(int s) { return 320 + 128 * static_cast<size_t>(s) + 64; }
constexpr size_t q5K_low_at(int c, int s) {
  return c == 0 ? 320 + 128 * static_cast<size_t>(s) : 832 + 512 * static_cast<size_t>(c) + 64 * static_cast<size_t>(s);
}

// q2_K, per super-block of 256: f16 d[16], f16 dmin[16], u8 scale[16][16]
// (group of 16, row), u8 min[8][16][2] (mins 2i and 2i+1 of row r side by
// side), then per half h of 128 elements 8 vectors of 2-bit levels: vector
// s byte 4r+e = row r's qs byte 32h+4s+e, whose bit pair j belongs to
// sub-block 4h+j (elements 128h+32j+4s+e).
constexpr size_t kQ2KBytes = 1600;
constexpr size_t kQ2KD = 0, kQ2KDmin = 32, kQ2KScale = 64, kQ2KMin = 320;
constexpr size_t q2K_levels_at(int h, int s) { return 576 + 512 * static_cast<size_t>(h) + 64 * static_cast<size_t>(s); }

// iq4_xs, per super-block of 256: f16 d[16], 32 zero bytes, i8 scale[8][16]
// (ls - 32 of sub-block j, row), then sub-block j's 4 nibble vectors (as
// q4_0's) at iq4XS_levels_at(j).
constexpr size_t kIQ4XSBytes = 2240;
constexpr size_t kIQ4XSD = 0, kIQ4XSScale = 64;
constexpr size_t iq4XS_levels_at(int j) { return 192 + 256 * static_cast<size_t>(j); }

// q6_K, per super-block of 256: vector s (0..7) of the top bits of half g
// and of the nibbles of chunk c, in the order the kernel first reads them:
// per half g, the nibbles of chunk 2g and the top bits alternating, then the
// nibbles of chunk 2g + 1.
constexpr size_t kQ6KBytes = 3392;
constexpr size_t kQ6KScale = 0, kQ6KD = 256;
constexpr size_t q6K_high_at(int g, int s) { return 320 + 1536 * static_cast<size_t>(g) + 128 * static_cast<size_t>(s) + 64; }
constexpr size_t q6K_low_at(int c, int s) {
  return 320 + 1536 * static_cast<size_t>(c / 2) + (c % 2 ? 1024 + 64 * static_cast<size_t>(s) : 128 * static_cast<size_t>(s));
}

}  // namespace hearth::backend::cpu::panel_layout
