// Counter-based Gaussian and uniform noise (Philox4x32-10, Salmon et al. 2011), fast on CPU.
//
// A NoiseSource is a seed and a position in the Philox counter space. Every call takes the next
// contiguous range of counters (blocks of 128 bits), so successive calls are independent and a
// run is reproduced from the seed alone: the k-th call returns the same tensor whatever the
// thread count and whatever was drawn elsewhere in the program.
//
// CPU, float and double: our own kernels (ebm/runtime/noise_kernels.h documents the exact stream, the
// conversions to float/double and the accuracy of ln/sin/cos) fill the tensor's memory directly,
// AVX-512 or AVX2 when the CPU has them (the same bits either way), else portable C++ (the same
// uniforms; normals equal to ~2e-7 relative). Fills above 64k values are split into fixed
// chunks over OpenMP with at::get_num_threads() threads, each chunk's counters a function of its
// index only. One thread, 64x729 floats: 0.32 ns per normal (AVX-512; AVX2 0.77), against
// 2.8 ns for torch::randn (bench/noise_bench.cpp).
// CPU, other floating dtypes (half, bfloat16): float values cast; the cast may round a uniform
// up to exactly 1.
// CUDA: LibTorch's own generator (torch::randn / torch::rand), cloned from the device's default
// and seeded with `seed`; reproducible by seed, but a different stream from the CPU one.
//
// Not thread-safe: one source per thread (or per run). Copying a source copies its position, so
// the copy repeats the original's future draws.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <optional>

namespace ebm {

class NoiseSource {
 public:
  // seed: the Philox key. device: where tensors are made (CPU or CUDA).
  NoiseSource(uint64_t seed, torch::Device device);

  // i.i.d. N(0, 1) of shape `sizes`. options: a floating dtype (default: torch's default dtype),
  // optionally a memory format and requires_grad; a device, if given, must be of this source's
  // type. Throws std::invalid_argument for non-floating dtypes, non-strided layouts or another
  // device type. |z| <= 6.56 for float (u1 has 31 bits), <= 8.58 for double (53 bits): the
  // probability mass cut off is 6e-11 and 1e-17 per value.
  torch::Tensor normal(at::IntArrayRef sizes, const torch::TensorOptions& options);
  // i.i.d. U(0, 1), never exactly 0 nor 1 (float: 23 random bits, 2^-24 <= u <= 1 - 2^-24;
  // double: 52 bits). Same options as normal().
  torch::Tensor uniform(at::IntArrayRef sizes, const torch::TensorOptions& options);

  uint64_t seed() const { return seed_; }
  // Counter position: how many 128-bit Philox blocks have been consumed. A call of n float values
  // uses ceil(n / 32) * 8 blocks, of n double values ceil(n / 8) * 4 (on CUDA the count is kept
  // the same way, as bookkeeping; the values come from LibTorch's generator).
  uint64_t draws() const { return next_block_; }
  torch::Device device() const { return device_; }

 private:
  enum class Kind { Normal, Uniform };
  torch::Tensor draw(Kind kind, at::IntArrayRef sizes, const torch::TensorOptions& options);

  uint64_t seed_;
  torch::Device device_;
  uint64_t next_block_ = 0;
  std::optional<at::Generator> cuda_generator_;  // set for CUDA devices only
};

}  // namespace ebm
