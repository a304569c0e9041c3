#include "tensor/quants_iq4.h"

#include <cmath>
#include <cstring>

#include "tensor/quant_common.h"

// Byte layouts (ggml-common.h; f16 = IEEE half, little-endian):
//
//   iq4_nl  18 B: f16 d | u8 qs[16]
//           x = d * kLevels[code]
//   iq4_xs 136 B: f16 d | u16 scales_h | u8 scales_l[4] | u8 qs[128]
//           8 groups of 32, each with a 6-bit scale ls (low 4 bits in the
//           nibble g%2 of scales_l[g/2], high 2 bits at bits 2g..2g+1 of
//           scales_h): x = d * (ls - 32) * kLevels[code]
//
// Codes are nibbles: each 32 elements use 16 bytes, byte j holding element j
// in its low nibble and element j + 16 in its high nibble.
//
// The quantizers follow ggml's quantize_row_iq4_nl_impl as ggml_quantize_chunk
// runs it without an importance matrix (weights x^2, 7 trial scales each side)
// operation by operation in f32, so that the bytes are ggml's.

namespace hearth::tensor::iq4 {

using namespace quant;

const int8_t kLevels[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                            1,    13,   25,  38,  53,  69,  89,  113};

namespace {

constexpr int kTrials = 7;  // trial inverse scales on each side of the first guess

// The code whose level is nearest to v (the lower one on a tie), found by
// bisection over the sorted levels.
int nearest_level(float v) {
  if (v <= kLevels[0]) return 0;
  if (v >= kLevels[15]) return 15;
  int lo = 0, hi = 15;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (v < kLevels[mid])
      hi = mid;
    else
      lo = mid;
  }
  return v - static_cast<float>(kLevels[hi - 1]) < static_cast<float>(kLevels[hi]) - v ? hi - 1 : hi;
}

// The scale of one group of 32: the weighted (x^2) least-squares scale for
// the codes chosen at the inverse scale that maps the value of largest
// magnitude to the outermost level, improved by trying inverse scales
// (t + kLevels[0]) / max for t = -7..7 and keeping the best least-squares fit.
// Returns false (and leaves d alone) for a group that is all zero.
bool fit_group(const float* x, float& d_out) {
  const float max = signed_absmax(x, 32), amax = std::fabs(max);
  if (amax < kGroupMaxEps) return false;
  float w[32];
  for (int j = 0; j < 32; ++j) w[j] = x[j] * x[j];
  float d = -max / static_cast<float>(kLevels[0]);
  float id = 1 / d;
  float sumqx = 0, sumq2 = 0;
  for (int j = 0; j < 32; ++j) {
    const float q = kLevels[nearest_level(id * x[j])];
    sumqx += w[j] * q * x[j];
    sumq2 += w[j] * q * q;
  }
  d = sumq2 > 0 ? sumqx / sumq2 : 0.0f;
  float best = d * sumqx;
  for (int t = -kTrials; t <= kTrials; ++t) {
    id = static_cast<float>(t + kLevels[0]) / max;
    sumqx = sumq2 = 0;
    for (int j = 0; j < 32; ++j) {
      const float q = kLevels[nearest_level(id * x[j])];
      sumqx += w[j] * q * x[j];
      sumq2 += w[j] * q * q;
    }
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  d_out = d;
  return true;
}

// Codes of 32 elements at inverse scale id, packed into 16 bytes.
void encode_group(const float* x, float id, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) {
    const int lo = nearest_level(id * x[j]);
    const int hi = nearest_level(id * x[j + 16]);
    qs[j] = static_cast<uint8_t>(lo | (hi << 4));
  }
}

void decode_group(const uint8_t* qs, float d, float* y) {
  for (int j = 0; j < 16; ++j) {
    y[j] = d * static_cast<float>(kLevels[qs[j] & 0x0f]);
    y[j + 16] = d * static_cast<float>(kLevels[qs[j] >> 4]);
  }
}

}  // namespace

void quantize_iq4_nl(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += 32, dst += 18) {
    float d = 0;
    fit_group(x, d);  // an all-zero group keeps d = 0
    store_f16(dst, d);
    // The codes are chosen again at the final (unrounded) scale.
    encode_group(x, d != 0 ? 1 / d : 0.0f, dst + 2);
  }
}

void quantize_iq4_xs(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += kQK_K, dst += 136) {
    float scales[8];
    float max_scale = 0, amax_scale = 0;
    for (int g = 0; g < 8; ++g) {
      scales[g] = 0;
      if (!fit_group(x + 32 * g, scales[g])) continue;
      const float a = std::fabs(scales[g]);
      if (a > amax_scale) {
        amax_scale = a;
        max_scale = scales[g];
      }
    }
    // The super-block scale maps the largest group scale to -32 (so -0.0
    // for an all-zero block, as in ggml).
    const float d = -max_scale / 32;
    store_f16(dst, d);
    const float id = d != 0 ? 1 / d : 0.0f;
    uint16_t scales_h = 0;
    uint8_t* scales_l = dst + 4;
    std::memset(scales_l, 0, 4);
    for (int g = 0; g < 8; ++g) {
      int l = clamp_int(nearest_int(id * scales[g]), -32, 31);
      const float dl = d * static_cast<float>(l);
      encode_group(x + 32 * g, dl != 0 ? 1 / dl : 0.0f, dst + 8 + 16 * g);
      l += 32;
      scales_l[g / 2] = static_cast<uint8_t>(scales_l[g / 2] | ((l & 0x0f) << (4 * (g % 2))));
      scales_h = static_cast<uint16_t>(scales_h | ((l >> 4) << (2 * g)));
    }
    store_u16(dst + 2, scales_h);
  }
}

void dequantize_iq4_nl(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 18, y += 32) decode_group(src + 2, load_f16(src), y);
}

void dequantize_iq4_xs(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 136) {
    const float d = load_f16(src);
    const unsigned scales_h = load_u16(src + 2);
    const uint8_t* scales_l = src + 4;
    for (int g = 0; g < 8; ++g, y += 32) {
      const int ls = ((scales_l[g / 2] >> (4 * (g % 2))) & 0x0f) | (((scales_h >> (2 * g)) & 3) << 4);
      decode_group(src + 8 + 16 * g, d * static_cast<float>(ls - 32), y);
    }
  }
}

}  // namespace hearth::tensor::iq4
