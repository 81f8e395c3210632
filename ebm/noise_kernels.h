// Raw fill kernels behind NoiseSource (ebm/noise.h): Philox4x32-10 blocks turned into uniforms
// and Box-Muller normals, written straight into float/double buffers. No LibTorch, no threads.
//
// Philox4x32-10 (Salmon, Moraes, Dror, Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC'11):
// block b under seed s is philox4x32_10(counter {lo32(b), hi32(b), 0, 0}, key {lo32(s), hi32(s)}),
// four 32-bit words x0..x3. A fill of n values starting at block `first_block` is laid out in
// groups; group g uses the blocks first_block + g*GroupBlocks + i, i in [0, GroupBlocks):
//
//   float normal   32 values from 8 blocks: [ rA cos tA | rA sin tA | rB cos tB | rB sin tB ],
//                  each 8 values, one per block i; pair A from (x0, x1), pair B from (x2, x3).
//   float uniform  32 values from 8 blocks: [ u(x0) | u(x1) | u(x2) | u(x3) ], 8 blocks each.
//   double normal   8 values from 4 blocks: [ r cos t | r sin t ], pair from (x0,x1) and (x2,x3).
//   double uniform  8 values from 4 blocks: [ u(x0,x1) | u(x2,x3) ].
//
// The last group may be cut short (its unused values are dropped), so a fill of n values uses
// blocks_for(n, ...) blocks. Value k of a fill depends only on (seed, first_block, k): splitting a
// fill at multiples of the group size into sub-fills with matching first_block gives the same
// values, which is what makes chunked, multi-threaded fills independent of the thread count.
//
// Conversions (all exact unless marked):
//   float uniform      (x >> 9) * 2^-23 + 2^-24                  in [2^-24, 1 - 2^-24]: open (0,1)
//   double uniform     x_a * 2^-32 + (x_b >> 12) * 2^-52 + 2^-53  52 bits, open (0,1)
//   float normal       u1 = (x_a >> 8) * 2^-24 + (((x_a & 255) << 8 | (x_b & 255)) + 1) * 2^-40,
//                      40 bits in (0,1] (one rounding); u2 = (x_b >> 8) * 2^-24 in [0,1);
//                      r = sqrt(-2 ln u1) <= 7.45, t = 2 pi u2. Float arithmetic throughout.
//   double normal      u1 = 1 - t(x0,x1), u2 = t(x2,x3), t(a,b) = a * 2^-32 + (b >> 11) * 2^-53
//                      (53 bits); r = sqrt(-2 ln u1) <= 8.58. Double arithmetic throughout.
// ln, sin and cos are our own polynomials, identical in both kernels (Cephes logf/sinf/cosf for
// float, fdlibm log/__kernel_sin/__kernel_cos for double), evaluated without fused multiply-add
// after an exact reduction: sin and cos take the angle in turns, u2 = q/4 + f with |f| <= 1/8
// split off in integer arithmetic. Measured error against long double: float normals < 3e-7
// relative (|z| <= 7.45), double normals < 5e-16 relative (see tests/test_noise.cpp).
//
// The generic and AVX2 kernels perform the same IEEE operations in the same order and give
// bit-identical output, provided the generic file is compiled without FMA contraction (baseline
// x86-64 has no FMA; the AVX2 file is compiled with -ffp-contract=off).
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
  const char* name;  // "generic" or "avx2"
  FillF32 normal_f32;
  FillF32 uniform_f32;
  FillF64 normal_f64;
  FillF64 uniform_f64;
};

// Baseline x86-64 (or any architecture) C++.
const FillKernels& generic_kernels();
// AVX2 + FMA kernels, or nullptr when this is not an x86 build or the CPU lacks AVX2 or FMA.
const FillKernels* avx2_kernels();
// avx2_kernels() when available, else generic_kernels(); decided once per process.
const FillKernels& best_kernels();

// Entry points of noise_kernels_avx2.cpp (compiled with -mavx2 -mfma). Call them only through
// avx2_kernels(): on a CPU without AVX2 they fault.
void normal_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block);
void uniform_f32_avx2(float* out, int64_t n, uint64_t seed, uint64_t first_block);
void normal_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block);
void uniform_f64_avx2(double* out, int64_t n, uint64_t seed, uint64_t first_block);

}  // namespace ebm::noise_kernels
