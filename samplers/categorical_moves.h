// Helpers for gradient-informed moves on one-hot states y [N, V, K].
//
// With f = -E/T and d = grad f, the first-order estimate of f(y with variable v set to k) - f(y) is
//   delta[n, v, k] = d[n, v, k] - d[n, v, current(v)]         (0 for k = current(v)).
#pragma once

#include "ebm/noise.h"
#include "ebm/sampler.h"
#include "ebm/target.h"

#include <torch/types.h>

namespace ebm {

// delta as above, from the energy gradient and per-row temperature.
torch::Tensor first_order_gain(const torch::Tensor& y, const torch::Tensor& energy_gradient,
                               const torch::Tensor& temperature);
// [N, V] bool: variables the clamp fixes (none when the target has no clamp).
torch::Tensor clamped_variables(const Target& target, const torch::Tensor& y);
// Gumbel-max draw of one index per row of `logits` along the last dimension.
torch::Tensor gumbel_argmax(const torch::Tensor& logits, NoiseSource& noise);

// One Gibbs-with-gradients move (Grathwohl et al. 2021) on the one-hot block y[..., 0:categories]
// of every row (the whole last dimension for OneHot spaces; the choice block of Mixed ones; any
// entries after the block stay as they are):
//   q(v, k | y) = softmax over free variables v and k != current(v) of  scale * delta[v, k]
//   accept with min(1, exp(-(E(y') - E(y))/T + log q(y | y') - log q(y' | y))).
// Evaluates the proposal once, with its gradient. Returns the acceptance probability per row [N].
torch::Tensor gradient_informed_move(Target& target, ChainBatch& chains, double scale, int64_t categories,
                                     NoiseSource& noise);

}  // namespace ebm
