// RowEnergyKernel: an energy's closed form on one row of raw float32 memory, so that a sampler can
// fuse its move and the evaluation of the moved state into one pass per chain on the CPU, with no
// LibTorch operation (and no dispatch, no temporary tensor) per arithmetic step.
//
// An energy offers one through Energy::row_kernel() (include/ebm/energy.h); samplers that have a
// fused step use it on their own when the chains are float32 on the CPU, and otherwise take the
// tensor path, which stays the reference semantics (and the path for learned, autograd and CUDA
// energies). A kernel must give the tensor path's energy and gradient to float rounding.
#pragma once

#include <cstdint>
#include <memory>

namespace ebm {

class RowEnergyKernel {
 public:
  virtual ~RowEnergyKernel() = default;
  // E(y) of row `row` (its condition: row `row` of the condition the kernel was made for), unweighted;
  // adds weight * dE/dy to `gradient`. `answer` and `gradient` hold the row's values in the answer's
  // layout (contiguous, the shape the kernel was made for), clamps not applied. Called from several
  // threads at once on different rows: no shared mutable state.
  virtual double accumulate(int64_t row, const float* answer, float weight, float* gradient) const = 0;
};

using RowKernelPtr = std::shared_ptr<const RowEnergyKernel>;

}  // namespace ebm
