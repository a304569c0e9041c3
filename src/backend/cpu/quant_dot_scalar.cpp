// The scalar reference of the integer dot products (see quant_dot.h): each
// weight block is decoded into integer levels and integer scales, multiplied
// with the int8 activations in exact integer arithmetic, and only then scaled
// by the float factors (weight scale x activation scale) and summed, in
// double. The fast levels compute the same integer sums and differ from this
// only by the rounding of the float part.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "backend/cpu/quant_dot.h"
#include "core/bytes.h"
#include "core/error.h"
#include "core/half.h"
#include "tensor/dequantize.h"

namespace hearth::backend::cpu {

using tensor::DType;

namespace {

float rdf16(const uint8_t* p) { return f16_to_f32(load_le<uint16_t>(p)); }

// ggml's kvalues_iq4nl.
constexpr int8_t kIq4Levels[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// --- blocks of 32 against the Q8_0 partner -------------------------------

// One weight block of 32: x[j] = d * L[j] + m.
struct Block32 {
  int L[32];
  float d;
  float m;  // 0 for the symmetric types
};

void decode_block32(DType type, const uint8_t* b, Block32& o) {
  o.m = 0.0f;
  switch (type) {
    case DType::Q4_0:
      o.d = rdf16(b);
      for (int j = 0; j < 16; ++j) o.L[j] = (b[2 + j] & 15) - 8, o.L[j + 16] = (b[2 + j] >> 4) - 8;
      return;
    case DType::Q4_1:
      o.d = rdf16(b), o.m = rdf16(b + 2);
      for (int j = 0; j < 16; ++j) o.L[j] = b[4 + j] & 15, o.L[j + 16] = b[4 + j] >> 4;
      return;
    case DType::Q5_0: {
      o.d = rdf16(b);
      const uint32_t qh = load_le<uint32_t>(b + 2);
      for (int j = 0; j < 16; ++j) {
        o.L[j] = ((b[6 + j] & 15) | (((qh >> j) & 1) << 4)) - 16;
        o.L[j + 16] = ((b[6 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4)) - 16;
      }
      return;
    }
    case DType::Q5_1: {
      o.d = rdf16(b), o.m = rdf16(b + 2);
      const uint32_t qh = load_le<uint32_t>(b + 4);
      for (int j = 0; j < 16; ++j) {
        o.L[j] = (b[8 + j] & 15) | (((qh >> j) & 1) << 4);
        o.L[j + 16] = (b[8 + j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      }
      return;
    }
    case DType::Q8_0:
      o.d = rdf16(b);
      for (int j = 0; j < 32; ++j) o.L[j] = static_cast<int8_t>(b[2 + j]);
      return;
    case DType::IQ4_NL:
      o.d = rdf16(b);
      for (int j = 0; j < 16; ++j) o.L[j] = kIq4Levels[b[2 + j] & 15], o.L[j + 16] = kIq4Levels[b[2 + j] >> 4];
      return;
    default:
      fail("vec_dot: ", tensor::dtype_info(type).name, " has no 32-element integer kernel");
  }
}

// The largest offset a fast kernel adds to a level and takes back with the
// activation sums (q4_0 stores level + 8; the VNNI kernels shift signed
// levels or activations by 128): it bounds the partial sums they round.
int level_offset(DType type) {
  switch (type) {
    case DType::Q4_0: return 8;
    case DType::Q5_0: return 16;
    case DType::Q8_0:
    case DType::IQ4_NL:
    case DType::IQ4_XS: return 128;
    case DType::Q3_K: return 4;
    case DType::Q6_K: return 32;
    default: return 0;
  }
}

double dot_blocks32(DType type, int64_t k, const uint8_t* w, const uint8_t* a, double* magnitude) {
  const int64_t nb = k / 32;
  const size_t bytes = tensor::dtype_info(type).block_bytes;
  const int offset = level_offset(type);
  const auto* qs = reinterpret_cast<const int8_t*>(a);
  const uint8_t* ad = a + k;
  const uint8_t* asum = a + k + 4 * nb;
  double sum = 0.0, mag = 0.0;
  Block32 blk;
  for (int64_t b = 0; b < nb; ++b) {
    decode_block32(type, w + b * bytes, blk);
    int32_t isum = 0, iabs = 0;
    for (int j = 0; j < 32; ++j) {
      isum += blk.L[j] * qs[32 * b + j];
      iabs += (std::abs(blk.L[j]) + offset) * std::abs(qs[32 * b + j]);
    }
    const double da = load_le<float>(ad + 4 * b);
    const double dm = static_cast<double>(blk.m) * da * load_le<int32_t>(asum + 4 * b);
    sum += static_cast<double>(blk.d) * da * isum + dm;
    mag += std::fabs(static_cast<double>(blk.d) * da) * iabs + std::fabs(dm);
  }
  if (magnitude) *magnitude = mag;
  return sum;
}

// --- super-blocks of 256 against the Q8_K partner ------------------------

// One weight super-block: x[i] = d * S[g] * L[i] - dmin * M[g], g = i / 16
// (the types with groups of 32 repeat each scale twice).
struct Block256 {
  int L[256];
  int S[16];
  int M[16];
  float d;
  float dmin;
};

// The 6-bit scale and min of group j of q4_K/q5_K (ggml's get_scale_min_k4).
void scale_min_k4(int j, const uint8_t* s, int& sc, int& m) {
  if (j < 4) {
    sc = s[j] & 63, m = s[j + 4] & 63;
  } else {
    sc = (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
    m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

void decode_block256(DType type, const uint8_t* b, Block256& o) {
  o.dmin = 0.0f;
  for (int g = 0; g < 16; ++g) o.M[g] = 0;
  switch (type) {
    case DType::Q2_K: {
      o.d = rdf16(b + 80), o.dmin = rdf16(b + 82);
      for (int g = 0; g < 16; ++g) o.S[g] = b[g] & 15, o.M[g] = b[g] >> 4;
      // 2-bit field k of byte l of half h is element 128h + 32k + l.
      for (int h = 0; h < 2; ++h)
        for (int kk = 0; kk < 4; ++kk)
          for (int l = 0; l < 32; ++l) o.L[128 * h + 32 * kk + l] = (b[16 + 32 * h + l] >> (2 * kk)) & 3;
      return;
    }
    case DType::Q3_K: {
      o.d = rdf16(b + 108);
      const uint8_t* sc = b + 96;
      for (int g = 0; g < 16; ++g) {
        const int low = g < 8 ? (sc[g] & 15) : (sc[g - 8] >> 4);
        const int high = (sc[8 + g % 4] >> (2 * (g / 4))) & 3;
        o.S[g] = (low | (high << 4)) - 32;
      }
      for (int h = 0; h < 2; ++h)
        for (int kk = 0; kk < 4; ++kk)
          for (int l = 0; l < 32; ++l) {
            const int i = 128 * h + 32 * kk + l;
            const int hbit = (b[l] >> (i / 32)) & 1;
            o.L[i] = ((b[32 + 32 * h + l] >> (2 * kk)) & 3) - (hbit ? 0 : 4);
          }
      return;
    }
    case DType::Q4_K:
    case DType::Q5_K: {
      const bool five = type == DType::Q5_K;
      o.d = rdf16(b), o.dmin = rdf16(b + 2);
      for (int j = 0; j < 8; ++j) {
        int sc, m;
        scale_min_k4(j, b + 4, sc, m);
        o.S[2 * j] = o.S[2 * j + 1] = sc;
        o.M[2 * j] = o.M[2 * j + 1] = m;
      }
      const uint8_t* qh = b + 16;
      const uint8_t* qs = b + (five ? 48 : 16);
      for (int c = 0; c < 4; ++c)
        for (int l = 0; l < 32; ++l) {
          int lo = qs[32 * c + l] & 15, hi = qs[32 * c + l] >> 4;
          if (five) lo |= ((qh[l] >> (2 * c)) & 1) << 4, hi |= ((qh[l] >> (2 * c + 1)) & 1) << 4;
          o.L[64 * c + l] = lo, o.L[64 * c + 32 + l] = hi;
        }
      return;
    }
    case DType::Q6_K: {
      o.d = rdf16(b + 208);
      for (int g = 0; g < 16; ++g) o.S[g] = static_cast<int8_t>(b[192 + g]);
      for (int h = 0; h < 2; ++h) {
        const uint8_t* ql = b + 64 * h;
        const uint8_t* qh = b + 128 + 32 * h;
        int* L = o.L + 128 * h;
        for (int l = 0; l < 32; ++l) {
          L[l] = ((ql[l] & 15) | (((qh[l] >> 0) & 3) << 4)) - 32;
          L[l + 32] = ((ql[l + 32] & 15) | (((qh[l] >> 2) & 3) << 4)) - 32;
          L[l + 64] = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
          L[l + 96] = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        }
      }
      return;
    }
    case DType::IQ4_XS: {
      o.d = rdf16(b);
      const unsigned scales_h = load_le<uint16_t>(b + 2);
      for (int g = 0; g < 8; ++g) {
        const int ls = ((b[4 + g / 2] >> (4 * (g % 2))) & 15) | (((scales_h >> (2 * g)) & 3) << 4);
        o.S[2 * g] = o.S[2 * g + 1] = ls - 32;
        const uint8_t* qs = b + 8 + 16 * g;
        for (int j = 0; j < 16; ++j)
          o.L[32 * g + j] = kIq4Levels[qs[j] & 15], o.L[32 * g + 16 + j] = kIq4Levels[qs[j] >> 4];
      }
      return;
    }
    default:
      fail("vec_dot: ", tensor::dtype_info(type).name, " has no 256-element integer kernel");
  }
}

double dot_blocks256(DType type, int64_t k, const uint8_t* w, const uint8_t* a, double* magnitude) {
  const int64_t nb = k / 256;
  const size_t bytes = tensor::dtype_info(type).block_bytes;
  const int offset = level_offset(type);
  const auto* qs = reinterpret_cast<const int8_t*>(a);
  const uint8_t* ad = a + k;
  const uint8_t* bsum = a + k + 4 * nb;
  double sum = 0.0, mag = 0.0;
  Block256 blk;
  for (int64_t b = 0; b < nb; ++b) {
    decode_block256(type, w + b * bytes, blk);
    int64_t isum = 0, msum = 0, iabs = 0, mabs = 0;
    for (int g = 0; g < 16; ++g) {
      int32_t gs = 0, ga = 0;
      for (int i = 0; i < 16; ++i) {
        gs += blk.L[16 * g + i] * qs[256 * b + 16 * g + i];
        ga += (std::abs(blk.L[16 * g + i]) + offset) * std::abs(qs[256 * b + 16 * g + i]);
      }
      isum += static_cast<int64_t>(blk.S[g]) * gs;
      iabs += static_cast<int64_t>(std::abs(blk.S[g])) * ga;
      const int64_t m = static_cast<int64_t>(blk.M[g]) * load_le<int16_t>(bsum + 2 * (16 * b + g));
      msum += m;
      mabs += m < 0 ? -m : m;
    }
    const double da = load_le<float>(ad + 4 * b);
    sum += static_cast<double>(blk.d) * da * static_cast<double>(isum) -
           static_cast<double>(blk.dmin) * da * static_cast<double>(msum);
    mag += std::fabs(static_cast<double>(blk.d) * da) * static_cast<double>(iabs) +
           std::fabs(static_cast<double>(blk.dmin) * da) * static_cast<double>(mabs);
  }
  if (magnitude) *magnitude = mag;
  return sum;
}

// --- quantizers ------------------------------------------------------------

void quantize_q8_0_ref(const float* x, int64_t k, uint8_t* row) {
  const int64_t nb = k / 32;
  uint8_t blk[34];
  for (int64_t b = 0; b < nb; ++b) {
    tensor::quantize_row(DType::Q8_0, x + 32 * b, blk, 32);
    std::memcpy(row + 32 * b, blk + 2, 32);
    const float d = rdf16(blk);
    int32_t s = 0;
    for (int j = 0; j < 32; ++j) s += static_cast<int8_t>(blk[2 + j]);
    std::memcpy(row + k + 4 * b, &d, 4);
    std::memcpy(row + k + 4 * nb + 4 * b, &s, 4);
  }
}

void quantize_q8_K_ref(const float* x, int64_t k, uint8_t* row) {
  const int64_t nb = k / 256;
  uint8_t blk[292];
  for (int64_t b = 0; b < nb; ++b) {
    tensor::quantize_row(DType::Q8_K, x + 256 * b, blk, 256);
    std::memcpy(row + 256 * b, blk + 4, 256);
    std::memcpy(row + k + 4 * b, blk, 4);
    std::memcpy(row + k + 4 * nb + 32 * b, blk + 260, 32);
  }
}

void quantize_q8_0_scalar(const float* x, int64_t k, uint8_t* row) { quantize_q8_0_ref(x, k, row); }
void quantize_q8_K_scalar(const float* x, int64_t k, uint8_t* row) { quantize_q8_K_ref(x, k, row); }

template <DType W>
void gemm_scalar(int64_t k, const uint8_t* w, size_t w_stride, int nr, const uint8_t* a, size_t a_stride, int nt,
                 float* out, size_t out_stride) {
  for (int t = 0; t < nt; ++t)
    for (int r = 0; r < nr; ++r) out[t * out_stride + r] = vec_dot_scalar(W, k, w + r * w_stride, a + t * a_stride);
}

QuantKernels make_scalar() {
  QuantKernels q{};
  q.level = Level::Scalar;
  q.quantize[0] = quantize_q8_0_scalar;
  q.quantize[1] = quantize_q8_K_scalar;
  auto set = [&](DType t, QGemmFn f) { q.gemm[static_cast<uint32_t>(t)] = f; };
  set(DType::Q4_0, gemm_scalar<DType::Q4_0>);
  set(DType::Q4_1, gemm_scalar<DType::Q4_1>);
  set(DType::Q5_0, gemm_scalar<DType::Q5_0>);
  set(DType::Q5_1, gemm_scalar<DType::Q5_1>);
  set(DType::Q8_0, gemm_scalar<DType::Q8_0>);
  set(DType::IQ4_NL, gemm_scalar<DType::IQ4_NL>);
  set(DType::Q2_K, gemm_scalar<DType::Q2_K>);
  set(DType::Q3_K, gemm_scalar<DType::Q3_K>);
  set(DType::Q4_K, gemm_scalar<DType::Q4_K>);
  set(DType::Q5_K, gemm_scalar<DType::Q5_K>);
  set(DType::Q6_K, gemm_scalar<DType::Q6_K>);
  set(DType::IQ4_XS, gemm_scalar<DType::IQ4_XS>);
  return q;
}

}  // namespace

ActType act_type_for(DType w) {
  switch (w) {
    case DType::Q2_K:
    case DType::Q3_K:
    case DType::Q4_K:
    case DType::Q5_K:
    case DType::Q6_K:
    case DType::IQ4_XS:
      return ActType::Q8_K;
    default:
      return ActType::Q8_0;
  }
}

size_t act_row_bytes(ActType act, int64_t k) {
  const size_t n = static_cast<size_t>(k);
  const size_t bytes = act == ActType::Q8_0 ? n + 4 * (n / 32) + 4 * (n / 32) : n + 4 * (n / 256) + 2 * (n / 16);
  return (bytes + 63) / 64 * 64;
}

size_t wide_row_bytes(int64_t k) { return static_cast<size_t>((k + 511) / 512) * kWideGroupBytes; }

void widen_act_row(ActType act, const uint8_t* row, int64_t k, uint8_t* wide) {
  const int64_t groups = (k + 511) / 512, lanes = k / 32;
  const int64_t block = act == ActType::Q8_0 ? 32 : 256;
  std::memset(wide, 0, static_cast<size_t>(groups) * kWideGroupBytes);
  for (int64_t lane = 0; lane < lanes; ++lane) {
    uint8_t* g = wide + (lane / 16) * kWideGroupBytes;
    const int i = static_cast<int>(lane % 16);
    const auto* q = reinterpret_cast<const int8_t*>(row + 32 * lane);
    for (int j = 0; j < 8; ++j) std::memcpy(g + 64 * j + 4 * i, q + 4 * j, 4);
    const float d = load_le<float>(row + k + 4 * (32 * lane / block));
    int32_t lo = 0, hi = 0;
    for (int e = 0; e < 16; ++e) lo += q[e], hi += q[16 + e];
    const float v[4] = {d, d * static_cast<float>(lo + hi), d * static_cast<float>(lo), d * static_cast<float>(hi)};
    for (int f = 0; f < 4; ++f) std::memcpy(g + 512 + 64 * f + 4 * i, &v[f], 4);
  }
}

bool has_vec_dot(DType w) { return quant_kernels_scalar().find(w) != nullptr; }

float vec_dot_scalar(DType w, int64_t k, const void* w_row, const uint8_t* act_row) {
  const auto* wr = static_cast<const uint8_t*>(w_row);
  if (act_type_for(w) == ActType::Q8_K) return static_cast<float>(dot_blocks256(w, k, wr, act_row, nullptr));
  return static_cast<float>(dot_blocks32(w, k, wr, act_row, nullptr));
}

double vec_dot_magnitude(DType w, int64_t k, const void* w_row, const uint8_t* act_row) {
  const auto* wr = static_cast<const uint8_t*>(w_row);
  double mag = 0.0;
  if (act_type_for(w) == ActType::Q8_K) dot_blocks256(w, k, wr, act_row, &mag);
  else dot_blocks32(w, k, wr, act_row, &mag);
  return mag;
}

void quantize_act_scalar(ActType act, const float* x, int64_t k, uint8_t* row) {
  if (act == ActType::Q8_0) quantize_q8_0_ref(x, k, row);
  else quantize_q8_K_ref(x, k, row);
}

const QuantKernels& quant_kernels_scalar() {
  static const QuantKernels q = make_scalar();
  return q;
}

std::vector<const QuantKernels*> supported_quant_kernels() {
  std::vector<const QuantKernels*> v{&quant_kernels_scalar()};
  for (const QuantKernels* q : {quant_kernels_avx2(), quant_kernels_avx512bw(), quant_kernels_avx512vnni()})
    if (q) v.push_back(q);
  return v;
}

const QuantKernels& best_quant_kernels() {
  static const QuantKernels& chosen = []() -> const QuantKernels& {
    const Level level = chosen_level();
    const QuantKernels* q = nullptr;
    if (level >= Level::Avx512Vnni) q = quant_kernels_avx512vnni();
    if (!q && level >= Level::Avx512) q = quant_kernels_avx512bw();
    if (!q && level >= Level::Avx2) q = quant_kernels_avx2();
    return q ? *q : quant_kernels_scalar();
  }();
  return chosen;
}

}  // namespace hearth::backend::cpu
