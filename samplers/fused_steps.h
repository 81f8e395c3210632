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

// Tabu descent's rule (samplers/tabu_descent.h) for one step.
struct TabuRule {
  double tenure = 10, tenure_random = 10, tenure_energy = 0.6, noise = 0.1;
  bool aspiration = true;
  bool focus = false;  // only variables with dE/dy > 0 at their category move
  double step = 0;  // the step's index (tenures are absolute step numbers)
};

// Whether tabu's own per-row state can be updated in place by the fused step (float32, contiguous, CPU).
bool fusable_tabu_state(const torch::Tensor& tabu_until, const torch::Tensor& best_energy);

// One tabu descent step of every row with the tensor path's rule and draws (samplers/tabu_descent.cpp):
// the move of largest first-order gain + noise * Gumbel among the allowed ones (tenure over, or
// aspiration), every movable one when none is; the left category's tenure; then E and grad E (clamped
// entries 0) of the moved states. `gumbel` [N, V, K] uniforms (undefined when noise == 0), `tenure_draws`
// [N] uniforms (undefined when tenure_random == 0). tabu_until [N, V, K] and best_energy [N] are updated in
// place. Counts one evaluation per row.
void fused_tabu_step(const RowEnergyKernel& kernel, Target& target, ChainBatch& chains, torch::Tensor& tabu_until,
                     torch::Tensor& best_energy, const torch::Tensor& gumbel, const torch::Tensor& tenure_draws,
                     const TabuRule& rule);

}  // namespace ebm
