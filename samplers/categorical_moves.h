// Helpers for gradient-informed moves on one-hot states y [N, V, K].
//
// With f = -E/T and d = grad f, the first-order estimate of f(y with variable v set to k) - f(y) is
//   delta[n, v, k] = d[n, v, k] - d[n, v, current(v)]         (0 for k = current(v)).
#pragma once

#include "ebm/noise.h"
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

}  // namespace ebm
