#include "tensor/dequantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "core/half.h"
#include "tensor/quant_common.h"
#include "tensor/quants_iq4.h"
#include "tensor/quants_k.h"

// Block layouts (all little-endian, as stored in GGUF files) of the 32-element
// types, which live in this file (the k-quants and q8_K are in quants_k.cpp,
// iq4_nl and iq4_xs in quants_iq4.cpp):
//
//   q4_0  f16 d | u8 qs[16]                   x = (nibble - 8) * d
//   q4_1  f16 d | f16 m | u8 qs[16]           x = nibble * d + m
//   q5_0  f16 d | u32 qh | u8 qs[16]          x = ((nibble | hbit << 4) - 16) * d
//   q5_1  f16 d | f16 m | u32 qh | u8 qs[16]  x = (nibble | hbit << 4) * d + m
//   q8_0  f16 d | i8 qs[32]                   x = q * d
//
// For the 4- and 5-bit types element j (0..15) lives in the low nibble of
// qs[j] and element j + 16 in its high nibble; for the 5-bit types bit j of qh
// is the fifth bit of element j (j = 0..31).
//
// The quantizers follow ggml's reference ("_ref") quantizers operation by
// operation, in f32, so that the bytes they write are the bytes ggml writes:
// the scale's reciprocal is taken from the f32 scale before it is rounded to
// f16, and the conversions to integers truncate (the "+ 8.5" / "+ 0.5" make
// that a round-half-up) except q8_0's, which uses roundf (half away from 0).

namespace hearth::tensor {

namespace {

using namespace quant;  // load/store helpers (tensor/quant_common.h)

constexpr int kQK = 32;  // elements per block of q4_0, q4_1, q5_0, q5_1, q8_0

// ggml converts with a C cast to int8_t, which truncates toward zero. For the
// finite inputs the formats are meant for the value is always in range; the
// clamp only keeps NaN/inf inputs from being undefined behaviour in C++.
int trunc_to_int8(float v) {
  if (!(v > -129.0f)) return v != v ? 0 : -128;  // NaN -> 0, very negative -> -128
  if (!(v < 128.0f)) return 127;
  return static_cast<int>(v);  // truncates toward zero
}

// --- dequantizers ---------------------------------------------------------

void dequant_q4_0(const uint8_t* src, float* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, src += 18, dst += kQK) {
    const float d = load_f16(src);
    const uint8_t* qs = src + 2;
    for (int j = 0; j < 16; ++j) {
      dst[j] = static_cast<float>((qs[j] & 0x0f) - 8) * d;
      dst[j + 16] = static_cast<float>((qs[j] >> 4) - 8) * d;
    }
  }
}

void dequant_q4_1(const uint8_t* src, float* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, src += 20, dst += kQK) {
    const float d = load_f16(src);
    const float m = load_f16(src + 2);
    const uint8_t* qs = src + 4;
    for (int j = 0; j < 16; ++j) {
      dst[j] = static_cast<float>(qs[j] & 0x0f) * d + m;
      dst[j + 16] = static_cast<float>(qs[j] >> 4) * d + m;
    }
  }
}

void dequant_q5_0(const uint8_t* src, float* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, src += 22, dst += kQK) {
    const float d = load_f16(src);
    const uint32_t qh = load_u32(src + 2);
    const uint8_t* qs = src + 6;
    for (int j = 0; j < 16; ++j) {
      const int lo = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      dst[j] = static_cast<float>(lo - 16) * d;
      dst[j + 16] = static_cast<float>(hi - 16) * d;
    }
  }
}

void dequant_q5_1(const uint8_t* src, float* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, src += 24, dst += kQK) {
    const float d = load_f16(src);
    const float m = load_f16(src + 2);
    const uint32_t qh = load_u32(src + 4);
    const uint8_t* qs = src + 8;
    for (int j = 0; j < 16; ++j) {
      const int lo = (qs[j] & 0x0f) | static_cast<int>(((qh >> j) & 1u) << 4);
      const int hi = (qs[j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1u) << 4);
      dst[j] = static_cast<float>(lo) * d + m;
      dst[j + 16] = static_cast<float>(hi) * d + m;
    }
  }
}

void dequant_q8_0(const uint8_t* src, float* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, src += 34, dst += kQK) {
    const float d = load_f16(src);
    for (int j = 0; j < kQK; ++j) {
      dst[j] = static_cast<float>(static_cast<int8_t>(src[2 + j])) * d;
    }
  }
}

// --- quantizers -----------------------------------------------------------

void min_max(const float* x, float& min, float& max) {
  min = 3.402823466e38f;   // FLT_MAX
  max = -3.402823466e38f;
  for (int j = 0; j < kQK; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
}

void quant_q4_0(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK, dst += 18) {
    const float max = signed_absmax(x, kQK);
    const float d = max / -8.0f;  // the extreme value maps to q = 0, i.e. -8
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_u16(dst, f32_to_f16(d));
    uint8_t* qs = dst + 2;
    for (int j = 0; j < 16; ++j) {
      const int q0 = std::min(15, trunc_to_int8(x[j] * id + 8.5f));
      const int q1 = std::min(15, trunc_to_int8(x[j + 16] * id + 8.5f));
      qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void quant_q4_1(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK, dst += 20) {
    float min, max;
    min_max(x, min, max);
    const float d = (max - min) / 15.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_u16(dst, f32_to_f16(d));
    store_u16(dst + 2, f32_to_f16(min));
    uint8_t* qs = dst + 4;
    for (int j = 0; j < 16; ++j) {
      const int q0 = std::min(15, trunc_to_int8((x[j] - min) * id + 0.5f));
      const int q1 = std::min(15, trunc_to_int8((x[j + 16] - min) * id + 0.5f));
      qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void quant_q5_0(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK, dst += 22) {
    const float max = signed_absmax(x, kQK);
    const float d = max / -16.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_u16(dst, f32_to_f16(d));
    uint32_t qh = 0;
    uint8_t* qs = dst + 6;
    for (int j = 0; j < 16; ++j) {
      const int q0 = std::min(31, trunc_to_int8(x[j] * id + 16.5f));
      const int q1 = std::min(31, trunc_to_int8(x[j + 16] * id + 16.5f));
      qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + 16);
    }
    store_u32(dst + 2, qh);
  }
}

void quant_q5_1(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK, dst += 24) {
    float min, max;
    min_max(x, min, max);
    const float d = (max - min) / 31.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_u16(dst, f32_to_f16(d));
    store_u16(dst + 2, f32_to_f16(min));
    uint32_t qh = 0;
    uint8_t* qs = dst + 8;
    for (int j = 0; j < 16; ++j) {
      // ggml has no clamp here: (x - min) * id <= 31 * (1 + a few ulp) < 31.5.
      const int q0 = trunc_to_int8((x[j] - min) * id + 0.5f);
      const int q1 = trunc_to_int8((x[j + 16] - min) * id + 0.5f);
      qs[j] = static_cast<uint8_t>((q0 & 0x0f) | ((q1 & 0x0f) << 4));
      qh |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + 16);
    }
    store_u32(dst + 4, qh);
  }
}

void quant_q8_0(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += kQK, dst += 34) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      const float a = std::fabs(x[j]);
      amax = amax > a ? amax : a;
    }
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_u16(dst, f32_to_f16(d));
    for (int j = 0; j < kQK; ++j) {
      const int q = trunc_to_int8(std::round(x[j] * id));  // roundf: half away from zero
      dst[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(q));
    }
  }
}

bool supported(DType type) {
  switch (type) {
    case DType::F32:
    case DType::F16:
    case DType::BF16:
    case DType::Q4_0:
    case DType::Q4_1:
    case DType::Q5_0:
    case DType::Q5_1:
    case DType::Q8_0:
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::Q8_K:
    case DType::IQ4_NL:
    case DType::IQ4_XS:
      return true;
    default:
      return false;
  }
}

// Checks the type and the element count; returns the number of blocks.
int64_t check_row(const char* what, DType type, int64_t n) {
  if (!supported(type))
    fail(what, ": unsupported tensor type ", dtype_name(static_cast<uint32_t>(type)));
  const DTypeInfo& info = dtype_info(type);
  if (n < 0) fail(what, ": negative element count ", n, " for type ", info.name);
  if (n % info.block_size != 0)
    fail(what, ": ", n, " elements is not a multiple of ", info.name, "'s block size ",
         info.block_size);
  return n / info.block_size;
}

}  // namespace

bool can_dequantize(DType type) { return supported(type); }
bool can_quantize(DType type) { return supported(type); }

void dequantize_row(DType type, const void* src, float* dst, int64_t n) {
  const int64_t nb = check_row("dequantize_row", type, n);
  const auto* s = static_cast<const uint8_t*>(src);
  switch (type) {
    case DType::F32:
      if (n > 0) std::memcpy(dst, s, static_cast<size_t>(n) * 4);
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load_u16(s + 2 * i));
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load_u16(s + 2 * i));
      return;
    case DType::Q4_0: return dequant_q4_0(s, dst, nb);
    case DType::Q4_1: return dequant_q4_1(s, dst, nb);
    case DType::Q5_0: return dequant_q5_0(s, dst, nb);
    case DType::Q5_1: return dequant_q5_1(s, dst, nb);
    case DType::Q8_0: return dequant_q8_0(s, dst, nb);
    case DType::Q2_K: return kquants::dequantize_q2_K(s, dst, nb);
    case DType::Q3_K: return kquants::dequantize_q3_K(s, dst, nb);
    case DType::Q4_K: return kquants::dequantize_q4_K(s, dst, nb);
    case DType::Q5_K: return kquants::dequantize_q5_K(s, dst, nb);
    case DType::Q6_K: return kquants::dequantize_q6_K(s, dst, nb);
    case DType::Q8_K: return kquants::dequantize_q8_K(s, dst, nb);
    case DType::IQ4_NL: return iq4::dequantize_iq4_nl(s, dst, nb);
    case DType::IQ4_XS: return iq4::dequantize_iq4_xs(s, dst, nb);
    default: break;
  }
  fail("dequantize_row: unsupported tensor type ", dtype_name(static_cast<uint32_t>(type)));
}

void quantize_row(DType type, const float* src, void* dst, int64_t n) {
  const int64_t nb = check_row("quantize_row", type, n);
  auto* d = static_cast<uint8_t*>(dst);
  switch (type) {
    case DType::F32:
      if (n > 0) std::memcpy(d, src, static_cast<size_t>(n) * 4);
      return;
    case DType::F16:
      for (int64_t i = 0; i < n; ++i) store_u16(d + 2 * i, f32_to_f16(src[i]));
      return;
    case DType::BF16:
      for (int64_t i = 0; i < n; ++i) store_u16(d + 2 * i, f32_to_bf16(src[i]));
      return;
    case DType::Q4_0: return quant_q4_0(src, d, nb);
    case DType::Q4_1: return quant_q4_1(src, d, nb);
    case DType::Q5_0: return quant_q5_0(src, d, nb);
    case DType::Q5_1: return quant_q5_1(src, d, nb);
    case DType::Q8_0: return quant_q8_0(src, d, nb);
    case DType::Q2_K: return kquants::quantize_q2_K(src, d, nb);
    case DType::Q3_K: return kquants::quantize_q3_K(src, d, nb);
    case DType::Q4_K: return kquants::quantize_q4_K(src, d, nb);
    case DType::Q5_K: return kquants::quantize_q5_K(src, d, nb);
    case DType::Q6_K: return kquants::quantize_q6_K(src, d, nb);
    case DType::Q8_K: return kquants::quantize_q8_K(src, d, nb);
    case DType::IQ4_NL: return iq4::quantize_iq4_nl(src, d, nb);
    case DType::IQ4_XS: return iq4::quantize_iq4_xs(src, d, nb);
    default: break;
  }
  fail("quantize_row: unsupported tensor type ", dtype_name(static_cast<uint32_t>(type)));
}

}  // namespace hearth::tensor
