#include "samplers/gibbs_with_gradients.h"

#include "samplers/categorical_moves.h"

#include <torch/torch.h>

#include <limits>

namespace ebm {

void GibbsWithGradientsOptions::bind(OptionSet& o) {
  o.add("scale", &scale, "proposal q(v,k) ~ exp(scale * first-order gain of -E/T); 0.5 = locally balanced");
}

bool GibbsWithGradientsOptions::IsValid(std::string* error) const {
  if (!(scale >= 0)) return *error = "scale must be >= 0, got " + format_number(scale), false;
  return true;
}

namespace {

// log q(. | y) over the flattened (v, k) moves [N, V*K]; impossible moves get -inf. Rows without
// any possible move (everything clamped) get a uniform distribution over the current cells, so a
// draw changes nothing.
torch::Tensor move_log_probabilities(const Target& target, const ChainBatch& chains, double scale) {
  auto gain = first_order_gain(chains.y, chains.gradient, target.temperature()) * scale;
  auto blocked = chains.y.to(torch::kBool) | clamped_variables(target, chains.y).unsqueeze(-1);
  auto logits = gain.masked_fill(blocked, -std::numeric_limits<double>::infinity()).flatten(1);
  auto stuck = blocked.flatten(1).all(1, /*keepdim=*/true);
  logits = torch::where(stuck, chains.y.flatten(1).log(), logits);
  return torch::log_softmax(logits, -1);
}

}  // namespace

StepStats GibbsWithGradientsSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const int64_t k = chains.y.size(2);
  auto log_q_forward_all = move_log_probabilities(target, chains, options_.scale);
  auto move = gumbel_argmax(log_q_forward_all, *context.noise);  // [N] index v*K + k
  auto variable = move.div(k, "floor");
  auto category = move.remainder(k);
  auto previous_category = chains.y.argmax(-1).gather(1, variable.unsqueeze(1)).squeeze(1);

  ChainBatch proposal;
  auto rows = torch::arange(chains.y.size(0), move.options());
  auto y = chains.y.clone();
  y.index_put_({rows, variable}, torch::zeros({rows.size(0), k}, y.options()));
  y.index_put_({rows, variable, category}, torch::ones({rows.size(0)}, y.options()));
  proposal.y = target.finalize(y);
  evaluate_chains(target, proposal, true);

  auto log_q_forward = log_q_forward_all.gather(1, move.unsqueeze(1)).squeeze(1);
  auto log_q_reverse_all = move_log_probabilities(target, proposal, options_.scale);
  auto log_q_reverse = log_q_reverse_all.gather(1, (variable * k + previous_category).unsqueeze(1)).squeeze(1);
  auto t = target.temperature().to(chains.y.scalar_type());
  auto log_ratio = -(proposal.energy - chains.energy) / t + log_q_reverse - log_q_forward;
  // A draw that changes nothing (all clamped) is accepted as a no-op.
  auto unchanged = category == previous_category;
  log_ratio = log_ratio.masked_fill(unchanged, 0.0);
  auto [accepted, probability] = metropolis_accept(log_ratio, *context.noise);
  chains.assign_where(accepted, proposal);
  return {probability};
}

}  // namespace ebm
