// SIMD fill kernels: AVX2 + FMA, and AVX-512F in functions with their own target attribute.
// Compiled with -mavx2 -mfma -ffp-contract=off (no FMA but the explicit ones, so GCC and Clang
// give the same bits; without the flag GCC fuses a few double-precision steps of its own) and reached only through avx2_kernels() / avx512_kernels(), which check the
// CPU first. Everything here has internal linkage and no standard-library code is instantiated,
// so no AVX copy of a shared inline function can leak into the rest of the program. The formulas
// are those of noise_kernels_generic.cpp, with fused multiply-adds.
//
// Philox runs on 4 blocks per register, one per 64-bit lane: _mm256_mul_epu32 multiplies the low
// 32 bits of each lane into a full 64-bit product, so hi and lo need no shuffling; the high halves
// of the lanes carry junk that nothing reads. Two such registers (even and odd blocks) interleave
// into 8 words of 8 consecutive blocks with one shift and one blend.
#include "ebm/runtime/noise_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#define EBM_ALWAYS_INLINE inline __attribute__((always_inline))

namespace ebm::noise_kernels {
namespace {

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // Philox multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

// x[s][w] <- word w of the 4 blocks whose indices are the 64-bit lanes of blocks[s].
template <int S>
EBM_ALWAYS_INLINE void philox_sets(const __m256i (&blocks)[S], uint64_t seed, __m256i (&x)[S][4]) {
  const __m256i m0 = _mm256_set1_epi64x(kM0), m1 = _mm256_set1_epi64x(kM1);
  for (int s = 0; s < S; ++s) {
    x[s][0] = blocks[s];
    x[s][1] = _mm256_srli_epi64(blocks[s], 32);
    x[s][2] = _mm256_setzero_si256();
    x[s][3] = _mm256_setzero_si256();
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
    const __m256i key0 = _mm256_set1_epi32(static_cast<int>(k0)), key1 = _mm256_set1_epi32(static_cast<int>(k1));
    for (int s = 0; s < S; ++s) {
      const __m256i p0 = _mm256_mul_epu32(x[s][0], m0);
      const __m256i p1 = _mm256_mul_epu32(x[s][2], m1);
      x[s][0] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), x[s][1]), key0);
      x[s][2] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), x[s][3]), key1);
      x[s][1] = p1;
      x[s][3] = p0;
    }
    k0 += kW0;
    k1 += kW1;
  }
}

// 32-bit lanes [e0, o0, e1, o1, ...] from the low halves of the 64-bit lanes of even and odd.
EBM_ALWAYS_INLINE __m256i interleave(__m256i even, __m256i odd) {
  return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

EBM_ALWAYS_INLINE __m256i bcast32(int v) { return _mm256_set1_epi32(v); }
EBM_ALWAYS_INLINE __m256 ps(float v) { return _mm256_set1_ps(v); }
EBM_ALWAYS_INLINE __m256d pd(double v) { return _mm256_set1_pd(v); }
EBM_ALWAYS_INLINE __m256i bcast64(uint64_t v) { return _mm256_set1_epi64x(static_cast<long long>(v)); }

// ---- float -------------------------------------------------------------------------------------

// a * b + c, fused: one rounding instead of the generic kernel's two.
EBM_ALWAYS_INLINE __m256 madd(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }

// ln u, u > 0 normal: u = 2^e m with m in [sqrt(1/2), sqrt(2)) split off in integer arithmetic,
// ln m = x - x^2/2 + x^3 P(x), x = m - 1, P of degree 6 (minimax, relative error 3.2e-8).
EBM_ALWAYS_INLINE __m256 log_ps(__m256 u) {
  const __m256i b = _mm256_castps_si256(u);
  const __m256i ei = _mm256_srai_epi32(_mm256_sub_epi32(b, bcast32(0x3f3504f3)), 23);
  const __m256 x = _mm256_sub_ps(_mm256_castsi256_ps(_mm256_sub_epi32(b, _mm256_slli_epi32(ei, 23))), ps(1.0f));
  const __m256 e = _mm256_cvtepi32_ps(ei);
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = ps(8.700437843799591e-2f);
  y = madd(y, x, ps(-1.4267486333847046e-1f));
  y = madd(y, x, ps(1.4914767444133759e-1f));
  y = madd(y, x, ps(-1.657758504152298e-1f));
  y = madd(y, x, ps(1.9963063299655914e-1f));
  y = madd(y, x, ps(-2.500133812427521e-1f));
  y = madd(y, x, ps(3.333390951156616e-1f));
  y = _mm256_mul_ps(_mm256_mul_ps(y, x), z);
  y = madd(e, ps(-2.12194440e-4f), y);
  y = madd(z, ps(-0.5f), y);
  return madd(e, ps(0.693359375f), _mm256_add_ps(x, y));
}

EBM_ALWAYS_INLINE void normal_pair_ps(__m256i xa, __m256i xb, float* zc, float* zs) {
  // u1 = k 2^-31, k = (xa >> 1) | 1 odd: (0, 1].
  const __m256 u1 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_or_si256(_mm256_srli_epi32(xa, 1), bcast32(1))), ps(0x1p-31f));
  const __m256 r = _mm256_sqrt_ps(_mm256_mul_ps(log_ps(u1), ps(-2.0f)));
  // Angle 2 pi xb / 2^32 = pi h + phi, h = half turn in {0, 1}, phi in [-pi/2, pi/2).
  const __m256i h = _mm256_add_epi32(xb, bcast32(1 << 30));
  const __m256 flip = _mm256_castsi256_ps(_mm256_and_si256(h, bcast32(INT32_MIN)));
  const __m256i fi = _mm256_sub_epi32(_mm256_and_si256(h, bcast32(INT32_MAX)), bcast32(1 << 30));
  const __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(fi), ps(6.28318530717958647692f * 0x1p-32f));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 s = ps(2.6051661734527443e-6f);  // sin x = x + x^3 S(x^2), minimax, relative error 1.1e-8
  s = madd(s, z, ps(-1.98099558474496e-4f));
  s = madd(s, z, ps(8.333084173500538e-3f));
  s = madd(s, z, ps(-1.6666661202907562e-1f));
  s = madd(_mm256_mul_ps(x, z), s, x);
  __m256 c = ps(-2.629793698361027e-7f);  // cos x = 1 - x^2/2 + x^4 C(x^2), minimax, error 1.2e-9
  c = madd(c, z, ps(2.4775363272055984e-5f));
  c = madd(c, z, ps(-1.388867967762053e-3f));
  c = madd(c, z, ps(4.16666604578495e-2f));
  c = madd(c, z, ps(-0.5f));
  c = madd(c, z, ps(1.0f));
  const __m256 rs = _mm256_xor_ps(r, flip);
  _mm256_storeu_ps(zc, _mm256_mul_ps(rs, c));
  _mm256_storeu_ps(zs, _mm256_mul_ps(rs, s));
}

EBM_ALWAYS_INLINE __m256 uniform_ps(__m256i x) {
  return _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(x, 9)), ps(0x1p-23f)), ps(0x1p-24f));
}

// ---- double ------------------------------------------------------------------------------------

constexpr uint64_t kMagic52 = 0x4330000000000000ull;  // bits of 2^52: OR in an integer < 2^52

// a * 2^-32 + (b >> Shift) * 2^-(64 - Shift) from the low 32 bits of each lane, exact.
template <int Shift>
EBM_ALWAYS_INLINE __m256d join_pd(__m256i a, __m256i b) {
  const __m256i magic = bcast64(kMagic52);
  const __m256d da = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_blend_epi32(a, magic, 0xAA)), pd(0x1p52));
  const __m256d db =
      _mm256_sub_pd(_mm256_castsi256_pd(_mm256_blend_epi32(_mm256_srli_epi32(b, Shift), magic, 0xAA)), pd(0x1p52));
  return _mm256_add_pd(_mm256_mul_pd(da, pd(0x1p-32)), _mm256_mul_pd(db, pd(0x1p-64 * (1u << Shift))));
}

EBM_ALWAYS_INLINE __m256d madd(__m256d a, __m256d b, __m256d c) { return _mm256_fmadd_pd(a, b, c); }

// fdlibm log: u = 2^e (1 + f), f in [sqrt(1/2) - 1, sqrt(2) - 1), s = f / (2 + f). u > 0, normal.
EBM_ALWAYS_INLINE __m256d log_pd(__m256d u) {
  const __m256i b = _mm256_castpd_si256(u);
  const __m256d e0 = _mm256_sub_pd(
      _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(b, 52), bcast64(kMagic52))), pd(0x1p52)),
      pd(1022.0));
  const __m256d m = _mm256_castsi256_pd(
      _mm256_or_si256(_mm256_and_si256(b, bcast64(0x000fffffffffffffull)), bcast64(0x3fe0000000000000ull)));
  const __m256d low = _mm256_cmp_pd(m, pd(0.70710678118654752440), _CMP_LT_OQ);
  const __m256d e = _mm256_sub_pd(e0, _mm256_and_pd(low, pd(1.0)));
  const __m256d f = _mm256_add_pd(_mm256_sub_pd(m, pd(1.0)), _mm256_and_pd(low, m));
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(pd(2.0), f));
  const __m256d z = _mm256_mul_pd(s, s);
  const __m256d w = _mm256_mul_pd(z, z);
  const __m256d t1 =
      _mm256_mul_pd(w, madd(w, madd(w, pd(1.531383769920937332e-01), pd(2.222219843214978396e-01)), pd(3.999999999940941908e-01)));
  const __m256d t2 = _mm256_mul_pd(
      z, madd(w, madd(w, madd(w, pd(1.479819860511658591e-01), pd(1.818357216161805012e-01)), pd(2.857142874366239149e-01)),
              pd(6.666666666666735130e-01)));
  const __m256d r = _mm256_add_pd(t2, t1);
  const __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(pd(0.5), f), f);
  const __m256d inner = madd(s, _mm256_add_pd(hfsq, r), _mm256_mul_pd(e, pd(1.90821492927058770002e-10)));
  return madd(e, pd(6.93147180369123816490e-01), _mm256_sub_pd(f, _mm256_sub_pd(hfsq, inner)));
}

// cos and sin of 2 pi k / 2^53, k < 2^53 per 64-bit lane; fdlibm __kernel_sin/__kernel_cos.
EBM_ALWAYS_INLINE void sincos_turns_pd(__m256i k, __m256d* cos_out, __m256d* sin_out) {
  const __m256i q = _mm256_srli_epi64(_mm256_add_epi64(k, bcast64(1ull << 50)), 51);
  const __m256i fi = _mm256_sub_epi64(k, _mm256_slli_epi64(q, 51));  // [-2^50, 2^50)
  const __m256d fd = _mm256_sub_pd(
      _mm256_castsi256_pd(_mm256_or_si256(_mm256_add_epi64(fi, bcast64(1ull << 51)), bcast64(kMagic52))),
      pd(0x1p52 + 0x1p51));
  const __m256d x = _mm256_mul_pd(fd, pd(6.28318530717958647692 * 0x1p-53));
  const __m256d z = _mm256_mul_pd(x, x);
  const __m256d v = _mm256_mul_pd(z, x);
  __m256d sr = madd(z, pd(1.58969099521155010221e-10), pd(-2.50507602534068634195e-08));
  sr = madd(z, sr, pd(2.75573137070700676789e-06));
  sr = madd(z, sr, pd(-1.98412698298579493134e-04));
  sr = madd(z, sr, pd(8.33333333332248946124e-03));
  const __m256d s = madd(v, madd(z, sr, pd(-1.66666666666666324348e-01)), x);
  __m256d cr = madd(z, pd(-1.13596475577881948265e-11), pd(2.08757232129817482790e-09));
  cr = madd(z, cr, pd(-2.75573143513906633035e-07));
  cr = madd(z, cr, pd(2.48015872894767294178e-05));
  cr = madd(z, cr, pd(-1.38888888888741095749e-03));
  cr = madd(z, cr, pd(4.16666666666666019037e-02));
  cr = _mm256_mul_pd(z, cr);
  const __m256d hz = _mm256_mul_pd(pd(0.5), z);
  const __m256d w = _mm256_sub_pd(pd(1.0), hz);
  const __m256d c = _mm256_add_pd(w, madd(z, cr, _mm256_sub_pd(_mm256_sub_pd(pd(1.0), w), hz)));
  const __m256d swap = _mm256_castsi256_pd(_mm256_slli_epi64(q, 63));
  const __m256d cos_sign =
      _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_and_si256(_mm256_add_epi64(q, bcast64(1)), bcast64(2)), 62));
  const __m256d sin_sign = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_and_si256(q, bcast64(2)), 62));
  *cos_out = _mm256_xor_pd(_mm256_blendv_pd(c, s, swap), cos_sign);
  *sin_out = _mm256_xor_pd(_mm256_blendv_pd(s, c, swap), sin_sign);
}

EBM_ALWAYS_INLINE void normal_pair_pd(const __m256i (&x)[4], double* zc, double* zs) {
  const __m256d u1 = _mm256_sub_pd(pd(1.0), join_pd<11>(x[0], x[1]));
  const __m256d r = _mm256_sqrt_pd(_mm256_mul_pd(log_pd(u1), pd(-2.0)));
  const __m256i k = _mm256_srli_epi64(
      _mm256_or_si256(_mm256_slli_epi64(x[2], 32), _mm256_and_si256(x[3], bcast64(0xffffffffull))), 11);
  __m256d c, s;
  sincos_turns_pd(k, &c, &s);
  _mm256_storeu_pd(zc, _mm256_mul_pd(r, c));
  _mm256_storeu_pd(zs, _mm256_mul_pd(r, s));
}

// ---- fills -------------------------------------------------------------------------------------

// Groups per loop iteration: enough independent Philox sets in flight to hide the multiply
// latency (float: 2 sets per group, double: 1), few enough to keep spills cheap. Measured best
// of 1..4 float / 2..8 double groups on an AMD EPYC (Zen 5).
constexpr int kF32Groups = 3, kF64Groups = 6;

// Calls Iteration(seed, first block, dst) for every iteration of Values values and Blocks blocks; a
// cut-short last one goes through a local buffer.
template <typename T, int Values, int Blocks, void (*Iteration)(uint64_t, uint64_t, T*)>
EBM_ALWAYS_INLINE void fill_iterations(T* out, int64_t n, uint64_t seed, uint64_t first_block) {
  const int64_t full = n / Values;
  for (int64_t it = 0; it < full; ++it) Iteration(seed, first_block + static_cast<uint64_t>(it) * Blocks, out + it * Values);
  const int64_t rest = n - full * Values;
  if (rest > 0) {
    alignas(32) T tmp[Values];
    Iteration(seed, first_block + static_cast<uint64_t>(full) * Blocks, tmp);
    for (int64_t i = 0; i < rest; ++i) out[full * Values + i] = tmp[i];
  }
}

// Float: set 2g holds group g's even blocks, set 2g + 1 its odd blocks.
template <bool Normal>
EBM_ALWAYS_INLINE void float_iteration(uint64_t seed, uint64_t first, float* dst) {
  constexpr int S = 2 * kF32Groups;
  __m256i blocks[S], x[S][4];
  const __m256i base = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first)), _mm256_setr_epi64x(0, 2, 4, 6));
  for (int s = 0; s < S; ++s) blocks[s] = _mm256_add_epi64(base, _mm256_set1_epi64x((s / 2) * kF32GroupBlocks + s % 2));
  philox_sets<S>(blocks, seed, x);
  for (int g = 0; g < kF32Groups; ++g) {
    float* d = dst + g * kF32GroupValues;
    __m256i w[4];
    for (int k = 0; k < 4; ++k) w[k] = interleave(x[2 * g][k], x[2 * g + 1][k]);
    if (Normal) {
      normal_pair_ps(w[0], w[1], d, d + 8);
      normal_pair_ps(w[2], w[3], d + 16, d + 24);
    } else {
      for (int k = 0; k < 4; ++k) _mm256_storeu_ps(d + 8 * k, uniform_ps(w[k]));
    }
  }
}

// Double: set g holds group g's 4 blocks.
template <bool Normal>
EBM_ALWAYS_INLINE void double_iteration(uint64_t seed, uint64_t first, double* dst) {
  __m256i blocks[kF64Groups], x[kF64Groups][4];
  const __m256i base = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first)), _mm256_setr_epi64x(0, 1, 2, 3));
  for (int s = 0; s < kF64Groups; ++s) blocks[s] = _mm256_add_epi64(base, _mm256_set1_epi64x(s * kF64GroupBlocks));
  philox_sets<kF64Groups>(blocks, seed, x);
  for (int s = 0; s < kF64Groups; ++s) {
    double* d = dst + s * kF64GroupValues;
    if (Normal) {
      normal_pair_pd(x[s], d, d + 4);
    } else {
      _mm256_storeu_pd(d, _mm256_add_pd(join_pd<12>(x[s][0], x[s][1]), pd(0x1p-53)));
      _mm256_storeu_pd(d + 4, _mm256_add_pd(join_pd<12>(x[s][2], x[s][3]), pd(0x1p-53)));
    }
  }
}

constexpr int kF32Values = kF32Groups * kF32GroupValues, kF32Blocks = kF32Groups * kF32GroupBlocks;
constexpr int kF64Values = kF64Groups * kF64GroupValues, kF64Blocks = kF64Groups * kF64GroupBlocks;

}  // namespace

void normal_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<float, kF32Values, kF32Blocks, float_iteration<true>>(out, n, seed, first_block);
}
void uniform_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<float, kF32Values, kF32Blocks, float_iteration<false>>(out, n, seed, first_block);
}
void normal_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<double, kF64Values, kF64Blocks, double_iteration<true>>(out, n, seed, first_block);
}
void uniform_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<double, kF64Values, kF64Blocks, double_iteration<false>>(out, n, seed, first_block);
}

// ================================================================================================
// AVX-512F: the same operations on 16 float / 8 double lanes, vpternlogq doing Philox's three-way
// xor in one instruction. Compiled per function (target attribute), so nothing else in this file
// can use AVX-512; reached only through avx512_kernels(). Output is bit-identical to AVX2's.
// ================================================================================================

// GCC 12's AVX-512 headers trip -Wmaybe-uninitialized (-Wuninitialized in the out-of-line
// iterations) on their own _mm512_undefined_*() (GCC bug 105593, fixed in 13).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#define EBM_AVX512_INLINE inline __attribute__((always_inline, target("avx512f")))
#define EBM_AVX512 __attribute__((target("avx512f")))

namespace {
namespace z512 {

EBM_AVX512_INLINE __m512i i32(int v) { return _mm512_set1_epi32(v); }
EBM_AVX512_INLINE __m512i i64(uint64_t v) { return _mm512_set1_epi64(static_cast<long long>(v)); }
EBM_AVX512_INLINE __m512 ps(float v) { return _mm512_set1_ps(v); }
EBM_AVX512_INLINE __m512d pd(double v) { return _mm512_set1_pd(v); }
EBM_AVX512_INLINE __m512 xor_ps(__m512 a, __m512 b) {
  return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)));
}
EBM_AVX512_INLINE __m512d xor_pd(__m512d a, __m512d b) {
  return _mm512_castsi512_pd(_mm512_xor_si512(_mm512_castpd_si512(a), _mm512_castpd_si512(b)));
}

template <int S>
EBM_AVX512_INLINE void philox_sets(const __m512i (&blocks)[S], uint64_t seed, __m512i (&x)[S][4]) {
  const __m512i m0 = i64(kM0), m1 = i64(kM1);
  for (int s = 0; s < S; ++s) {
    x[s][0] = blocks[s];
    x[s][1] = _mm512_srli_epi64(blocks[s], 32);
    x[s][2] = _mm512_setzero_si512();
    x[s][3] = _mm512_setzero_si512();
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
    const __m512i key0 = i32(static_cast<int>(k0)), key1 = i32(static_cast<int>(k1));
    for (int s = 0; s < S; ++s) {
      const __m512i p0 = _mm512_mul_epu32(x[s][0], m0);
      const __m512i p1 = _mm512_mul_epu32(x[s][2], m1);
      x[s][0] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), x[s][1], key0, 0x96);
      x[s][2] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), x[s][3], key1, 0x96);
      x[s][1] = p1;
      x[s][3] = p0;
    }
    k0 += kW0;
    k1 += kW1;
  }
}

EBM_AVX512_INLINE __m512i interleave(__m512i even, __m512i odd) {
  return _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
}

EBM_AVX512_INLINE __m512 log_ps(__m512 u) {
  const __m512i b = _mm512_castps_si512(u);
  const __m512i ei = _mm512_srai_epi32(_mm512_sub_epi32(b, i32(0x3f3504f3)), 23);
  const __m512 x = _mm512_sub_ps(_mm512_castsi512_ps(_mm512_sub_epi32(b, _mm512_slli_epi32(ei, 23))), ps(1.0f));
  const __m512 e = _mm512_cvtepi32_ps(ei);
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 y = ps(8.700437843799591e-2f);
  y = _mm512_fmadd_ps(y, x, ps(-1.4267486333847046e-1f));
  y = _mm512_fmadd_ps(y, x, ps(1.4914767444133759e-1f));
  y = _mm512_fmadd_ps(y, x, ps(-1.657758504152298e-1f));
  y = _mm512_fmadd_ps(y, x, ps(1.9963063299655914e-1f));
  y = _mm512_fmadd_ps(y, x, ps(-2.500133812427521e-1f));
  y = _mm512_fmadd_ps(y, x, ps(3.333390951156616e-1f));
  y = _mm512_mul_ps(_mm512_mul_ps(y, x), z);
  y = _mm512_fmadd_ps(e, ps(-2.12194440e-4f), y);
  y = _mm512_fmadd_ps(z, ps(-0.5f), y);
  return _mm512_fmadd_ps(e, ps(0.693359375f), _mm512_add_ps(x, y));
}

EBM_AVX512_INLINE void normal_pair_ps(__m512i xa, __m512i xb, __m512* zc, __m512* zs) {
  const __m512 u1 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_or_si512(_mm512_srli_epi32(xa, 1), i32(1))), ps(0x1p-31f));
  const __m512 r = _mm512_sqrt_ps(_mm512_mul_ps(log_ps(u1), ps(-2.0f)));
  const __m512i h = _mm512_add_epi32(xb, i32(1 << 30));
  const __m512 flip = _mm512_castsi512_ps(_mm512_and_si512(h, i32(INT32_MIN)));
  const __m512i fi = _mm512_sub_epi32(_mm512_and_si512(h, i32(INT32_MAX)), i32(1 << 30));
  const __m512 x = _mm512_mul_ps(_mm512_cvtepi32_ps(fi), ps(6.28318530717958647692f * 0x1p-32f));
  const __m512 z = _mm512_mul_ps(x, x);
  __m512 s = ps(2.6051661734527443e-6f);
  s = _mm512_fmadd_ps(s, z, ps(-1.98099558474496e-4f));
  s = _mm512_fmadd_ps(s, z, ps(8.333084173500538e-3f));
  s = _mm512_fmadd_ps(s, z, ps(-1.6666661202907562e-1f));
  s = _mm512_fmadd_ps(_mm512_mul_ps(x, z), s, x);
  __m512 c = ps(-2.629793698361027e-7f);
  c = _mm512_fmadd_ps(c, z, ps(2.4775363272055984e-5f));
  c = _mm512_fmadd_ps(c, z, ps(-1.388867967762053e-3f));
  c = _mm512_fmadd_ps(c, z, ps(4.16666604578495e-2f));
  c = _mm512_fmadd_ps(c, z, ps(-0.5f));
  c = _mm512_fmadd_ps(c, z, ps(1.0f));
  const __m512 rs = xor_ps(r, flip);
  *zc = _mm512_mul_ps(rs, c);
  *zs = _mm512_mul_ps(rs, s);
}

EBM_AVX512_INLINE __m512 uniform_ps(__m512i x) {
  return _mm512_add_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(x, 9)), ps(0x1p-23f)), ps(0x1p-24f));
}

template <int Shift>
EBM_AVX512_INLINE __m512d join_pd(__m512i a, __m512i b) {
  const __m512i magic = i64(kMagic52);
  const __m512d da = _mm512_sub_pd(_mm512_castsi512_pd(_mm512_mask_blend_epi32(0xAAAA, a, magic)), pd(0x1p52));
  const __m512d db =
      _mm512_sub_pd(_mm512_castsi512_pd(_mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi32(b, Shift), magic)), pd(0x1p52));
  return _mm512_add_pd(_mm512_mul_pd(da, pd(0x1p-32)), _mm512_mul_pd(db, pd(0x1p-64 * (1u << Shift))));
}

EBM_AVX512_INLINE __m512d log_pd(__m512d u) {
  const __m512i b = _mm512_castpd_si512(u);
  const __m512d e0 = _mm512_sub_pd(
      _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(_mm512_srli_epi64(b, 52), i64(kMagic52))), pd(0x1p52)), pd(1022.0));
  const __m512d m =
      _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(b, i64(0x000fffffffffffffull)), i64(0x3fe0000000000000ull)));
  const __mmask8 low = _mm512_cmp_pd_mask(m, pd(0.70710678118654752440), _CMP_LT_OQ);
  const __m512d e = _mm512_sub_pd(e0, _mm512_maskz_mov_pd(low, pd(1.0)));
  const __m512d f = _mm512_add_pd(_mm512_sub_pd(m, pd(1.0)), _mm512_maskz_mov_pd(low, m));
  const __m512d s = _mm512_div_pd(f, _mm512_add_pd(pd(2.0), f));
  const __m512d z = _mm512_mul_pd(s, s);
  const __m512d w = _mm512_mul_pd(z, z);
  const __m512d t1 = _mm512_mul_pd(
      w, _mm512_fmadd_pd(w, _mm512_fmadd_pd(w, pd(1.531383769920937332e-01), pd(2.222219843214978396e-01)),
                         pd(3.999999999940941908e-01)));
  const __m512d t2 = _mm512_mul_pd(
      z, _mm512_fmadd_pd(w,
                         _mm512_fmadd_pd(w, _mm512_fmadd_pd(w, pd(1.479819860511658591e-01), pd(1.818357216161805012e-01)),
                                         pd(2.857142874366239149e-01)),
                         pd(6.666666666666735130e-01)));
  const __m512d r = _mm512_add_pd(t2, t1);
  const __m512d hfsq = _mm512_mul_pd(_mm512_mul_pd(pd(0.5), f), f);
  const __m512d inner = _mm512_fmadd_pd(s, _mm512_add_pd(hfsq, r), _mm512_mul_pd(e, pd(1.90821492927058770002e-10)));
  return _mm512_fmadd_pd(e, pd(6.93147180369123816490e-01), _mm512_sub_pd(f, _mm512_sub_pd(hfsq, inner)));
}

EBM_AVX512_INLINE void normal_pair_pd(const __m512i (&x)[4], __m512d* zc, __m512d* zs) {
  const __m512d u1 = _mm512_sub_pd(pd(1.0), join_pd<11>(x[0], x[1]));
  const __m512d r = _mm512_sqrt_pd(_mm512_mul_pd(log_pd(u1), pd(-2.0)));
  const __m512i k =
      _mm512_srli_epi64(_mm512_or_si512(_mm512_slli_epi64(x[2], 32), _mm512_and_si512(x[3], i64(0xffffffffull))), 11);
  const __m512i q = _mm512_srli_epi64(_mm512_add_epi64(k, i64(1ull << 50)), 51);
  const __m512i fi = _mm512_sub_epi64(k, _mm512_slli_epi64(q, 51));
  const __m512d fd = _mm512_sub_pd(
      _mm512_castsi512_pd(_mm512_or_si512(_mm512_add_epi64(fi, i64(1ull << 51)), i64(kMagic52))), pd(0x1p52 + 0x1p51));
  const __m512d t = _mm512_mul_pd(fd, pd(6.28318530717958647692 * 0x1p-53));
  const __m512d z = _mm512_mul_pd(t, t);
  const __m512d v = _mm512_mul_pd(z, t);
  __m512d sr = _mm512_fmadd_pd(z, pd(1.58969099521155010221e-10), pd(-2.50507602534068634195e-08));
  sr = _mm512_fmadd_pd(z, sr, pd(2.75573137070700676789e-06));
  sr = _mm512_fmadd_pd(z, sr, pd(-1.98412698298579493134e-04));
  sr = _mm512_fmadd_pd(z, sr, pd(8.33333333332248946124e-03));
  const __m512d s = _mm512_fmadd_pd(v, _mm512_fmadd_pd(z, sr, pd(-1.66666666666666324348e-01)), t);
  __m512d cr = _mm512_fmadd_pd(z, pd(-1.13596475577881948265e-11), pd(2.08757232129817482790e-09));
  cr = _mm512_fmadd_pd(z, cr, pd(-2.75573143513906633035e-07));
  cr = _mm512_fmadd_pd(z, cr, pd(2.48015872894767294178e-05));
  cr = _mm512_fmadd_pd(z, cr, pd(-1.38888888888741095749e-03));
  cr = _mm512_fmadd_pd(z, cr, pd(4.16666666666666019037e-02));
  cr = _mm512_mul_pd(z, cr);
  const __m512d hz = _mm512_mul_pd(pd(0.5), z);
  const __m512d w = _mm512_sub_pd(pd(1.0), hz);
  const __m512d c = _mm512_add_pd(w, _mm512_fmadd_pd(z, cr, _mm512_sub_pd(_mm512_sub_pd(pd(1.0), w), hz)));
  const __mmask8 swap = _mm512_test_epi64_mask(q, i64(1));
  const __m512d cos_sign =
      _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_and_si512(_mm512_add_epi64(q, i64(1)), i64(2)), 62));
  const __m512d sin_sign = _mm512_castsi512_pd(_mm512_slli_epi64(_mm512_and_si512(q, i64(2)), 62));
  *zc = _mm512_mul_pd(r, xor_pd(_mm512_mask_blend_pd(swap, c, s), cos_sign));
  *zs = _mm512_mul_pd(r, xor_pd(_mm512_mask_blend_pd(swap, s, c), sin_sign));
}

// Float iterations hold kPairs512 pairs of groups (16 blocks each, an even and an odd set);
// double iterations kSets512 sets of 8 blocks (2 groups each). Measured best of 2..4 / 2..6.
constexpr int kPairs512 = 3, kSets512 = 6;

// Sets of 8 blocks first + offset + step * i.
EBM_AVX512_INLINE __m512i block_set(uint64_t first, uint64_t offset, long long step) {
  return _mm512_add_epi64(i64(first + offset),
                          _mm512_setr_epi64(0, step, 2 * step, 3 * step, 4 * step, 5 * step, 6 * step, 7 * step));
}

// [lo halves of a | lo halves of b] and [hi halves of a | hi halves of b].
EBM_AVX512_INLINE __m512 low_halves(__m512 a, __m512 b) { return _mm512_shuffle_f32x4(a, b, 0x44); }
EBM_AVX512_INLINE __m512 high_halves(__m512 a, __m512 b) { return _mm512_shuffle_f32x4(a, b, 0xEE); }
EBM_AVX512_INLINE __m512d low_halves(__m512d a, __m512d b) { return _mm512_shuffle_f64x2(a, b, 0x44); }
EBM_AVX512_INLINE __m512d high_halves(__m512d a, __m512d b) { return _mm512_shuffle_f64x2(a, b, 0xEE); }

// Out of line (the AVX2 fill_iterations calls them): one call per iteration of 192 or 96 values.
template <bool Normal>
EBM_AVX512 void float_iteration(uint64_t seed, uint64_t first, float* dst) {
  constexpr int S = 2 * kPairs512;
  __m512i blocks[S], x[S][4];
  for (int j = 0; j < kPairs512; ++j) {
    blocks[2 * j] = block_set(first, 16 * j, 2);
    blocks[2 * j + 1] = block_set(first, 16 * j + 1, 2);
  }
  philox_sets<S>(blocks, seed, x);
  for (int j = 0; j < kPairs512; ++j) {
    float* d = dst + j * 2 * kF32GroupValues;
    __m512i w[4];
    for (int k = 0; k < 4; ++k) w[k] = interleave(x[2 * j][k], x[2 * j + 1][k]);  // blocks 16j + 0..15
    __m512 v[4];
    if (Normal) {
      normal_pair_ps(w[0], w[1], &v[0], &v[1]);
      normal_pair_ps(w[2], w[3], &v[2], &v[3]);
    } else {
      for (int k = 0; k < 4; ++k) v[k] = uniform_ps(w[k]);
    }
    _mm512_storeu_ps(d, low_halves(v[0], v[1]));
    _mm512_storeu_ps(d + 16, low_halves(v[2], v[3]));
    _mm512_storeu_ps(d + 32, high_halves(v[0], v[1]));
    _mm512_storeu_ps(d + 48, high_halves(v[2], v[3]));
  }
}

template <bool Normal>
EBM_AVX512 void double_iteration(uint64_t seed, uint64_t first, double* dst) {
  __m512i blocks[kSets512], x[kSets512][4];
  for (int s = 0; s < kSets512; ++s) blocks[s] = block_set(first, 8 * s, 1);
  philox_sets<kSets512>(blocks, seed, x);
  for (int s = 0; s < kSets512; ++s) {
    __m512d a, b;
    if (Normal) {
      normal_pair_pd(x[s], &a, &b);
    } else {
      a = _mm512_add_pd(join_pd<12>(x[s][0], x[s][1]), pd(0x1p-53));
      b = _mm512_add_pd(join_pd<12>(x[s][2], x[s][3]), pd(0x1p-53));
    }
    _mm512_storeu_pd(dst + 16 * s, low_halves(a, b));
    _mm512_storeu_pd(dst + 16 * s + 8, high_halves(a, b));
  }
}

}  // namespace z512
}  // namespace

EBM_AVX512 void normal_f32_avx512(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<float, z512::kPairs512 * 64, z512::kPairs512 * 16, z512::float_iteration<true>>(out, n, seed, first_block);
}
EBM_AVX512 void uniform_f32_avx512(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<float, z512::kPairs512 * 64, z512::kPairs512 * 16, z512::float_iteration<false>>(out, n, seed, first_block);
}
EBM_AVX512 void normal_f64_avx512(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<double, z512::kSets512 * 16, z512::kSets512 * 8, z512::double_iteration<true>>(out, n, seed, first_block);
}
EBM_AVX512 void uniform_f64_avx512(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<double, z512::kSets512 * 16, z512::kSets512 * 8, z512::double_iteration<false>>(out, n, seed, first_block);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace ebm::noise_kernels

#endif  // x86
