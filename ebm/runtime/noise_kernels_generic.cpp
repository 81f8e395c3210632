// Portable fill kernels and the run-time kernel choice. The formulas and their order of
// evaluation are those of noise_kernels_avx2.cpp, with a * b + c unfused (no FMA in baseline
// x86-64): uniforms come out identical, normals within a few units in the last place.
#include "ebm/runtime/noise_kernels.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ebm::noise_kernels {
namespace {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

// Ten Philox4x32 rounds on B counters at once: x[w][i] is word w of counter i.
template <int B>
inline void philox_rounds(uint32_t (&x)[4][B], uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    for (int i = 0; i < B; ++i) {
      const uint64_t p0 = static_cast<uint64_t>(kM0) * x[0][i];
      const uint64_t p1 = static_cast<uint64_t>(kM1) * x[2][i];
      x[0][i] = static_cast<uint32_t>(p1 >> 32) ^ x[1][i] ^ k0;
      x[1][i] = static_cast<uint32_t>(p1);
      x[2][i] = static_cast<uint32_t>(p0 >> 32) ^ x[3][i] ^ k1;
      x[3][i] = static_cast<uint32_t>(p0);
    }
    k0 += kW0;
    k1 += kW1;
  }
}

// x[w][i] <- word w of block first + i, i < B.
template <int B>
inline void philox_blocks(uint64_t seed, uint64_t first, uint32_t (&x)[4][B]) {
  for (int i = 0; i < B; ++i) {
    const uint64_t b = first + static_cast<uint64_t>(i);
    x[0][i] = static_cast<uint32_t>(b);
    x[1][i] = static_cast<uint32_t>(b >> 32);
    x[2][i] = 0;
    x[3][i] = 0;
  }
  philox_rounds<B>(x, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// The bits of `from` read as a To of the same size.
template <typename To, typename From>
inline To bit_cast(From from) {
  static_assert(sizeof(To) == sizeof(From), "bit_cast between types of different sizes");
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

// ---- float -------------------------------------------------------------------------------------

// ln u, u > 0 normal: u = 2^e m with m in [sqrt(1/2), sqrt(2)) split off in integer arithmetic,
// ln m = x - x^2/2 + x^3 P(x), x = m - 1, P of degree 6 (minimax, relative error 3.2e-8).
inline float log_f32(float u) {
  const uint32_t b = bit_cast<uint32_t>(u);
  const int32_t ei = static_cast<int32_t>(b - 0x3f3504f3u) >> 23;  // arithmetic shift
  const float x = bit_cast<float>(b - (static_cast<uint32_t>(ei) << 23)) - 1.0f;
  const float e = static_cast<float>(ei);
  const float z = x * x;
  float y = 8.700437843799591e-2f;
  y = y * x + -1.4267486333847046e-1f;
  y = y * x + 1.4914767444133759e-1f;
  y = y * x + -1.657758504152298e-1f;
  y = y * x + 1.9963063299655914e-1f;
  y = y * x + -2.500133812427521e-1f;
  y = y * x + 3.333390951156616e-1f;
  y = (y * x) * z;
  y = e * -2.12194440e-4f + y;
  y = z * -0.5f + y;
  return e * 0.693359375f + (x + y);
}

// Box-Muller on 8 pairs (xa[i], xb[i]) -> zc[i], zs[i]. Three branch-free loops: the square
// root, which may set errno, sits alone so that the other two vectorise.
inline void normal_pairs_f32(const uint32_t* xa, const uint32_t* xb, float* zc, float* zs) {
  float r[8];
  for (int i = 0; i < 8; ++i) {
    // u1 = k 2^-31, k = (xa >> 1) | 1 odd: (0, 1].
    const float u1 = static_cast<float>(static_cast<int32_t>((xa[i] >> 1) | 1u)) * 0x1p-31f;
    r[i] = log_f32(u1) * -2.0f;
  }
  for (int i = 0; i < 8; ++i) r[i] = std::sqrt(r[i]);
  for (int i = 0; i < 8; ++i) {
    // Angle 2 pi xb / 2^32 = pi h + phi, h = half turn in {0, 1}, phi in [-pi/2, pi/2).
    const uint32_t h = xb[i] + (1u << 30);
    const uint32_t flip = h & 0x80000000u;
    const int32_t fi = static_cast<int32_t>(h & 0x7fffffffu) - (1 << 30);
    const float x = static_cast<float>(fi) * (6.28318530717958647692f * 0x1p-32f);
    const float z = x * x;
    float s = 2.6051661734527443e-6f;  // sin x = x + x^3 S(x^2), minimax, relative error 1.1e-8
    s = s * z + -1.98099558474496e-4f;
    s = s * z + 8.333084173500538e-3f;
    s = s * z + -1.6666661202907562e-1f;
    s = (x * z) * s + x;
    float c = -2.629793698361027e-7f;  // cos x = 1 - x^2/2 + x^4 C(x^2), minimax, error 1.2e-9
    c = c * z + 2.4775363272055984e-5f;
    c = c * z + -1.388867967762053e-3f;
    c = c * z + 4.16666604578495e-2f;
    c = c * z + -0.5f;
    c = c * z + 1.0f;
    const float rs = bit_cast<float>(bit_cast<uint32_t>(r[i]) ^ flip);
    zc[i] = rs * c;
    zs[i] = rs * s;
  }
}

inline float uniform_f32(uint32_t x) {
  return static_cast<float>(static_cast<int32_t>(x >> 9)) * 0x1p-23f + 0x1p-24f;
}

// ---- double ------------------------------------------------------------------------------------

// a * 2^-32 + (b >> Shift) * 2^-(64 - Shift), exact.
template <int Shift>
inline double join(uint32_t a, uint32_t b) {
  return static_cast<double>(a) * 0x1p-32 + static_cast<double>(b >> Shift) * (0x1p-64 * (1u << Shift));
}

// fdlibm log: u = 2^e (1 + f), f in [sqrt(1/2) - 1, sqrt(2) - 1), s = f / (2 + f). u > 0, normal.
inline double log_f64(double u) {
  const uint64_t b = bit_cast<uint64_t>(u);
  const double e0 = bit_cast<double>((b >> 52) | 0x4330000000000000ull) - 0x1p52 - 1022.0;
  const double m = bit_cast<double>((b & 0x000fffffffffffffull) | 0x3fe0000000000000ull);  // [0.5, 1)
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
  *cos_out = bit_cast<double>(bit_cast<uint64_t>(swap ? s : c) ^ (((q + 1u) & 2u) << 62));
  *sin_out = bit_cast<double>(bit_cast<uint64_t>(swap ? c : s) ^ ((q & 2u) << 62));
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

// Calls group(x, dst) for every group, x[w][i] the words of its block i; a cut-short last group goes
// through a local buffer.
template <typename T, int64_t Values, int Blocks, typename Group>
inline void fill_groups(T* out, int64_t n, uint64_t seed, uint64_t first_block, Group group) {
  const auto one_group = [&](int64_t g, T* dst) {
    uint32_t x[4][Blocks];
    philox_blocks<Blocks>(seed, first_block + static_cast<uint64_t>(g) * Blocks, x);
    group(x, dst);
  };
  const int64_t full = n / Values;
  for (int64_t g = 0; g < full; ++g) one_group(g, out + g * Values);
  const int64_t rest = n - full * Values;
  if (rest > 0) {
    T tmp[Values];
    one_group(full, tmp);
    for (int64_t i = 0; i < rest; ++i) out[full * Values + i] = tmp[i];
  }
}

using F32Words = uint32_t[4][kF32GroupBlocks];
using F64Words = uint32_t[4][kF64GroupBlocks];

void normal_f32_generic(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<float, kF32GroupValues, kF32GroupBlocks>(out, n, seed, first_block, [](const F32Words& x, float* dst) {
    normal_pairs_f32(x[0], x[1], dst, dst + 8);
    normal_pairs_f32(x[2], x[3], dst + 16, dst + 24);
  });
}

void uniform_f32_generic(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<float, kF32GroupValues, kF32GroupBlocks>(out, n, seed, first_block, [](const F32Words& x, float* dst) {
    for (int w = 0; w < 4; ++w)
      for (int i = 0; i < kF32GroupBlocks; ++i) dst[w * 8 + i] = uniform_f32(x[w][i]);
  });
}

void normal_f64_generic(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<double, kF64GroupValues, kF64GroupBlocks>(out, n, seed, first_block, [](const F64Words& x, double* dst) {
    for (int i = 0; i < kF64GroupBlocks; ++i) {
      const uint32_t words[4] = {x[0][i], x[1][i], x[2][i], x[3][i]};
      normal_pair_f64(words, dst + i, dst + 4 + i);
    }
  });
}

void uniform_f64_generic(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_groups<double, kF64GroupValues, kF64GroupBlocks>(out, n, seed, first_block, [](const F64Words& x, double* dst) {
    for (int i = 0; i < kF64GroupBlocks; ++i) {
      dst[i] = uniform_f64(x[0][i], x[1][i]);
      dst[4 + i] = uniform_f64(x[2][i], x[3][i]);
    }
  });
}

}  // namespace

void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t x[4][1] = {{counter[0]}, {counter[1]}, {counter[2]}, {counter[3]}};
  philox_rounds<1>(x, key[0], key[1]);
  for (int w = 0; w < 4; ++w) out[w] = x[w][0];
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

const FillKernels* avx512_kernels() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool supported = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  static const FillKernels kernels{"avx512", normal_f32_avx512, uniform_f32_avx512, normal_f64_avx512,
                                   uniform_f64_avx512};
  return supported ? &kernels : nullptr;
#else
  return nullptr;
#endif
}

const FillKernels& best_kernels() {
  static const FillKernels& chosen = []() -> const FillKernels& {
    const char* wanted = std::getenv("EBM_NOISE_KERNELS");
    const std::string name = wanted ? wanted : "";
    if (name == "generic") return generic_kernels();
    if (name == "avx2" && avx2_kernels()) return *avx2_kernels();
    if (avx512_kernels()) return *avx512_kernels();
    if (avx2_kernels()) return *avx2_kernels();
    return generic_kernels();
  }();
  return chosen;
}

}  // namespace ebm::noise_kernels
