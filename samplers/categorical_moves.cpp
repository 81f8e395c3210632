#include "samplers/categorical_moves.h"

#include "samplers/sampler_base.h"

#include <torch/torch.h>

namespace ebm {

torch::Tensor first_order_gain(const torch::Tensor& y, const torch::Tensor& energy_gradient,
                               const torch::Tensor& temperature) {
  auto d = -energy_gradient / per_row(temperature.to(y.scalar_type()), y);
  auto at_current = (d * y).sum(-1, /*keepdim=*/true);
  return d - at_current;
}

torch::Tensor clamped_variables(const Target& target, const torch::Tensor& y) {
  if (!target.clamp().active()) return torch::zeros({y.size(0), y.size(1)}, y.options().dtype(torch::kBool));
  return target.clamp().mask.any(-1);
}

torch::Tensor gumbel_argmax(const torch::Tensor& logits, NoiseSource& noise) {
  auto u = noise.uniform(logits.sizes(), logits.options());
  return (logits - (-u.log()).log()).argmax(-1);
}

}  // namespace ebm
