// Portable fill kernels and the run-time kernel choice. Every operation here mirrors one in
// noise_kernels_avx2.cpp, in the same order, so that both give the same bits.
#include "ebm/noise_kernels.h"

#include <cmath>
#include <cstring>

namespace ebm::noise_kernels {
namespace {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

inline void philox_round(uint32_t c[4], uint32_t k0, uint32_t k1) {
  const uint64_t p0 = static_cast<uint64_t>(kM0) * c[0];
  const uint64_t p1 = static_cast<uint64_t>(kM1) * c[2];
  const uint32_t y0 = static_cast<uint32_t>(p1 >> 32) ^ c[1] ^ k0;
  const uint32_t y2 = static_cast<uint32_t>(p0 >> 32) ^ c[3] ^ k1;
  c[0] = y0;
  c[1] = static_cast<uint32_t>(p1);
  c[2] = y2;
  c[3] = static_cast<uint32_t>(p0);
}

// x[w][i] <- word w of block first + i, i < B.
template <int B>
inline void philox_blocks(uint64_t seed, uint64_t first, uint32_t x[4][B]) {
  uint32_t c[B][4];
  for (int i = 0; i < B; ++i) {
    const uint64_t b = first + static_cast<uint64_t>(i);
    c[i][0] = static_cast<uint32_t>(b);
    c[i][1] = static_cast<uint32_t>(b >> 32);
    c[i][2] = 0;
    c[i][3] = 0;
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int r = 0; r < 10; ++r) {
    for (int i = 0; i < B; ++i) philox_round(c[i], k0, k1);
    k0 += kW0;
    k1 += kW1;
  }
  for (int i = 0; i < B; ++i)
    for (int w = 0; w < 4; ++w) x[w][i] = c[i][w];
}

inline uint32_t bits_of(float v) {
  uint32_t u;
  std::memcpy(&u, &v, 4);
  return u;
}
inline float float_of(uint32_t u) {
  float v;
  std::memcpy(&v, &u, 4);
  return v;
}
inline uint64_t bits_of(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  return u;
}
inline double double_of(uint64_t u) {
  double v;
  std::memcpy(&v, &u, 8);
  return v;
}

// ---- float -------------------------------------------------------------------------------------

// Cephes logf: u = 2^e m, m in [sqrt(1/2), sqrt(2)), ln(1+x) = x - x^2/2 + x^3 P(x). u > 0, normal.
inline float log_f32(float u) {
  const uint32_t b = bits_of(u);
  const int32_t ei = static_cast<int32_t>(b >> 23) - 126;
  const float m = float_of((b & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  const bool low = m < 0.707106781186547524f;
  const float e = static_cast<float>(ei) - (low ? 1.0f : 0.0f);
  float x = (m - 1.0f) + (low ? m : 0.0f);
  const float z = x * x;
  float y = 7.0376836292e-2f;
  y = y * x + -1.1514610310e-1f;
  y = y * x + 1.1676998740e-1f;
  y = y * x + -1.2420140846e-1f;
  y = y * x + 1.4249322787e-1f;
  y = y * x + -1.6668057665e-1f;
  y = y * x + 2.0000714765e-1f;
  y = y * x + -2.4999993993e-1f;
  y = y * x + 3.3333331174e-1f;
  y = (y * x) * z;
  y = y + e * -2.12194440e-4f;
  y = y + z * -0.5f;
  x = x + y;
  return x + e * 0.693359375f;
}

// cos and sin of 2 pi j / 2^24, j < 2^24.
inline void sincos_turns_f32(uint32_t j, float* cos_out, float* sin_out) {
  const uint32_t q = (j + (1u << 21)) >> 22;  // nearest quarter turn, 0..4
  const int32_t fi = static_cast<int32_t>(j - (q << 22));
  const float x = static_cast<float>(fi) * (6.28318530717958647692f * 0x1p-24f);  // |x| <= pi/4
  const float z = x * x;
  float s = -1.9515295891e-4f;
  s = s * z + 8.3321608736e-3f;
  s = s * z + -1.6666654611e-1f;
  s = ((s * z) * x) + x;
  float c = 2.443315711809948e-5f;
  c = c * z + -1.388731625493765e-3f;
  c = c * z + 4.166664568298827e-2f;
  c = ((c * z) * z + z * -0.5f) + 1.0f;
  const bool swap = (q & 1u) != 0;
  *cos_out = float_of(bits_of(swap ? s : c) ^ (((q + 1u) & 2u) << 30));
  *sin_out = float_of(bits_of(swap ? c : s) ^ ((q & 2u) << 30));
}

inline void normal_pair_f32(uint32_t xa, uint32_t xb, float* zc, float* zs) {
  const float hi = static_cast<float>(static_cast<int32_t>(xa >> 8)) * 0x1p-24f;
  const float lo = static_cast<float>(static_cast<int32_t>((((xa & 255u) << 8) | (xb & 255u)) + 1u)) * 0x1p-40f;
  const float u1 = hi + lo;
  const float r = std::sqrt(log_f32(u1) * -2.0f);
  float c, s;
  sincos_turns_f32(xb >> 8, &c, &s);
  *zc = r * c;
  *zs = r * s;
}

inline float uniform_f32(uint32_t x) {
  return static_cast<float>(static_cast<int32_t>(x >> 9)) * 0x1p-23f + 0x1p-24f;
}

// ---- double ------------------------------------------------------------------------------------

// a * 2^-32 + (b >> Shift) * 2^-(32 + Shift), exact.
template <int Shift>
inline double join(uint32_t a, uint32_t b) {
  return static_cast<double>(a) * 0x1p-32 + static_cast<double>(b >> Shift) * (0x1p-32 / (1u << Shift));
}

// fdlibm log: u = 2^e (1 + f), f in [sqrt(1/2) - 1, sqrt(2) - 1), s = f / (2 + f). u > 0, normal.
inline double log_f64(double u) {
  const uint64_t b = bits_of(u);
  const double e0 = double_of((b >> 52) | 0x4330000000000000ull) - 0x1p52 - 1022.0;
  const double m = double_of((b & 0x000fffffffffffffull) | 0x3fe0000000000000ull);  // [0.5, 1)
  const bool low = m < 0.70710678118654752440;
  const double e = e0 - (low ? 1.0 : 0.0);
  const double f = (m - 1.0) + (low ? m : 0.0);
  const double s = f / (2.0 + f);
  const double z = s * s;
  const double w = z * z;
  const double t1 = w * (3.999999999940941908e-01 + w * (2.222219843214978396e-01 + w * 1.531383769920937332e-01));
  const double t2 = z * (6.666666666666735130e-01 +
                         w * (2.857142874366239149e-01 + w * (1.818357216161805012e-01 + w * 1.479819860511658591e-01)));
  const double r = t2 + t1;
  const double hfsq = (0.5 * f) * f;
  return e * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + r) + e * 1.90821492927058770002e-10)) - f);
}

// cos and sin of 2 pi k / 2^53, k < 2^53.
inline void sincos_turns_f64(uint64_t k, double* cos_out, double* sin_out) {
  const uint64_t q = (k + (1ull << 50)) >> 51;  // nearest quarter turn, 0..4
  const int64_t fi = static_cast<int64_t>(k - (q << 51));
  const double x = static_cast<double>(fi) * (6.28318530717958647692 * 0x1p-53);  // |x| <= pi/4
  const double z = x * x;
  const double v = z * x;
  const double sr = 8.33333333332248946124e-03 +
                    z * (-1.98412698298579493134e-04 +
                         z * (2.75573137070700676789e-06 + z * (-2.50507602534068634195e-08 + z * 1.58969099521155010221e-10)));
  const double s = x + v * (-1.66666666666666324348e-01 + z * sr);
  const double cr = z * (4.16666666666666019037e-02 +
                         z * (-1.38888888888741095749e-03 +
                              z * (2.48015872894767294178e-05 +
                                   z * (-2.75573143513906633035e-07 +
                                        z * (2.08757232129817482790e-09 + z * -1.13596475577881948265e-11)))));
  const double hz = 0.5 * z;
  const double w = 1.0 - hz;
  const double c = w + (((1.0 - w) - hz) + z * cr);
  const bool swap = (q & 1u) != 0;
  *cos_out = double_of(bits_of(swap ? s : c) ^ (((q + 1u) & 2u) << 62));
  *sin_out = double_of(bits_of(swap ? c : s) ^ ((q & 2u) << 62));
}

inline void normal_pair_f64(const uint32_t x[4], double* zc, double* zs) {
  const double u1 = 1.0 - join<11>(x[0], x[1]);
  const double r = std::sqrt(log_f64(u1) * -2.0);
  const uint64_t k = ((static_cast<uint64_t>(x[2]) << 32) | x[3]) >> 11;
  double c, s;
  sincos_turns_f64(k, &c, &s);
  *zc = r * c;
  *zs = r * s;
}

inline double uniform_f64(uint32_t a, uint32_t b) { return join<12>(a, b) + 0x1p-53; }

// ---- fills -------------------------------------------------------------------------------------

// Calls group(g, dst) for every group; a cut-short last group goes through a local buffer.
template <typename T, int64_t Values, typename Group>
inline void fill_groups(T* out, int64_t n, Group group) {
  const int64_t full = n / Values;
  for (int64_t g = 0; g < full; ++g) group(g, out + g * Values);
  const int64_t rest = n - full * Values;
  if (rest > 0) {
    T tmp[Values];
    group(full, tmp);
    for (int64_t i = 0; i < rest; ++i) out[full * Values + i] = tmp[i];
  }
}

void normal_f32_generic(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<float, kF32GroupValues>(out, n, [&](int64_t g, float* dst) {
    uint32_t x[4][kF32GroupBlocks];
    philox_blocks<kF32GroupBlocks>(seed, first_block + static_cast<uint64_t>(g) * kF32GroupBlocks, x);
    for (int i = 0; i < kF32GroupBlocks; ++i) {
      normal_pair_f32(x[0][i], x[1][i], dst + i, dst + 8 + i);
      normal_pair_f32(x[2][i], x[3][i], dst + 16 + i, dst + 24 + i);
    }
  });
}

void uniform_f32_generic(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<float, kF32GroupValues>(out, n, [&](int64_t g, float* dst) {
    uint32_t x[4][kF32GroupBlocks];
    philox_blocks<kF32GroupBlocks>(seed, first_block + static_cast<uint64_t>(g) * kF32GroupBlocks, x);
    for (int w = 0; w < 4; ++w)
      for (int i = 0; i < kF32GroupBlocks; ++i) dst[w * 8 + i] = uniform_f32(x[w][i]);
  });
}

void normal_f64_generic(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<double, kF64GroupValues>(out, n, [&](int64_t g, double* dst) {
    uint32_t x[4][kF64GroupBlocks];
    philox_blocks<kF64GroupBlocks>(seed, first_block + static_cast<uint64_t>(g) * kF64GroupBlocks, x);
    for (int i = 0; i < kF64GroupBlocks; ++i) {
      const uint32_t words[4] = {x[0][i], x[1][i], x[2][i], x[3][i]};
      normal_pair_f64(words, dst + i, dst + 4 + i);
    }
  });
}

void uniform_f64_generic(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<double, kF64GroupValues>(out, n, [&](int64_t g, double* dst) {
    uint32_t x[4][kF64GroupBlocks];
    philox_blocks<kF64GroupBlocks>(seed, first_block + static_cast<uint64_t>(g) * kF64GroupBlocks, x);
    for (int i = 0; i < kF64GroupBlocks; ++i) {
      dst[i] = uniform_f64(x[0][i], x[1][i]);
      dst[4 + i] = uniform_f64(x[2][i], x[3][i]);
    }
  });
}

}  // namespace

void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c[4] = {counter[0], counter[1], counter[2], counter[3]};
  uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; ++r) {
    philox_round(c, k0, k1);
    k0 += kW0;
    k1 += kW1;
  }
  for (int w = 0; w < 4; ++w) out[w] = c[w];
}

const FillKernels& generic_kernels() {
  static const FillKernels kernels{"generic", normal_f32_generic, uniform_f32_generic, normal_f64_generic,
                                   uniform_f64_generic};
  return kernels;
}

const FillKernels* avx2_kernels() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool supported = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  static const FillKernels kernels{"avx2", normal_f32_avx2, uniform_f32_avx2, normal_f64_avx2, uniform_f64_avx2};
  return supported ? &kernels : nullptr;
#else
  return nullptr;
#endif
}

const FillKernels& best_kernels() {
  static const FillKernels& chosen = avx2_kernels() ? *avx2_kernels() : generic_kernels();
  return chosen;
}

}  // namespace ebm::noise_kernels
