#include "tensor/quants_k.h"

#include <cmath>
#include <cstring>

#include "tensor/quant_common.h"

// Super-blocks of 256 elements (QK_K). Byte layouts, as ggml-common.h defines
// the block structs (f16 = IEEE half, all little-endian):
//
//   q2_K  84 B: u8 scales[16] | u8 qs[64] | f16 d | f16 dmin
//         16 groups of 16; scales[g] = scale (low nibble) | min (high nibble)
//         x = d * (sc & 15) * q - dmin * (sc >> 4),  q in 0..3 (2 bits)
//   q3_K 110 B: u8 hmask[32] | u8 qs[64] | u8 scales[12] | f16 d
//         16 groups of 16; 6-bit signed scales (stored + 32)
//         x = d * (s - 32) * (q - 4),  q in 0..7 (2 low bits in qs, third in hmask)
//   q4_K 144 B: f16 d | f16 dmin | u8 scales[12] | u8 qs[128]
//         8 groups of 32; 6-bit scale and 6-bit min per group
//         x = d * sc * q - dmin * m,  q in 0..15
//   q5_K 176 B: f16 d | f16 dmin | u8 scales[12] | u8 qh[32] | u8 qs[128]
//         as q4_K with a fifth bit per element in qh, q in 0..31
//   q6_K 210 B: u8 ql[128] | u8 qh[64] | i8 scales[16] | f16 d
//         16 groups of 16; x = d * scale * (q - 32),  q in 0..63
//   q8_K 292 B: f32 d | i8 qs[256] | i16 bsums[16]
//         x = d * q; bsums[g] = sum of the 16 qs of group g
//
// Where the 2-bit fields go (q2_K qs, q3_K qs): each half (128 elements) of
// the super-block uses 32 bytes; byte l of half h holds elements
// 128h + l + 32k in bits 2k..2k+1 (k = 0..3).
// q3_K hmask: bit k of byte b is the third bit of element 32k + b.
// q4_K/q5_K nibbles: each 64 elements use 32 bytes of qs; byte l holds
// element l in its low nibble and element l + 32 in its high nibble.
// q5_K qh: for the c-th 64-element chunk, bit 2c of qh[l] is the fifth bit of
// element 64c + l, bit 2c + 1 that of element 64c + l + 32.
// q6_K: each 128 elements use 64 bytes of ql and 32 of qh; ql[l] holds the low
// nibbles of elements l (low) and l + 64 (high), ql[l + 32] those of l + 32
// and l + 96; qh[l] holds the two high bits of l, l + 32, l + 64, l + 96 in
// bits 0-1, 2-3, 4-5, 6-7.
// The 12 scale bytes of q4_K/q5_K: for group j < 4, scale = s[j] & 63 and
// min = s[j + 4] & 63; for j >= 4, scale = (s[j + 4] & 15) | (s[j - 4] >> 6) << 4
// and min = (s[j + 4] >> 4) | (s[j] >> 6) << 4.
// The 12 scale bytes of q3_K: group j's low nibble is s[j] & 15 (j < 8) or
// s[j - 8] >> 4 (j >= 8); its two high bits are bits 2(j/4).. of s[8 + j%4].
//
// The quantizers follow ggml's reference quantizers (quantize_row_*_ref, which
// is also what ggml_quantize_chunk runs without an importance matrix)
// operation by operation in f32 and in the same order, since the searches
// below compare sums whose last bits decide which candidate wins. The source
// files are compiled with -ffp-contract=off so that no multiply-add is fused.

namespace hearth::tensor::kquants {

using namespace quant;

namespace {

// --- shared pieces ----------------------------------------------------------

void unpack_scale_min_k4(int j, const uint8_t* s, int& scale, int& min) {
  if (j < 4) {
    scale = s[j] & 63;
    min = s[j + 4] & 63;
  } else {
    scale = (s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4);
    min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Packs 6-bit scales and mins of the 8 groups of q4_K/q5_K into 12 bytes.
void pack_scale_min_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* s) {
  for (int j = 0; j < 4; ++j) {
    s[j] = ls[j];
    s[j + 4] = lm[j];
  }
  for (int j = 4; j < 8; ++j) {
    s[j + 4] = static_cast<uint8_t>((ls[j] & 0x0f) | ((lm[j] & 0x0f) << 4));
    s[j - 4] = static_cast<uint8_t>(s[j - 4] | ((ls[j] >> 4) << 6));
    s[j] = static_cast<uint8_t>(s[j] | ((lm[j] >> 4) << 6));
  }
}

// Packs 256 2-bit values (each 0..3) into 64 bytes (see the layout above).
void pack_2bit(const uint8_t* L, uint8_t* qs) {
  for (int h = 0; h < 2; ++h) {
    const uint8_t* Lh = L + 128 * h;
    for (int l = 0; l < 32; ++l) {
      qs[32 * h + l] = static_cast<uint8_t>(Lh[l] | (Lh[l + 32] << 2) | (Lh[l + 64] << 4) |
                                            (Lh[l + 96] << 6));
    }
  }
}

// Fits x[i] ~ scale * L[i] + min with L[i] in 0..nmax and min <= 0 (ggml's
// make_qkx2_quants). Starting from the range-based scale, it tries nstep + 1
// inverse scales (rmin + rdelta * is + nmax) / range, solves the weighted
// least-squares scale and offset for each rounding, and keeps the one with
// the smallest weighted error: squared, or absolute with abs_error. As in
// ggml, an accepted candidate's offset also becomes the origin of the later
// trials. Returns the scale; -min goes to neg_min.
float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min,
                    uint8_t* Laux, float rmin, float rdelta, int nstep, bool abs_error) {
  float lo = x[0];
  float hi = x[0];
  float sum_w = w[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  if (lo > 0) lo = 0;
  if (hi == lo) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    *neg_min = -lo;
    return 0.0f;
  }
  float iscale = static_cast<float>(nmax) / (hi - lo);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<uint8_t>(clamp_int(nearest_int(iscale * (x[i] - lo)), 0, nmax));
    float diff = scale * L[i] + lo - x[i];
    diff = abs_error ? std::fabs(diff) : diff * diff;
    best_error += w[i] * diff;
  }
  if (nstep < 1) {
    *neg_min = -lo;
    return scale;
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (hi - lo);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = clamp_int(nearest_int(iscale * (x[i] - lo)), 0, nmax);
      Laux[i] = static_cast<uint8_t>(l);
      const float fl = static_cast<float>(l);
      sum_l += w[i] * fl;
      sum_l2 += w[i] * fl * fl;
      sum_xl += w[i] * fl * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < n; ++i) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        diff = abs_error ? std::fabs(diff) : diff * diff;
        cur_error += w[i] * diff;
      }
      if (cur_error < best_error) {
        for (int i = 0; i < n; ++i) L[i] = Laux[i];
        best_error = cur_error;
        scale = this_scale;
        lo = this_min;
      }
    }
  }
  *neg_min = -lo;
  return scale;
}

// Fits x[i] ~ scale * l[i] with l[i] in -nmax..nmax-1, minimising the error
// weighted by x[i]^2 (ggml's make_qx_quants with rmse_type 1 and no importance
// weights): the scale that maps the value of largest magnitude to -nmax, then
// 18 nearby inverse scales -(nmax + 0.1 is) / max, each with its
// least-squares scale, keeping the best. Stores l + nmax in L; returns the
// scale (0 and all L = 0 for a group that is all zero).
float fit_scale_symmetric(int n, int nmax, const float* x, int8_t* L) {
  const float max = signed_absmax(x, n), amax = std::fabs(max);
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    L[i] = static_cast<int8_t>(l + nmax);
    const float w = x[i] * x[i];
    const float fl = static_cast<float>(l);
    sumlx += w * x[i] * fl;
    suml2 += w * fl * fl;
  }
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
      const float w = x[i] * x[i];
      const float fl = static_cast<float>(l);
      sumlx += w * x[i] * fl;
      suml2 += w * fl * fl;
    }
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < n; ++i)
        L[i] = static_cast<int8_t>(nmax + clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// q3_K's group fit (ggml's make_q3_quants with do_rmse): round at the scale
// that maps the largest magnitude to -nmax, then up to 5 sweeps that move
// single elements to the level the others' least-squares fit suggests
// whenever that raises sumlx^2 / suml2 (weights x[i]^2). Stores l + nmax in L.
float fit_scale_q3(int n, int nmax, const float* x, int8_t* L) {
  const float max = signed_absmax(x, n), amax = std::fabs(max);
  if (amax < kGroupMaxEps) {
    for (int i = 0; i < n; ++i) L[i] = 0;
    return 0.0f;
  }
  const float iscale = static_cast<float>(-nmax) / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
    L[i] = static_cast<int8_t>(l);
    const float w = x[i] * x[i];
    const float fl = static_cast<float>(l);
    sumlx += w * x[i] * fl;
    suml2 += w * fl * fl;
  }
  for (int pass = 0; pass < 5; ++pass) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      const float li = static_cast<float>(L[i]);
      float slx = sumlx - w * x[i] * li;
      if (slx > 0) {
        float sl2 = suml2 - w * li * li;
        const int nl = clamp_int(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
        if (nl != L[i]) {
          const float fnl = static_cast<float>(nl);
          slx += w * x[i] * fnl;
          sl2 += w * fnl * fnl;
          if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
            L[i] = static_cast<int8_t>(nl);
            sumlx = slx;
            suml2 = sl2;
            ++changed;
          }
        }
      }
    }
    if (changed == 0) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// Weights of q4_K/q5_K's group fits: sqrt(mean of x^2) + |x|.
void rms_plus_abs_weights(const float* x, float* w) {
  float sum_x2 = 0;
  for (int l = 0; l < 32; ++l) sum_x2 += x[l] * x[l];
  const float av_x = std::sqrt(sum_x2 / 32);
  for (int l = 0; l < 32; ++l) w[l] = av_x + std::fabs(x[l]);
}

// q4_K and q5_K share everything but the level count and the search range.
// Fills d, dmin, the 12 scale bytes and L (256 levels in 0..nmax).
void quantize_scale_min_block(const float* x, int nmax, float rmin, int nstep, uint8_t* head,
                              uint8_t* L) {
  float scales[8], mins[8], w[32];
  uint8_t Laux[32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    rms_plus_abs_weights(x + 32 * j, w);
    scales[j] = fit_scale_min(32, nmax, x + 32 * j, w, L + 32 * j, &mins[j], Laux, rmin, 0.1f,
                              nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    // ggml stores the rounded value in a uint8_t before clamping: keep the wrap.
    const auto s = static_cast<uint8_t>(nearest_int(inv_scale * scales[j]));
    const auto m = static_cast<uint8_t>(nearest_int(inv_min * mins[j]));
    ls[j] = s < 63 ? s : 63;
    lm[j] = m < 63 ? m : 63;
  }
  uint8_t* sc = head + 4;
  pack_scale_min_k4(ls, lm, sc);
  store_f16(head, max_scale / 63.0f);
  store_f16(head + 2, max_min / 63.0f);

  const float d_all = load_f16(head);
  const float dmin_all = load_f16(head + 2);
  for (int j = 0; j < 8; ++j) {
    int s, m;
    unpack_scale_min_k4(j, sc, s, m);
    const float d = d_all * static_cast<float>(s);
    if (d == 0) continue;
    const float dm = dmin_all * static_cast<float>(m);
    for (int i = 0; i < 32; ++i)
      L[32 * j + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[32 * j + i] + dm) / d), 0, nmax));
  }
}

}  // namespace

// --- q2_K -----------------------------------------------------------------

void quantize_q2_K(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += kQK_K, dst += 84) {
    uint8_t L[kQK_K], Laux[16];
    float w[16], scales[16], mins[16];
    float max_scale = 0, max_min = 0;
    for (int j = 0; j < 16; ++j) {
      for (int l = 0; l < 16; ++l) w[l] = std::fabs(x[16 * j + l]);
      scales[j] = fit_scale_min(16, 3, x + 16 * j, w, L + 16 * j, &mins[j], Laux, -0.5f, 0.1f, 15,
                                true);
      if (scales[j] > max_scale) max_scale = scales[j];
      if (mins[j] > max_min) max_min = mins[j];
    }
    uint8_t* sc = dst;
    uint8_t* qs = dst + 16;
    if (max_scale > 0) {
      const float iscale = 15.0f / max_scale;
      for (int j = 0; j < 16; ++j) sc[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
      store_f16(dst + 80, max_scale / 15.0f);
    } else {
      for (int j = 0; j < 16; ++j) sc[j] = 0;
      store_f16(dst + 80, 0.0f);
    }
    if (max_min > 0) {
      const float iscale = 15.0f / max_min;
      for (int j = 0; j < 16; ++j)
        sc[j] = static_cast<uint8_t>(sc[j] | (static_cast<uint32_t>(nearest_int(iscale * mins[j])) << 4));
      store_f16(dst + 82, max_min / 15.0f);
    } else {
      store_f16(dst + 82, 0.0f);
    }
    const float d_all = load_f16(dst + 80);
    const float dmin_all = load_f16(dst + 82);
    for (int j = 0; j < 16; ++j) {
      const float d = d_all * static_cast<float>(sc[j] & 0x0f);
      if (d == 0) continue;
      const float dm = dmin_all * static_cast<float>(sc[j] >> 4);
      for (int i = 0; i < 16; ++i)
        L[16 * j + i] = static_cast<uint8_t>(clamp_int(nearest_int((x[16 * j + i] + dm) / d), 0, 3));
    }
    pack_2bit(L, qs);
  }
}

void dequantize_q2_K(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 84) {
    const uint8_t* sc = src;
    const float d = load_f16(src + 80);
    const float dmin = load_f16(src + 82);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = src + 16 + 32 * h;
      for (int k = 0; k < 4; ++k) {
        const int shift = 2 * k;
        for (int half = 0; half < 2; ++half) {  // two groups of 16 per shift
          const uint8_t s = sc[8 * h + 2 * k + half];
          const float dl = d * static_cast<float>(s & 0x0f);
          const float ml = dmin * static_cast<float>(s >> 4);
          for (int l = 0; l < 16; ++l)
            *y++ = dl * static_cast<float>((q[16 * half + l] >> shift) & 3) - ml;
        }
      }
    }
  }
}

// --- q3_K -----------------------------------------------------------------

namespace {

int q3_scale(const uint8_t* s, int j) {
  const int low = j < 8 ? (s[j] & 0x0f) : (s[j - 8] >> 4);
  const int high = (s[8 + j % 4] >> (2 * (j / 4))) & 3;
  return (low | (high << 4)) - 32;
}

}  // namespace

void quantize_q3_K(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += kQK_K, dst += 110) {
    int8_t L[kQK_K];
    float scales[16];
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
      scales[j] = fit_scale_q3(16, 4, x + 16 * j, L + 16 * j);
      const float a = std::fabs(scales[j]);
      if (a > amax) {
        amax = a;
        max_scale = scales[j];
      }
    }
    uint8_t* hmask = dst;
    uint8_t* qs = dst + 32;
    uint8_t* sc = dst + 96;
    std::memset(sc, 0, 12);
    if (max_scale != 0) {
      const float iscale = -32.0f / max_scale;
      for (int j = 0; j < 16; ++j) {
        // ggml keeps the rounded value in an int8_t: keep the wrap.
        const int r = static_cast<int8_t>(nearest_int(iscale * scales[j]));
        const int l = clamp_int(r, -32, 31) + 32;
        if (j < 8)
          sc[j] = static_cast<uint8_t>(l & 0x0f);
        else
          sc[j - 8] = static_cast<uint8_t>(sc[j - 8] | ((l & 0x0f) << 4));
        sc[8 + j % 4] = static_cast<uint8_t>(sc[8 + j % 4] | ((l >> 4) << (2 * (j / 4))));
      }
      store_f16(dst + 108, 1 / iscale);
    } else {
      store_f16(dst + 108, 0.0f);
    }
    const float d_all = load_f16(dst + 108);
    for (int j = 0; j < 16; ++j) {
      const float d = d_all * static_cast<float>(q3_scale(sc, j));
      if (d == 0) continue;
      for (int i = 0; i < 16; ++i)
        L[16 * j + i] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * j + i] / d), -4, 3) + 4);
    }
    std::memset(hmask, 0, 32);
    uint8_t low[kQK_K];
    for (int j = 0; j < kQK_K; ++j) {
      int l = L[j];
      if (l > 3) {
        hmask[j % 32] = static_cast<uint8_t>(hmask[j % 32] | (1 << (j / 32)));
        l -= 4;
      }
      low[j] = static_cast<uint8_t>(l);
    }
    pack_2bit(low, qs);
  }
}

void dequantize_q3_K(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 110) {
    const uint8_t* hmask = src;
    const uint8_t* sc = src + 96;
    const float d_all = load_f16(src + 108);
    for (int h = 0; h < 2; ++h) {
      const uint8_t* q = src + 32 + 32 * h;
      for (int k = 0; k < 4; ++k) {
        const int shift = 2 * k;
        const int bit = 4 * h + k;  // hmask bit of elements 32 * bit .. 32 * bit + 31
        for (int half = 0; half < 2; ++half) {
          const float dl = d_all * static_cast<float>(q3_scale(sc, 8 * h + 2 * k + half));
          for (int l = 16 * half; l < 16 * half + 16; ++l) {
            const int v = ((q[l] >> shift) & 3) - (((hmask[l] >> bit) & 1) ? 0 : 4);
            *y++ = dl * static_cast<float>(v);
          }
        }
      }
    }
  }
}

// --- q4_K -----------------------------------------------------------------

void quantize_q4_K(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += kQK_K, dst += 144) {
    uint8_t L[kQK_K];
    quantize_scale_min_block(x, 15, -1.0f, 20, dst, L);
    uint8_t* qs = dst + 16;
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l)
        qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + l + 32] << 4));
  }
}

void dequantize_q4_K(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 144) {
    const float d = load_f16(src);
    const float dmin = load_f16(src + 2);
    const uint8_t* sc = src + 4;
    const uint8_t* q = src + 16;
    for (int c = 0; c < 4; ++c, q += 32) {
      int s, m;
      unpack_scale_min_k4(2 * c, sc, s, m);
      const float d1 = d * static_cast<float>(s), m1 = dmin * static_cast<float>(m);
      unpack_scale_min_k4(2 * c + 1, sc, s, m);
      const float d2 = d * static_cast<float>(s), m2 = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0x0f) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
    }
  }
}

// --- q5_K -----------------------------------------------------------------

void quantize_q5_K(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += kQK_K, dst += 176) {
    uint8_t L[kQK_K];
    quantize_scale_min_block(x, 31, -0.5f, 15, dst, L);
    uint8_t* qh = dst + 16;
    uint8_t* qs = dst + 48;
    std::memset(qh, 0, 32);
    for (int c = 0; c < 4; ++c) {
      for (int l = 0; l < 32; ++l) {
        int lo = L[64 * c + l];
        int hi = L[64 * c + l + 32];
        if (lo > 15) {
          lo -= 16;
          qh[l] = static_cast<uint8_t>(qh[l] | (1 << (2 * c)));
        }
        if (hi > 15) {
          hi -= 16;
          qh[l] = static_cast<uint8_t>(qh[l] | (2 << (2 * c)));
        }
        qs[32 * c + l] = static_cast<uint8_t>(lo | (hi << 4));
      }
    }
  }
}

void dequantize_q5_K(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 176) {
    const float d = load_f16(src);
    const float dmin = load_f16(src + 2);
    const uint8_t* sc = src + 4;
    const uint8_t* qh = src + 16;
    const uint8_t* q = src + 48;
    for (int c = 0; c < 4; ++c, q += 32) {
      int s, m;
      unpack_scale_min_k4(2 * c, sc, s, m);
      const float d1 = d * static_cast<float>(s), m1 = dmin * static_cast<float>(m);
      unpack_scale_min_k4(2 * c + 1, sc, s, m);
      const float d2 = d * static_cast<float>(s), m2 = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) {
        const int v = (q[l] & 0x0f) | (((qh[l] >> (2 * c)) & 1) << 4);
        *y++ = d1 * static_cast<float>(v) - m1;
      }
      for (int l = 0; l < 32; ++l) {
        const int v = (q[l] >> 4) | (((qh[l] >> (2 * c + 1)) & 1) << 4);
        *y++ = d2 * static_cast<float>(v) - m2;
      }
    }
  }
}

// --- q6_K -----------------------------------------------------------------

void quantize_q6_K(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += kQK_K, dst += 210) {
    int8_t L[kQK_K];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    for (int g = 0; g < 16; ++g) {
      scales[g] = fit_scale_symmetric(16, 32, x + 16 * g, L + 16 * g);
      const float a = std::fabs(scales[g]);
      if (a > max_abs_scale) {
        max_abs_scale = a;
        max_scale = scales[g];
      }
    }
    if (max_abs_scale < kGroupMaxEps) {
      std::memset(dst, 0, 210);  // all-zero block: d = 0, everything else 0
      continue;
    }
    uint8_t* ql = dst;
    uint8_t* qh = dst + 128;
    uint8_t* sc = dst + 192;
    const float iscale = -128.0f / max_scale;
    store_f16(dst + 208, 1 / iscale);
    for (int g = 0; g < 16; ++g) {
      const int s = nearest_int(iscale * scales[g]);
      sc[g] = static_cast<uint8_t>(s < 127 ? s : 127);  // an int8 field; ggml's store wraps
    }
    const float d_all = load_f16(dst + 208);
    for (int g = 0; g < 16; ++g) {
      const float d = d_all * static_cast<float>(static_cast<int8_t>(sc[g]));
      if (d == 0) continue;
      for (int i = 0; i < 16; ++i)
        L[16 * g + i] = static_cast<int8_t>(clamp_int(nearest_int(x[16 * g + i] / d), -32, 31) + 32);
    }
    for (int h = 0; h < 2; ++h) {
      const int8_t* Lh = L + 128 * h;
      uint8_t* qlh = ql + 64 * h;
      uint8_t* qhh = qh + 32 * h;
      for (int l = 0; l < 32; ++l) {
        const int v0 = Lh[l], v1 = Lh[l + 32], v2 = Lh[l + 64], v3 = Lh[l + 96];
        qlh[l] = static_cast<uint8_t>((v0 & 0x0f) | ((v2 & 0x0f) << 4));
        qlh[l + 32] = static_cast<uint8_t>((v1 & 0x0f) | ((v3 & 0x0f) << 4));
        qhh[l] = static_cast<uint8_t>((v0 >> 4) | ((v1 >> 4) << 2) | ((v2 >> 4) << 4) | ((v3 >> 4) << 6));
      }
    }
  }
}

void dequantize_q6_K(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 210) {
    const float d = load_f16(src + 208);
    const auto* sc = reinterpret_cast<const int8_t*>(src + 192);
    for (int h = 0; h < 2; ++h, y += 128) {
      const uint8_t* ql = src + 64 * h;
      const uint8_t* qh = src + 128 + 32 * h;
      const int8_t* s = sc + 8 * h;
      for (int l = 0; l < 32; ++l) {
        const int g = l / 16;
        const int q0 = ((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q1 = ((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q2 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q3 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * static_cast<float>(s[g]) * static_cast<float>(q0);
        y[l + 32] = d * static_cast<float>(s[g + 2]) * static_cast<float>(q1);
        y[l + 64] = d * static_cast<float>(s[g + 4]) * static_cast<float>(q2);
        y[l + 96] = d * static_cast<float>(s[g + 6]) * static_cast<float>(q3);
      }
    }
  }
}

// --- q8_K -----------------------------------------------------------------

void quantize_q8_K(const float* x, uint8_t* dst, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, x += kQK_K, dst += 292) {
    float max = 0, amax = 0;
    for (int j = 0; j < kQK_K; ++j) {
      const float a = std::fabs(x[j]);
      if (a > amax) {
        amax = a;
        max = x[j];
      }
    }
    if (amax == 0) {
      std::memset(dst, 0, 292);  // d = 0.0f, qs and bsums 0
      continue;
    }
    // -127 (not -128) so that every q has a negation in range.
    const float iscale = -127.0f / max;
    uint8_t* qs = dst + 4;
    for (int j = 0; j < kQK_K; ++j) {
      const int v = nearest_int(iscale * x[j]);
      qs[j] = static_cast<uint8_t>(v < 127 ? v : 127);
    }
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += static_cast<int8_t>(qs[16 * g + i]);
      store_u16(dst + 260 + 2 * g, static_cast<uint16_t>(sum));
    }
    store_f32(dst, 1 / iscale);
  }
}

void dequantize_q8_K(const uint8_t* src, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, src += 292) {
    const float d = load_f32(src);
    for (int j = 0; j < kQK_K; ++j) *y++ = d * static_cast<float>(static_cast<int8_t>(src[4 + j]));
  }
}

}  // namespace hearth::tensor::kquants
