#include "samplers/categorical_moves.h"

#include "ebm/samplers/sampler_base.h"

#include <torch/torch.h>

#include <limits>

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

namespace {

// log q(. | y) over the flattened (v, k) moves [N, V*C] of the one-hot block; impossible moves get
// -inf. Rows without any possible move (everything clamped) get a uniform distribution over the
// current cells, so a draw changes nothing.
torch::Tensor move_log_probabilities(const Target& target, const ChainBatch& chains, double scale,
                                     int64_t categories) {
  auto one_hot = chains.y.narrow(-1, 0, categories);
  auto gain = first_order_gain(one_hot, chains.gradient.narrow(-1, 0, categories), target.temperature()) * scale;
  auto fixed = target.clamp().active() ? target.clamp().mask.narrow(-1, 0, categories).any(-1)
                                       : torch::zeros({one_hot.size(0), one_hot.size(1)}, one_hot.options().dtype(torch::kBool));
  auto blocked = one_hot.to(torch::kBool) | fixed.unsqueeze(-1);
  auto logits = gain.masked_fill(blocked, -std::numeric_limits<double>::infinity()).flatten(1);
  auto stuck = blocked.flatten(1).all(1, /*keepdim=*/true);
  logits = torch::where(stuck, one_hot.flatten(1).log(), logits);
  return torch::log_softmax(logits, -1);
}

}  // namespace

torch::Tensor gradient_informed_move(Target& target, ChainBatch& chains, double scale, int64_t categories,
                                     NoiseSource& noise) {
  const int64_t c = categories;
  auto log_q_forward_all = move_log_probabilities(target, chains, scale, c);
  auto move = gumbel_argmax(log_q_forward_all, noise);  // [N] index v*C + k
  auto variable = move.div(c, "floor");
  auto category = move.remainder(c);
  auto previous_category = chains.y.narrow(-1, 0, c).argmax(-1).gather(1, variable.unsqueeze(1)).squeeze(1);

  auto rows = torch::arange(chains.y.size(0), move.options());
  auto y = chains.y.clone();
  auto block = y.narrow(-1, 0, c);
  block.index_put_({rows, variable}, torch::zeros({rows.size(0), c}, y.options()));
  block.index_put_({rows, variable, category}, torch::ones({rows.size(0)}, y.options()));
  ChainBatch proposal;
  proposal.y = target.finalize(y);
  evaluate_chains(target, proposal, true);

  auto log_q_forward = log_q_forward_all.gather(1, move.unsqueeze(1)).squeeze(1);
  auto log_q_reverse_all = move_log_probabilities(target, proposal, scale, c);
  auto log_q_reverse = log_q_reverse_all.gather(1, (variable * c + previous_category).unsqueeze(1)).squeeze(1);
  auto t = target.temperature().to(chains.y.scalar_type());
  auto log_ratio = -(proposal.energy - chains.energy) / t + log_q_reverse - log_q_forward;
  // A draw that changes nothing (all clamped) is accepted as a no-op.
  log_ratio = log_ratio.masked_fill(category == previous_category, 0.0);
  return metropolis_step(log_ratio, chains, proposal, noise);
}

}  // namespace ebm
