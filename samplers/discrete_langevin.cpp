#include "samplers/discrete_langevin.h"

#include "samplers/categorical_moves.h"

#include <torch/torch.h>

#include <limits>

namespace ebm {

void DiscreteLangevinOptions::bind(OptionSet& o) {
  o.add("step", &step, "alpha: q(y'_v = k) ~ exp(gain/2 - [k != current]/alpha); larger moves more variables", RealRange{0, 1e6, true});
}

bool DiscreteLangevinOptions::is_valid(std::string* error) const {
  if (!(step > 0)) return *error = "step must be > 0, got " + format_number(step), false;
  return true;
}

namespace {

// Per-variable log-proposal [N, V, K]; clamped variables keep their category with probability 1.
torch::Tensor proposal_log_probabilities(const Target& target, const ChainBatch& chains, double alpha) {
  auto gain = first_order_gain(chains.y, chains.gradient, target.temperature());
  auto logits = gain * 0.5 - (1.0 - chains.y) / alpha;
  auto fixed = clamped_variables(target, chains.y).unsqueeze(-1) & ~chains.y.to(torch::kBool);
  logits = logits.masked_fill(fixed, -std::numeric_limits<double>::infinity());
  return torch::log_softmax(logits, -1);
}

}  // namespace

StepStats DiscreteLangevinSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const double alpha = options_.step * context.step_scale;
  const int64_t k = chains.y.size(2);
  auto log_q_forward_all = proposal_log_probabilities(target, chains, alpha);
  auto category = gumbel_argmax(log_q_forward_all, *context.noise);  // [N, V]
  ChainBatch proposal;
  proposal.y = target.finalize(torch::one_hot(category, k).to(chains.y.scalar_type()));
  evaluate_chains(target, proposal, true);
  if (!metropolis_adjusted_) {
    chains = proposal;
    return {};
  }
  auto log_q_forward = log_q_forward_all.gather(-1, category.unsqueeze(-1)).sum({1, 2});
  auto previous = chains.y.argmax(-1).unsqueeze(-1);
  auto log_q_reverse = proposal_log_probabilities(target, proposal, alpha).gather(-1, previous).sum({1, 2});
  auto t = target.temperature().to(chains.y.scalar_type());
  auto log_ratio = -(proposal.energy - chains.energy) / t + log_q_reverse - log_q_forward;
  return {metropolis_step(log_ratio, chains, proposal, *context.noise)};
}

}  // namespace ebm
