// Fused CPU steps: a sampler's move and the evaluation of the moved state in one pass per chain, through
// the energy's row kernel (<ebm/row_kernel.h>), instead of a few dozen LibTorch operations each over the
// whole batch. Samplers choose it on their own (fused_kernel_for) and otherwise take the tensor path,
// which is the reference semantics: a fused step gives the tensor path's states, energies and gradients
// to float rounding (the logarithms and exponentials of ebm/runtime/fast_math.h, 2e-7 relative), with
// the same noise. Rows are spread over LibTorch's intra-op threads (at::parallel_for) when it has more
// than one.
#pragma once

#include "ebm/row_kernel.h"
#include "ebm/sampler.h"

namespace ebm {

// The energy's row kernel when a fused step can run on these chains: CPU, float32, contiguous states
// and gradients, a contiguous float clamp; else nullptr (take the tensor path).
RowKernelPtr fused_kernel_for(const Target& target, const ChainBatch& chains);

// One mirror Langevin step of every row, with the tensor path's arithmetic (samplers/langevin.h):
//   y <- clamp(softmax(log max(y, 1e-12) + sigma_row * xi * free - eta * grad E(y))), then E and
//   grad E (clamped entries 0) of the new states,
// sigma_row = noise when noise >= 0, else sqrt(2 eta T_row). xi: normals shaped like chains.y (undefined
// when noise == 0). Counts one evaluation per row on `target`.
void fused_mirror_langevin_step(const RowEnergyKernel& kernel, Target& target, ChainBatch& chains,
                                const torch::Tensor& xi, double eta, double noise);

}  // namespace ebm
