// Packing weight rows into panels and back, and the panel kernels'
// activation terms (layouts in quant_panel.h). Plain scalar code: packing
// runs once per weight, the terms once per activation row.
#include "backend/cpu/quant_panel.h"

#include <cstring>

#include "backend/cpu/quant_panel_layout.h"
#include "core/bytes.h"
#include "core/error.h"

namespace hearth::backend::cpu {

using tensor::DType;

namespace {

constexpr size_t round64(size_t n) { return (n + 63) / 64 * 64; }

using namespace panel_layout;

// Blocks of 32: bytes of a block's levels in a panel (0: not such a type).
size_t levels_bytes32(DType w) {
  switch (w) {
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::IQ4_NL: return kQ4_0Levels;
    case DType::Q5_0:
    case DType::Q5_1: return kQ5_0Levels;
    case DType::Q8_0: return kQ8_0Levels;
    default: return 0;
  }
}

// Blocks of 32 with a min as well as a scale (level 0 is the min).
bool has_min32(DType w) { return w == DType::Q4_1 || w == DType::Q5_1; }
size_t scale_bytes32(DType w) { return has_min32(w) ? kScalesAndMins : kScales; }

// Byte e of row r in the panel vector at v.
inline uint8_t& lane(uint8_t* v, int r, int e) { return v[4 * r + e]; }

// The level offset of a 32-block type, taken back through the activation sums.
int bias32(DType w) {
  switch (w) {
    case DType::Q4_0: return 8;
    case DType::Q5_0: return 16;
    case DType::Q8_0:
    case DType::IQ4_NL: return 128;
    default: fail("panel: no bias for ", tensor::dtype_info(w).name);
  }
}

// q4_0, q4_1, q5_0, q5_1 and iq4_nl share the nibble vectors: vector j byte
// 4r+e = qs byte 4j+e.
void pack_nibbles16(const uint8_t* qs, int r, uint8_t* v) {
  for (int j = 0; j < 4; ++j) std::memcpy(&lane(v + 64 * j, r, 0), qs + 4 * j, 4);
}
void unpack_nibbles16(const uint8_t* v, int r, uint8_t* qs) {
  for (int j = 0; j < 4; ++j)
    for (int e = 0; e < 4; ++e) qs[4 * j + e] = v[64 * j + 4 * r + e];
}

// q5_0 and q5_1: the nibbles, then 1 vector whose byte 4r+e has at bit s
// the fifth bit of element 4s+e (bit 4s+e of the u32 qh).
void pack_five(const uint8_t* qh_at, const uint8_t* qs, int r, uint8_t* v) {
  pack_nibbles16(qs, r, v);
  const uint32_t qh = load_le<uint32_t>(qh_at);
  for (int e = 0; e < 4; ++e) {
    uint8_t bits = 0;
    for (int s = 0; s < 8; ++s) bits |= static_cast<uint8_t>(((qh >> (4 * s + e)) & 1) << s);
    lane(v + kQ4_0Levels, r, e) = bits;
  }
}
void unpack_five(const uint8_t* v, int r, uint8_t* qh_at, uint8_t* qs) {
  unpack_nibbles16(v, r, qs);
  uint32_t qh = 0;
  for (int e = 0; e < 4; ++e)
    for (int s = 0; s < 8; ++s) qh |= static_cast<uint32_t>((v[kQ4_0Levels + 4 * r + e] >> s) & 1) << (4 * s + e);
  store_le<uint32_t>(qh_at, qh);
}

void pack_block32(DType w, const uint8_t* b, int r, uint8_t* v) {
  switch (w) {
    case DType::Q4_0:
    case DType::IQ4_NL: return pack_nibbles16(b + 2, r, v);
    case DType::Q4_1: return pack_nibbles16(b + 4, r, v);
    case DType::Q5_0: return pack_five(b + 2, b + 6, r, v);
    case DType::Q5_1: return pack_five(b + 4, b + 8, r, v);
    case DType::Q8_0:
      for (int s = 0; s < 8; ++s) store_le<uint32_t>(&lane(v + 64 * s, r, 0), load_le<uint32_t>(b + 2 + 4 * s) ^ 0x80808080u);
      return;
    default: fail("panel: ", tensor::dtype_info(w).name, " has no panel layout");
  }
}

void unpack_block32(DType w, const uint8_t* v, int r, uint8_t* b) {
  switch (w) {
    case DType::Q4_0:
    case DType::IQ4_NL: return unpack_nibbles16(v, r, b + 2);
    case DType::Q4_1: return unpack_nibbles16(v, r, b + 4);
    case DType::Q5_0: return unpack_five(v, r, b + 2, b + 6);
    case DType::Q5_1: return unpack_five(v, r, b + 4, b + 8);
    case DType::Q8_0:
      for (int s = 0; s < 8; ++s)
        for (int e = 0; e < 4; ++e) b[2 + 4 * s + e] = static_cast<uint8_t>(v[64 * s + 4 * r + e] ^ 0x80);
      return;
    default: fail("panel: ", tensor::dtype_info(w).name, " has no panel layout");
  }
}

// q4_K's 12 bytes of 6-bit scales and mins (ggml's get_scale_min_k4 order).
void decode_scales_k4(const uint8_t* s, uint8_t sc[8], uint8_t m[8]) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = s[j] & 63, m[j] = s[j + 4] & 63;
    sc[j + 4] = static_cast<uint8_t>((s[j + 8] & 15) | ((s[j] >> 6) << 4));
    m[j + 4] = static_cast<uint8_t>((s[j + 8] >> 4) | ((s[j + 4] >> 6) << 4));
  }
}
void encode_scales_k4(const uint8_t sc[8], const uint8_t m[8], uint8_t* s) {
  for (int j = 0; j < 4; ++j) {
    s[j] = static_cast<uint8_t>((sc[j] & 63) | ((sc[j + 4] >> 4) << 6));
    s[j + 4] = static_cast<uint8_t>((m[j] & 63) | ((m[j + 4] >> 4) << 6));
    s[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | ((m[j + 4] & 15) << 4));
  }
}

// q4_K and q5_K: d, dmin, scales and mins, then the levels.
void pack_K4(bool five, const uint8_t* b, int r, uint8_t* p) {
  uint8_t sc[8], m[8];
  decode_scales_k4(b + 4, sc, m);
  for (int j = 0; j < 8; ++j) p[kQ4KScale + 16 * j + r] = sc[j];
  for (int i = 0; i < 4; ++i)
    for (int h = 0; h < 2; ++h) p[kQ4KMin + 32 * i + 2 * r + h] = m[2 * i + h];
  std::memcpy(p + kQ4KD + 2 * r, b, 2);
  std::memcpy(p + kQ4KDmin + 2 * r, b + 2, 2);
  // Nibble vector (c, s) row r: qs bytes 32c + 4s..; q5_K's fifth bits of
  // elements 32j + 4s + e are bit j of qh byte 4s + e: vector s row r.
  const uint8_t* qs = b + (five ? 48 : 16);
  for (int c = 0; c < 4; ++c)
    for (int s = 0; s < 8; ++s)
      std::memcpy(&lane(p + (five ? q5K_low_at(c, s) : q4K_low_at(c, s)), r, 0), qs + 32 * c + 4 * s, 4);
  if (five)
    for (int s = 0; s < 8; ++s) std::memcpy(&lane(p + q5K_high_at(s), r, 0), b + 16 + 4 * s, 4);
}

void unpack_K4(bool five, const uint8_t* p, int r, uint8_t* b) {
  uint8_t sc[8], m[8];
  for (int j = 0; j < 8; ++j) sc[j] = p[kQ4KScale + 16 * j + r];
  for (int i = 0; i < 4; ++i)
    for (int h = 0; h < 2; ++h) m[2 * i + h] = p[kQ4KMin + 32 * i + 2 * r + h];
  encode_scales_k4(sc, m, b + 4);
  std::memcpy(b, p + kQ4KD + 2 * r, 2);
  std::memcpy(b + 2, p + kQ4KDmin + 2 * r, 2);
  uint8_t* qs = b + (five ? 48 : 16);
  for (int c = 0; c < 4; ++c)
    for (int s = 0; s < 8; ++s)
      std::memcpy(qs + 32 * c + 4 * s, p + (five ? q5K_low_at(c, s) : q4K_low_at(c, s)) + 4 * r, 4);
  if (five)
    for (int s = 0; s < 8; ++s) std::memcpy(b + 16 + 4 * s, p + q5K_high_at(s) + 4 * r, 4);
}

// q2_K (ggml: u8 scales[16] (low nibble scale, high min), qs[64], f16 d,
// f16 dmin): d, dmin, scales, mins, the bit-pair vectors.
void pack_q2K(const uint8_t* b, int r, uint8_t* p) {
  std::memcpy(p + kQ2KD + 2 * r, b + 80, 2);
  std::memcpy(p + kQ2KDmin + 2 * r, b + 82, 2);
  for (int g = 0; g < 16; ++g) {
    p[kQ2KScale + 16 * g + r] = b[g] & 15;
    p[kQ2KMin + 32 * (g / 2) + 2 * r + g % 2] = b[g] >> 4;
  }
  for (int h = 0; h < 2; ++h)
    for (int s = 0; s < 8; ++s) std::memcpy(&lane(p + q2K_levels_at(h, s), r, 0), b + 16 + 32 * h + 4 * s, 4);
}
void unpack_q2K(const uint8_t* p, int r, uint8_t* b) {
  std::memcpy(b + 80, p + kQ2KD + 2 * r, 2);
  std::memcpy(b + 82, p + kQ2KDmin + 2 * r, 2);
  for (int g = 0; g < 16; ++g)
    b[g] = static_cast<uint8_t>(p[kQ2KScale + 16 * g + r] | (p[kQ2KMin + 32 * (g / 2) + 2 * r + g % 2] << 4));
  for (int h = 0; h < 2; ++h)
    for (int s = 0; s < 8; ++s) std::memcpy(b + 16 + 32 * h + 4 * s, p + q2K_levels_at(h, s) + 4 * r, 4);
}

// iq4_xs: d, the sub-blocks' 6-bit scales (ls - 32, signed), the nibbles.
void pack_iq4XS(const uint8_t* b, int r, uint8_t* p) {
  std::memcpy(p + kIQ4XSD + 2 * r, b, 2);
  const unsigned scales_h = load_le<uint16_t>(b + 2);
  for (int j = 0; j < 8; ++j) {
    const int ls = ((b[4 + j / 2] >> (4 * (j % 2))) & 15) | (((scales_h >> (2 * j)) & 3) << 4);
    p[kIQ4XSScale + 16 * j + r] = static_cast<uint8_t>(static_cast<int8_t>(ls - 32));
    pack_nibbles16(b + 8 + 16 * j, r, p + iq4XS_levels_at(j));
  }
}
void unpack_iq4XS(const uint8_t* p, int r, uint8_t* b) {
  std::memcpy(b, p + kIQ4XSD + 2 * r, 2);
  unsigned scales_h = 0;
  std::memset(b + 4, 0, 4);
  for (int j = 0; j < 8; ++j) {
    const int ls = static_cast<int8_t>(p[kIQ4XSScale + 16 * j + r]) + 32;
    b[4 + j / 2] = static_cast<uint8_t>(b[4 + j / 2] | ((ls & 15) << (4 * (j % 2))));
    scales_h |= static_cast<unsigned>(ls >> 4) << (2 * j);
    unpack_nibbles16(p + iq4XS_levels_at(j), r, b + 8 + 16 * j);
  }
  store_le<uint16_t>(b + 2, static_cast<uint16_t>(scales_h));
}

// q6_K levels 0..63 of one super-block, in element order, from ggml's layout
// (ql: low nibbles, qh: 2-bit pairs, per half of 128) and back.
void q6K_levels(const uint8_t* b, uint8_t L[256]) {
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b + 64 * h;
    const uint8_t* qh = b + 128 + 32 * h;
    uint8_t* o = L + 128 * h;
    for (int l = 0; l < 32; ++l) {
      o[l] = static_cast<uint8_t>((ql[l] & 15) | ((qh[l] & 3) << 4));
      o[l + 32] = static_cast<uint8_t>((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4));
      o[l + 64] = static_cast<uint8_t>((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
      o[l + 96] = static_cast<uint8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
    }
  }
}
void q6K_store_levels(const uint8_t L[256], uint8_t* b) {
  for (int h = 0; h < 2; ++h) {
    uint8_t* ql = b + 64 * h;
    uint8_t* qh = b + 128 + 32 * h;
    const uint8_t* o = L + 128 * h;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((o[l] & 15) | ((o[l + 64] & 15) << 4));
      ql[l + 32] = static_cast<uint8_t>((o[l + 32] & 15) | ((o[l + 96] & 15) << 4));
      qh[l] = static_cast<uint8_t>((o[l] >> 4) | ((o[l + 32] >> 4) << 2) | ((o[l + 64] >> 4) << 4) | ((o[l + 96] >> 4) << 6));
    }
  }
}

void pack_q6K(const uint8_t* b, int r, uint8_t* p) {
  uint8_t L[256];
  q6K_levels(b, L);
  for (int c = 0; c < 4; ++c)
    for (int s = 0; s < 8; ++s)
      for (int e = 0; e < 4; ++e) {
        const int i = 64 * c + 4 * s + e;
        lane(p + q6K_low_at(c, s), r, e) = static_cast<uint8_t>((L[i] & 15) | ((L[i + 32] & 15) << 4));
      }
  for (int g = 0; g < 2; ++g)
    for (int s = 0; s < 8; ++s)
      for (int e = 0; e < 4; ++e) {
        uint8_t bits = 0;
        for (int kk = 0; kk < 4; ++kk) bits |= static_cast<uint8_t>((L[128 * g + 32 * kk + 4 * s + e] >> 4) << (2 * kk));
        lane(p + q6K_high_at(g, s), r, e) = bits;
      }
  for (int q = 0; q < 16; ++q) p[kQ6KScale + 16 * q + r] = b[192 + q];
  std::memcpy(p + kQ6KD + 2 * r, b + 208, 2);
}

void unpack_q6K(const uint8_t* p, int r, uint8_t* b) {
  uint8_t L[256];
  for (int c = 0; c < 4; ++c)
    for (int s = 0; s < 8; ++s)
      for (int e = 0; e < 4; ++e) {
        const int i = 64 * c + 4 * s + e;
        const uint8_t v = p[q6K_low_at(c, s) + 4 * r + e];
        L[i] = v & 15, L[i + 32] = v >> 4;
      }
  for (int g = 0; g < 2; ++g)
    for (int s = 0; s < 8; ++s)
      for (int e = 0; e < 4; ++e) {
        const uint8_t bits = p[q6K_high_at(g, s) + 4 * r + e];
        for (int kk = 0; kk < 4; ++kk) L[128 * g + 32 * kk + 4 * s + e] |= static_cast<uint8_t>(((bits >> (2 * kk)) & 3) << 4);
      }
  q6K_store_levels(L, b);
  for (int q = 0; q < 16; ++q) b[192 + q] = p[kQ6KScale + 16 * q + r];
  std::memcpy(b + 208, p + kQ6KD + 2 * r, 2);
}

}  // namespace

bool has_panel_layout(DType w) {
  return levels_bytes32(w) != 0 || w == DType::Q4_K || w == DType::Q5_K || w == DType::Q6_K || w == DType::IQ4_XS ||
         w == DType::Q2_K;
}

size_t panel_bytes(DType w, int64_t k) {
  if (const size_t lb = levels_bytes32(w))
    return static_cast<size_t>((k / 32 + 1) / 2) * scale_bytes32(w) + static_cast<size_t>(k / 32) * lb;
  if (w == DType::Q4_K) return static_cast<size_t>(k / 256) * kQ4KBytes;
  if (w == DType::Q5_K) return static_cast<size_t>(k / 256) * kQ5KBytes;
  if (w == DType::Q6_K) return static_cast<size_t>(k / 256) * kQ6KBytes;
  if (w == DType::IQ4_XS) return static_cast<size_t>(k / 256) * kIQ4XSBytes;
  if (w == DType::Q2_K) return static_cast<size_t>(k / 256) * kQ2KBytes;
  fail("panel: ", tensor::dtype_info(w).name, " has no panel layout");
}

void pack_panel(DType w, int64_t k, const uint8_t* rows, size_t row_stride, int nr, uint8_t* panel) {
  std::memset(panel, 0, panel_bytes(w, k));
  const size_t bb = tensor::dtype_info(w).block_bytes;
  if (const size_t lb = levels_bytes32(w)) {
    const int64_t nb = k / 32;
    const size_t sb = scale_bytes32(w);
    for (int r = 0; r < nr; ++r) {
      const uint8_t* row = rows + r * row_stride;
      for (int64_t b = 0; b < nb; ++b) {
        pack_block32(w, row + b * bb, r, panel + levels_at(lb, sb, b));
        std::memcpy(panel + scales_at(lb, sb, b) + 2 * r, row + b * bb, 2);                      // f16 d
        if (has_min32(w)) std::memcpy(panel + mins_at(lb, sb, b) + 2 * r, row + b * bb + 2, 2);  // f16 m
      }
    }
    return;
  }
  const size_t sbb = panel_bytes(w, 256);
  for (int r = 0; r < nr; ++r)
    for (int64_t b = 0; b < k / 256; ++b) {
      const uint8_t* blk = rows + r * row_stride + b * bb;
      if (w == DType::Q6_K) pack_q6K(blk, r, panel + b * sbb);
      else if (w == DType::IQ4_XS) pack_iq4XS(blk, r, panel + b * sbb);
      else if (w == DType::Q2_K) pack_q2K(blk, r, panel + b * sbb);
      else pack_K4(w == DType::Q5_K, blk, r, panel + b * sbb);
    }
}

void unpack_panel_row(DType w, int64_t k, const uint8_t* panel, int r, uint8_t* row) {
  const size_t bb = tensor::dtype_info(w).block_bytes;
  if (const size_t lb = levels_bytes32(w)) {
    const int64_t nb = k / 32;
    const size_t sb = scale_bytes32(w);
    for (int64_t b = 0; b < nb; ++b) {
      unpack_block32(w, panel + levels_at(lb, sb, b), r, row + b * bb);
      std::memcpy(row + b * bb, panel + scales_at(lb, sb, b) + 2 * r, 2);
      if (has_min32(w)) std::memcpy(row + b * bb + 2, panel + mins_at(lb, sb, b) + 2 * r, 2);
    }
    return;
  }
  const size_t sbb = panel_bytes(w, 256);
  for (int64_t b = 0; b < k / 256; ++b) {
    if (w == DType::Q6_K) unpack_q6K(panel + b * sbb, r, row + b * bb);
    else if (w == DType::IQ4_XS) unpack_iq4XS(panel + b * sbb, r, row + b * bb);
    else if (w == DType::Q2_K) unpack_q2K(panel + b * sbb, r, row + b * bb);
    else unpack_K4(w == DType::Q5_K, panel + b * sbb, r, row + b * bb);
  }
}

size_t panel_act_row_bytes(DType w, int64_t k) {
  const size_t base = act_row_bytes(act_type_for(w), k);
  if (levels_bytes32(w)) return base + round64(4 * static_cast<size_t>(k / 32));
  if (w == DType::Q4_K || w == DType::Q5_K) return base + round64(2 * static_cast<size_t>(k / 32));
  if (w == DType::Q6_K) return base + round64(4 * static_cast<size_t>(k / 16));
  if (w == DType::IQ4_XS) return base + round64(4 * static_cast<size_t>(k / 32));
  if (w == DType::Q2_K) return base;  // its kernel reads the row's own sums of 16
  fail("panel: ", tensor::dtype_info(w).name, " has no panel layout");
}

void add_panel_act_terms(DType w, int64_t k, uint8_t* row) {
  uint8_t* terms = row + act_row_bytes(act_type_for(w), k);
  if (has_min32(w)) {
    const int64_t nb = k / 32;
    for (int64_t b = 0; b < nb; ++b)
      store_le<float>(terms + 4 * b, load_le<float>(row + k + 4 * b) * static_cast<float>(load_le<int32_t>(row + k + 4 * nb + 4 * b)));
    return;
  }
  if (levels_bytes32(w)) {
    const int64_t nb = k / 32;
    const int32_t bias = bias32(w);
    for (int64_t b = 0; b < nb; ++b) store_le<int32_t>(terms + 4 * b, -bias * load_le<int32_t>(row + k + 4 * nb + 4 * b));
    return;
  }
  const uint8_t* bsum = row + k + 4 * (k / 256);  // i16 per 16 elements
  if (w == DType::Q4_K || w == DType::Q5_K) {
    for (int64_t j = 0; j < k / 32; ++j)
      store_le<int16_t>(terms + 2 * j, static_cast<int16_t>(load_le<int16_t>(bsum + 4 * j) + load_le<int16_t>(bsum + 4 * j + 2)));
  } else if (w == DType::Q6_K) {
    for (int64_t g = 0; g < k / 16; ++g) store_le<int32_t>(terms + 4 * g, -32 * load_le<int16_t>(bsum + 2 * g));
  } else if (w == DType::IQ4_XS) {
    for (int64_t j = 0; j < k / 32; ++j)
      store_le<int32_t>(terms + 4 * j, -128 * (load_le<int16_t>(bsum + 4 * j) + load_le<int16_t>(bsum + 4 * j + 2)));
  } else if (w != DType::Q2_K) {
    fail("panel: ", tensor::dtype_info(w).name, " has no panel layout");
  }
}

}  // namespace hearth::backend::cpu
