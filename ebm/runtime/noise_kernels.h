// Raw fill kernels behind NoiseSource (ebm/noise.h): Philox4x32-10 blocks turned into uniforms
// and Box-Muller normals, written straight into float/double buffers. No LibTorch, no threads.
//
// Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11):
// block b under seed s is philox4x32_10(counter {lo32(b), hi32(b), 0, 0}, key {lo32(s), hi32(s)}),
// four 32-bit words x0..x3. A fill of n values starting at block `first_block` is laid out in
// groups; group g uses the blocks first_block + g*GroupBlocks + i, i in [0, GroupBlocks):
//
//   float normal   32 values from 8 blocks: [ rA cos tA | rA sin tA | rB cos tB | rB sin tB ],
//                  8 values each, one per block i; pair A from (x0, x1), pair B from (x2, x3).
//   float uniform  32 values from 8 blocks: [ u(x0) | u(x1) | u(x2) | u(x3) ], 8 blocks each.
//   double normal   8 values from 4 blocks: [ r cos t | r sin t ], the pair from (x0,x1), (x2,x3).
//   double uniform  8 values from 4 blocks: [ u(x0,x1) | u(x2,x3) ].
//
// The last group may be cut short (its unused values are dropped), so a fill of n values uses
// blocks_for(n, ...) blocks. Value k of a fill depends only on (seed, first_block, k): splitting a
// fill at multiples of the group size into sub-fills with matching first_block gives the same
// values, which is what makes chunked, multi-threaded fills independent of the thread count.
//
// From words to numbers (a, b: the pair's two words):
//   float uniform   (x >> 9) 2^-23 + 2^-24: 23 bits, in [2^-24, 1 - 2^-24], exact.
//   double uniform  a 2^-32 + (b >> 12) 2^-52 + 2^-53: 52 bits, in (0, 1), exact.
//   float normal    u1 = ((a >> 1) | 1) 2^-31 in (0, 1] (31 bits, odd so never 0; rounded to
//                   float), r = sqrt(-2 ln u1) <= 6.56; angle 2 pi b 2^-32 (32 bits), split
//                   exactly into a half turn (a sign) and phi in [-pi/2, pi/2) before rounding.
//   double normal   u1 = 1 - (a 2^-32 + (b >> 11) 2^-53) in (0, 1] (53 bits, exact), r <= 8.58;
//                   angle 2 pi k 2^-53 with k the 53 bits of (x2, x3), split exactly into a
//                   quarter turn and phi in [-pi/4, pi/4].
// Float maths in float, double in double. ln, sin and cos are polynomials of our own:
//   float   ln(1+x) = x - x^2/2 + x^3 P6(x) on [sqrt(1/2) - 1, sqrt(2) - 1] (Remez minimax,
//           3.2e-8 relative), sin = x + x^3 S3(x^2) (1.1e-8 relative) and cos = 1 - x^2/2 +
//           x^4 C3(x^2) (1.2e-9 absolute) on [-pi/2, pi/2];
//   double  fdlibm's log (s = f / (2 + f)) and __kernel_sin / __kernel_cos on [-pi/4, pi/4].
// Measured against long double from the same u1 and angle (5 million normals): |z - z_exact| <=
// 2.5e-7 r for float and 3.0e-16 r for double, r the radius of the pair (tests/test_noise.cpp).
//
// Kernels. The AVX2 and AVX-512 kernels perform the same operations, fused multiply-adds
// included, and give bit-identical output (with GCC or Clang). The generic kernel follows the same
// formulas with separate multiplies and adds, so its normals differ from theirs in the last bits
// (within the bounds above); its uniforms are identical. Each kernel is deterministic (the generic
// one per build: a compiler that contracts a * b + c into FMAs, e.g. GCC for AArch64, changes it).
#pragma once

#include <cstdint>

namespace ebm::noise_kernels {

// The published Philox4x32-10 bijection, scalar reference: out = philox(counter, key).
void philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

constexpr int64_t kF32GroupValues = 32;  // values per group, float fills (normal and uniform)
constexpr int64_t kF32GroupBlocks = 8;   // Philox blocks per group, float fills
constexpr int64_t kF64GroupValues = 8;   // values per group, double fills
constexpr int64_t kF64GroupBlocks = 4;   // Philox blocks per group, double fills

// Philox blocks used by a fill of n >= 0 values (whole groups).
constexpr uint64_t blocks_for(int64_t n, bool double_precision) {
  return double_precision ? static_cast<uint64_t>((n + kF64GroupValues - 1) / kF64GroupValues) * kF64GroupBlocks
                          : static_cast<uint64_t>((n + kF32GroupValues - 1) / kF32GroupValues) * kF32GroupBlocks;
}

// out[0, n) <- values of the stream (seed, first_block) laid out as above. n >= 0; out need not
// be aligned. Deterministic; no allocation, no threads.
using FillF32 = void (*)(float* out, int64_t n, uint64_t seed, uint64_t first_block);
using FillF64 = void (*)(double* out, int64_t n, uint64_t seed, uint64_t first_block);

struct FillKernels {
  const char* name;  // "generic", "avx2" or "avx512"
  FillF32 normal_f32;
  FillF32 uniform_f32;
  FillF64 normal_f64;
  FillF64 uniform_f64;
};

// Portable C++ (baseline x86-64 or any architecture).
const FillKernels& generic_kernels();
// AVX2 + FMA, or nullptr when this is not an x86 build or the CPU lacks AVX2 or FMA.
const FillKernels* avx2_kernels();
// AVX-512F, or nullptr when not x86 or the CPU lacks AVX-512F. Same output as avx2_kernels().
const FillKernels* avx512_kernels();
// The fastest the CPU runs (avx512, avx2, generic), decided once per process. The environment
// variable EBM_NOISE_KERNELS=generic|avx2|avx512 picks another (if the CPU runs it), e.g. to avoid
// AVX-512 frequency drops on older Intel server parts or to compare kernels.
const FillKernels& best_kernels();

// Entry points of noise_kernels_avx2.cpp (compiled with -mavx2 -mfma; the avx512 ones carry their
// own target attribute). Call them only through avx2_kernels() / avx512_kernels(): on a CPU
// without the instructions they fault.
void normal_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block);
void uniform_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block);
void normal_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block);
void uniform_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block);
void normal_f32_avx512(float* out, int64_t n, uint64_t seed, uint64_t first_block);
void uniform_f32_avx512(float* out, int64_t n, uint64_t seed, uint64_t first_block);
void normal_f64_avx512(double* out, int64_t n, uint64_t seed, uint64_t first_block);
void uniform_f64_avx512(double* out, int64_t n, uint64_t seed, uint64_t first_block);

}  // namespace ebm::noise_kernels
