// Training objectives for energies.
//
// Denoising gradient matching (a denoising score-matching / IRED-style landscape objective):
// corrupt a clean answer y* into y~ and teach the energy that its gradient there points back:
//   loss = mean over free entries of (dE/dy(x, y~) - (y~ - y*) / scale)^2
// so that a gradient (or mirror) step from y~ moves towards y*. The gradient is taken with
// create_graph, so the loss back-propagates into the energy's parameters (double backward).
#pragma once

#include "ebm/energy.h"

#include <torch/types.h>

namespace ebm {

// condition: [B, ...]; noisy, clean: [B, *shape]; free_mask: bool [B, *shape] (true where the
// entry is not clamped) or undefined for all entries. Returns a scalar loss.
torch::Tensor denoising_gradient_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& noisy,
                                      const torch::Tensor& clean, const torch::Tensor& free_mask, double scale = 1.0);

// Contrastive objective with sampler negatives (maximum likelihood, as in short-run MCMC EBMs):
//   loss = mean E(x, y+) - mean E(x, y-) + reg * mean(E(x, y+)^2 + E(x, y-)^2)
// y+ are data (solutions), y- states the sampler reached from the current energy (detached).
// The squared-energy term keeps energies from drifting to +-infinity.
torch::Tensor contrastive_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& positives,
                               const torch::Tensor& negatives, double reg = 0.1);

}  // namespace ebm
