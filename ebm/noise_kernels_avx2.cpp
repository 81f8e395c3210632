// AVX2 fill kernels. Compiled with -mavx2 -mfma -ffp-contract=off and reached only through
// avx2_kernels(), which checks the CPU first. Everything here has internal linkage and no
// standard-library code is instantiated, so no AVX2 copy of a shared inline function can leak
// into the rest of the program. Each operation mirrors one in noise_kernels_generic.cpp.
//
// Philox runs on 4 blocks per register, one per 64-bit lane: _mm256_mul_epu32 multiplies the low
// 32 bits of each lane into a full 64-bit product, so hi and lo need no shuffling; the high halves
// of the lanes carry junk that nothing reads. Two such registers (even and odd blocks) interleave
// into 8 words of 8 consecutive blocks with one shift and one blend.
#include "ebm/noise_kernels.h"

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
  __m256i c0[S], c1[S], c2[S], c3[S];
  for (int s = 0; s < S; ++s) {
    c0[s] = blocks[s];
    c1[s] = _mm256_srli_epi64(blocks[s], 32);
    c2[s] = _mm256_setzero_si256();
    c3[s] = _mm256_setzero_si256();
  }
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
#pragma GCC unroll 10
  for (int r = 0; r < 10; ++r) {
    const __m256i key0 = _mm256_set1_epi32(static_cast<int>(k0)), key1 = _mm256_set1_epi32(static_cast<int>(k1));
    for (int s = 0; s < S; ++s) {
      const __m256i p0 = _mm256_mul_epu32(c0[s], m0);
      const __m256i p1 = _mm256_mul_epu32(c2[s], m1);
      c0[s] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), c1[s]), key0);
      c2[s] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), c3[s]), key1);
      c1[s] = p1;
      c3[s] = p0;
    }
    k0 += kW0;
    k1 += kW1;
  }
  for (int s = 0; s < S; ++s) {
    x[s][0] = c0[s];
    x[s][1] = c1[s];
    x[s][2] = c2[s];
    x[s][3] = c3[s];
  }
}

// 32-bit lanes [e0, o0, e1, o1, ...] from the low halves of the 64-bit lanes of even and odd.
EBM_ALWAYS_INLINE __m256i interleave(__m256i even, __m256i odd) {
  return _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
}

EBM_ALWAYS_INLINE __m256i ones32(int v) { return _mm256_set1_epi32(v); }
EBM_ALWAYS_INLINE __m256 ps(float v) { return _mm256_set1_ps(v); }
EBM_ALWAYS_INLINE __m256d pd(double v) { return _mm256_set1_pd(v); }
EBM_ALWAYS_INLINE __m256i ones64(uint64_t v) { return _mm256_set1_epi64x(static_cast<long long>(v)); }

// ---- float -------------------------------------------------------------------------------------

EBM_ALWAYS_INLINE __m256 log_ps(__m256 u) {
  const __m256i b = _mm256_castps_si256(u);
  const __m256i ei = _mm256_sub_epi32(_mm256_srli_epi32(b, 23), ones32(126));
  const __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(b, ones32(0x007fffff)), ones32(0x3f000000)));
  const __m256 low = _mm256_cmp_ps(m, ps(0.707106781186547524f), _CMP_LT_OQ);
  const __m256 e = _mm256_sub_ps(_mm256_cvtepi32_ps(ei), _mm256_and_ps(low, ps(1.0f)));
  __m256 x = _mm256_add_ps(_mm256_sub_ps(m, ps(1.0f)), _mm256_and_ps(low, m));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 y = ps(7.0376836292e-2f);
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(-1.1514610310e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(1.1676998740e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(-1.2420140846e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(1.4249322787e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(-1.6668057665e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(2.0000714765e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(-2.4999993993e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), ps(3.3333331174e-1f));
  y = _mm256_mul_ps(_mm256_mul_ps(y, x), z);
  y = _mm256_add_ps(y, _mm256_mul_ps(e, ps(-2.12194440e-4f)));
  y = _mm256_add_ps(y, _mm256_mul_ps(z, ps(-0.5f)));
  x = _mm256_add_ps(x, y);
  return _mm256_add_ps(x, _mm256_mul_ps(e, ps(0.693359375f)));
}

// cos and sin of 2 pi j / 2^24, j < 2^24 per lane.
EBM_ALWAYS_INLINE void sincos_turns_ps(__m256i j, __m256* cos_out, __m256* sin_out) {
  const __m256i q = _mm256_srli_epi32(_mm256_add_epi32(j, ones32(1 << 21)), 22);
  const __m256i fi = _mm256_sub_epi32(j, _mm256_slli_epi32(q, 22));
  const __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(fi), ps(6.28318530717958647692f * 0x1p-24f));
  const __m256 z = _mm256_mul_ps(x, x);
  __m256 s = ps(-1.9515295891e-4f);
  s = _mm256_add_ps(_mm256_mul_ps(s, z), ps(8.3321608736e-3f));
  s = _mm256_add_ps(_mm256_mul_ps(s, z), ps(-1.6666654611e-1f));
  s = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(s, z), x), x);
  __m256 c = ps(2.443315711809948e-5f);
  c = _mm256_add_ps(_mm256_mul_ps(c, z), ps(-1.388731625493765e-3f));
  c = _mm256_add_ps(_mm256_mul_ps(c, z), ps(4.166664568298827e-2f));
  c = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(c, z), z), _mm256_mul_ps(z, ps(-0.5f))), ps(1.0f));
  const __m256 swap = _mm256_castsi256_ps(_mm256_slli_epi32(q, 31));
  const __m256 cos_sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(_mm256_add_epi32(q, ones32(1)), ones32(2)), 30));
  const __m256 sin_sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(q, ones32(2)), 30));
  *cos_out = _mm256_xor_ps(_mm256_blendv_ps(c, s, swap), cos_sign);
  *sin_out = _mm256_xor_ps(_mm256_blendv_ps(s, c, swap), sin_sign);
}

EBM_ALWAYS_INLINE void normal_pair_ps(__m256i xa, __m256i xb, float* zc, float* zs) {
  const __m256 hi = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(xa, 8)), ps(0x1p-24f));
  const __m256i lo_bits = _mm256_or_si256(_mm256_slli_epi32(_mm256_and_si256(xa, ones32(255)), 8),
                                          _mm256_and_si256(xb, ones32(255)));
  const __m256 lo = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_add_epi32(lo_bits, ones32(1))), ps(0x1p-40f));
  const __m256 u1 = _mm256_add_ps(hi, lo);
  const __m256 r = _mm256_sqrt_ps(_mm256_mul_ps(log_ps(u1), ps(-2.0f)));
  __m256 c, s;
  sincos_turns_ps(_mm256_srli_epi32(xb, 8), &c, &s);
  _mm256_storeu_ps(zc, _mm256_mul_ps(r, c));
  _mm256_storeu_ps(zs, _mm256_mul_ps(r, s));
}

EBM_ALWAYS_INLINE __m256 uniform_ps(__m256i x) {
  return _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(x, 9)), ps(0x1p-23f)), ps(0x1p-24f));
}

// ---- double ------------------------------------------------------------------------------------

constexpr uint64_t kMagic52 = 0x4330000000000000ull;  // bits of 2^52: OR in an integer < 2^52

// a * 2^-32 + (b >> Shift) * 2^-(32 + Shift) from the low 32 bits of each lane, exact.
template <int Shift>
EBM_ALWAYS_INLINE __m256d join_pd(__m256i a, __m256i b) {
  const __m256i magic = ones64(kMagic52);
  const __m256d da = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_blend_epi32(a, magic, 0xAA)), pd(0x1p52));
  const __m256d db =
      _mm256_sub_pd(_mm256_castsi256_pd(_mm256_blend_epi32(_mm256_srli_epi32(b, Shift), magic, 0xAA)), pd(0x1p52));
  return _mm256_add_pd(_mm256_mul_pd(da, pd(0x1p-32)), _mm256_mul_pd(db, pd(0x1p-32 / (1u << Shift))));
}

EBM_ALWAYS_INLINE __m256d log_pd(__m256d u) {
  const __m256i b = _mm256_castpd_si256(u);
  const __m256d e0 = _mm256_sub_pd(
      _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(b, 52), ones64(kMagic52))), pd(0x1p52)),
      pd(1022.0));
  const __m256d m = _mm256_castsi256_pd(
      _mm256_or_si256(_mm256_and_si256(b, ones64(0x000fffffffffffffull)), ones64(0x3fe0000000000000ull)));
  const __m256d low = _mm256_cmp_pd(m, pd(0.70710678118654752440), _CMP_LT_OQ);
  const __m256d e = _mm256_sub_pd(e0, _mm256_and_pd(low, pd(1.0)));
  const __m256d f = _mm256_add_pd(_mm256_sub_pd(m, pd(1.0)), _mm256_and_pd(low, m));
  const __m256d s = _mm256_div_pd(f, _mm256_add_pd(pd(2.0), f));
  const __m256d z = _mm256_mul_pd(s, s);
  const __m256d w = _mm256_mul_pd(z, z);
  const __m256d t1 = _mm256_mul_pd(
      w, _mm256_add_pd(pd(3.999999999940941908e-01),
                       _mm256_mul_pd(w, _mm256_add_pd(pd(2.222219843214978396e-01),
                                                      _mm256_mul_pd(w, pd(1.531383769920937332e-01))))));
  const __m256d t2 = _mm256_mul_pd(
      z, _mm256_add_pd(
             pd(6.666666666666735130e-01),
             _mm256_mul_pd(w, _mm256_add_pd(pd(2.857142874366239149e-01),
                                            _mm256_mul_pd(w, _mm256_add_pd(pd(1.818357216161805012e-01),
                                                                           _mm256_mul_pd(w, pd(1.479819860511658591e-01))))))));
  const __m256d r = _mm256_add_pd(t2, t1);
  const __m256d hfsq = _mm256_mul_pd(_mm256_mul_pd(pd(0.5), f), f);
  const __m256d inner = _mm256_add_pd(_mm256_mul_pd(s, _mm256_add_pd(hfsq, r)), _mm256_mul_pd(e, pd(1.90821492927058770002e-10)));
  return _mm256_sub_pd(_mm256_mul_pd(e, pd(6.93147180369123816490e-01)), _mm256_sub_pd(_mm256_sub_pd(hfsq, inner), f));
}

// cos and sin of 2 pi k / 2^53, k < 2^53 per 64-bit lane.
EBM_ALWAYS_INLINE void sincos_turns_pd(__m256i k, __m256d* cos_out, __m256d* sin_out) {
  const __m256i q = _mm256_srli_epi64(_mm256_add_epi64(k, ones64(1ull << 50)), 51);
  const __m256i fi = _mm256_sub_epi64(k, _mm256_slli_epi64(q, 51));  // [-2^50, 2^50)
  const __m256d fd = _mm256_sub_pd(
      _mm256_castsi256_pd(_mm256_or_si256(_mm256_add_epi64(fi, ones64(1ull << 51)), ones64(kMagic52))),
      pd(0x1p52 + 0x1p51));
  const __m256d x = _mm256_mul_pd(fd, pd(6.28318530717958647692 * 0x1p-53));
  const __m256d z = _mm256_mul_pd(x, x);
  const __m256d v = _mm256_mul_pd(z, x);
  const __m256d sr = _mm256_add_pd(
      pd(8.33333333332248946124e-03),
      _mm256_mul_pd(z, _mm256_add_pd(pd(-1.98412698298579493134e-04),
                                     _mm256_mul_pd(z, _mm256_add_pd(pd(2.75573137070700676789e-06),
                                                                    _mm256_mul_pd(z, _mm256_add_pd(pd(-2.50507602534068634195e-08),
                                                                                                   _mm256_mul_pd(z, pd(1.58969099521155010221e-10)))))))));
  const __m256d s = _mm256_add_pd(x, _mm256_mul_pd(v, _mm256_add_pd(pd(-1.66666666666666324348e-01), _mm256_mul_pd(z, sr))));
  __m256d cr = _mm256_add_pd(pd(2.08757232129817482790e-09), _mm256_mul_pd(z, pd(-1.13596475577881948265e-11)));
  cr = _mm256_add_pd(pd(-2.75573143513906633035e-07), _mm256_mul_pd(z, cr));
  cr = _mm256_add_pd(pd(2.48015872894767294178e-05), _mm256_mul_pd(z, cr));
  cr = _mm256_add_pd(pd(-1.38888888888741095749e-03), _mm256_mul_pd(z, cr));
  cr = _mm256_add_pd(pd(4.16666666666666019037e-02), _mm256_mul_pd(z, cr));
  cr = _mm256_mul_pd(z, cr);
  const __m256d hz = _mm256_mul_pd(pd(0.5), z);
  const __m256d w = _mm256_sub_pd(pd(1.0), hz);
  const __m256d c =
      _mm256_add_pd(w, _mm256_add_pd(_mm256_sub_pd(_mm256_sub_pd(pd(1.0), w), hz), _mm256_mul_pd(z, cr)));
  const __m256d swap = _mm256_castsi256_pd(_mm256_slli_epi64(q, 63));
  const __m256d cos_sign =
      _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_and_si256(_mm256_add_epi64(q, ones64(1)), ones64(2)), 62));
  const __m256d sin_sign = _mm256_castsi256_pd(_mm256_slli_epi64(_mm256_and_si256(q, ones64(2)), 62));
  *cos_out = _mm256_xor_pd(_mm256_blendv_pd(c, s, swap), cos_sign);
  *sin_out = _mm256_xor_pd(_mm256_blendv_pd(s, c, swap), sin_sign);
}

EBM_ALWAYS_INLINE void normal_pair_pd(const __m256i (&x)[4], double* zc, double* zs) {
  const __m256d u1 = _mm256_sub_pd(pd(1.0), join_pd<11>(x[0], x[1]));
  const __m256d r = _mm256_sqrt_pd(_mm256_mul_pd(log_pd(u1), pd(-2.0)));
  const __m256i k = _mm256_srli_epi64(
      _mm256_or_si256(_mm256_slli_epi64(x[2], 32), _mm256_and_si256(x[3], ones64(0xffffffffull))), 11);
  __m256d c, s;
  sincos_turns_pd(k, &c, &s);
  _mm256_storeu_pd(zc, _mm256_mul_pd(r, c));
  _mm256_storeu_pd(zs, _mm256_mul_pd(r, s));
}

// ---- fills -------------------------------------------------------------------------------------

// One iteration covers 16 blocks: 2 float groups or 4 double groups, in 4 Philox sets.
constexpr int kSets = 4;
constexpr uint64_t kIterBlocks = 16;

// Calls iteration(first block, dst) for every iteration of Values values; a cut-short last one
// goes through a local buffer.
template <typename T, int Values, typename Iteration>
EBM_ALWAYS_INLINE void fill_iterations(T* out, int64_t n, uint64_t first_block, Iteration iteration) {
  const int64_t full = n / Values;
  for (int64_t it = 0; it < full; ++it)
    iteration(first_block + static_cast<uint64_t>(it) * kIterBlocks, out + it * Values);
  const int64_t rest = n - full * Values;
  if (rest > 0) {
    alignas(32) T tmp[Values];
    iteration(first_block + static_cast<uint64_t>(full) * kIterBlocks, tmp);
    for (int64_t i = 0; i < rest; ++i) out[full * Values + i] = tmp[i];
  }
}

// Float sets: group g's even blocks, then its odd blocks.
EBM_ALWAYS_INLINE void float_sets(uint64_t first, __m256i (&blocks)[kSets]) {
  const __m256i base = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first)), _mm256_setr_epi64x(0, 2, 4, 6));
  for (int s = 0; s < kSets; ++s) {
    const int g = s / 2, odd = s % 2;
    blocks[s] = _mm256_add_epi64(base, _mm256_set1_epi64x(g * kF32GroupBlocks + odd));
  }
}

// Double sets: group g's 4 blocks.
EBM_ALWAYS_INLINE void double_sets(uint64_t first, __m256i (&blocks)[kSets]) {
  const __m256i base = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first)), _mm256_setr_epi64x(0, 1, 2, 3));
  for (int s = 0; s < kSets; ++s) blocks[s] = _mm256_add_epi64(base, _mm256_set1_epi64x(s * kF64GroupBlocks));
}

}  // namespace

void normal_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<float, 2 * kF32GroupValues>(out, n, first_block, [seed](uint64_t first, float* dst) {
    __m256i blocks[kSets], x[kSets][4];
    float_sets(first, blocks);
    philox_sets<kSets>(blocks, seed, x);
    for (int g = 0; g < 2; ++g) {
      float* d = dst + g * kF32GroupValues;
      normal_pair_ps(interleave(x[2 * g][0], x[2 * g + 1][0]), interleave(x[2 * g][1], x[2 * g + 1][1]), d, d + 8);
      normal_pair_ps(interleave(x[2 * g][2], x[2 * g + 1][2]), interleave(x[2 * g][3], x[2 * g + 1][3]), d + 16,
                     d + 24);
    }
  });
}

void uniform_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<float, 2 * kF32GroupValues>(out, n, first_block, [seed](uint64_t first, float* dst) {
    __m256i blocks[kSets], x[kSets][4];
    float_sets(first, blocks);
    philox_sets<kSets>(blocks, seed, x);
    for (int g = 0; g < 2; ++g)
      for (int w = 0; w < 4; ++w)
        _mm256_storeu_ps(dst + g * kF32GroupValues + w * 8, uniform_ps(interleave(x[2 * g][w], x[2 * g + 1][w])));
  });
}

void normal_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<double, kSets * kF64GroupValues>(out, n, first_block, [seed](uint64_t first, double* dst) {
    __m256i blocks[kSets], x[kSets][4];
    double_sets(first, blocks);
    philox_sets<kSets>(blocks, seed, x);
    for (int s = 0; s < kSets; ++s) normal_pair_pd(x[s], dst + s * kF64GroupValues, dst + s * kF64GroupValues + 4);
  });
}

void uniform_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block) {
  fill_iterations<double, kSets * kF64GroupValues>(out, n, first_block, [seed](uint64_t first, double* dst) {
    __m256i blocks[kSets], x[kSets][4];
    double_sets(first, blocks);
    philox_sets<kSets>(blocks, seed, x);
    for (int s = 0; s < kSets; ++s) {
      _mm256_storeu_pd(dst + s * kF64GroupValues, _mm256_add_pd(join_pd<12>(x[s][0], x[s][1]), pd(0x1p-53)));
      _mm256_storeu_pd(dst + s * kF64GroupValues + 4, _mm256_add_pd(join_pd<12>(x[s][2], x[s][3]), pd(0x1p-53)));
    }
  });
}

}  // namespace ebm::noise_kernels

#endif  // x86
