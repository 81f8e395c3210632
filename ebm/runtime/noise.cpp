#include "ebm/noise.h"

#include "ebm/runtime/noise_kernels.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ebm {
namespace {

namespace nk = noise_kernels;

// Values per OpenMP chunk: a multiple of both group sizes, so chunk c starts at block
// first + c * blocks_for(kChunk) and the values do not depend on how chunks meet threads.
constexpr int64_t kChunk = int64_t{1} << 16;
static_assert(kChunk % nk::kF32GroupValues == 0 && kChunk % nk::kF64GroupValues == 0, "chunks must hold whole groups");

template <typename T>
void fill_chunked(T* out, int64_t n, uint64_t seed, uint64_t first_block, void (*kernel)(T*, int64_t, uint64_t, uint64_t)) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  if (chunks <= 1) {
    kernel(out, n, seed, first_block);
    return;
  }
  const uint64_t chunk_blocks = nk::blocks_for(kChunk, sizeof(T) == sizeof(double));
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), chunks)));
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kChunk;
    kernel(out + begin, std::min(kChunk, n - begin), seed, first_block + static_cast<uint64_t>(c) * chunk_blocks);
  }
}

// Same type, and the same index where both name one.
bool same_device(const torch::Device& a, const torch::Device& b) {
  return a.type() == b.type() && (!a.has_index() || !b.has_index() || a.index() == b.index());
}

}  // namespace

NoiseSource::NoiseSource(uint64_t seed, torch::Device device) : seed_(seed), device_(device) {
  if (device.is_cuda()) {
    cuda_generator_ = at::globalContext().defaultGenerator(device).clone();
    cuda_generator_->set_current_seed(seed);
  } else if (!device.is_cpu()) {
    throw std::invalid_argument("NoiseSource: device " + device.str() + " is neither CPU nor CUDA");
  }
}

torch::Tensor NoiseSource::normal(at::IntArrayRef sizes, const torch::TensorOptions& options) {
  return draw(Kind::Normal, sizes, options);
}

torch::Tensor NoiseSource::uniform(at::IntArrayRef sizes, const torch::TensorOptions& options) {
  return draw(Kind::Uniform, sizes, options);
}

torch::Tensor NoiseSource::draw(Kind kind, at::IntArrayRef sizes, const torch::TensorOptions& options) {
  const at::ScalarType dtype = c10::typeMetaToScalarType(options.dtype());
  if (!at::isFloatingType(dtype))
    throw std::invalid_argument(std::string("NoiseSource: dtype ") + c10::toString(dtype) + " is not a floating type");
  if (options.layout() != torch::kStrided)
    throw std::invalid_argument("NoiseSource: only strided (dense) tensors can be filled");
  if (options.has_device() && !same_device(options.device(), device_))
    throw std::invalid_argument("NoiseSource: asked for a tensor on " + options.device().str() + " from a source on " +
                                device_.str());
  const torch::Device device = device_.has_index() || !options.has_device() ? device_ : options.device();
  const torch::TensorOptions made = options.device(device).requires_grad(false);
  const bool f64 = dtype == torch::kDouble;

  torch::Tensor out;
  if (device.is_cuda()) {
    if (kind == Kind::Normal) {
      out = at::randn(sizes, *cuda_generator_, made);
    } else {
      // LibTorch's uniforms lie in [0, 1): lift an exact 0 to a value below the smallest step.
      out = at::rand(sizes, *cuda_generator_, made);
      out.clamp_min_(f64 ? 0x1p-54 : dtype == torch::kHalf ? 0x1p-24 : 0x1p-25);
    }
  } else {
    out = at::empty(sizes, made.dtype(f64 ? torch::kDouble : torch::kFloat));  // dense; any memory format
    const int64_t n = out.numel();
    const nk::FillKernels& kernels = nk::best_kernels();
    if (f64)
      fill_chunked<double>(out.data_ptr<double>(), n, seed_, next_block_,
                           kind == Kind::Normal ? kernels.normal_f64 : kernels.uniform_f64);
    else
      fill_chunked<float>(out.data_ptr<float>(), n, seed_, next_block_,
                          kind == Kind::Normal ? kernels.normal_f32 : kernels.uniform_f32);
    if (dtype != torch::kFloat && dtype != torch::kDouble) out = out.to(dtype);
  }
  next_block_ += nk::blocks_for(out.numel(), f64);
  if (options.requires_grad()) out.set_requires_grad(true);
  return out;
}

}  // namespace ebm
