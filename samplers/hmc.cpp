#include "samplers/hmc.h"

#include <torch/torch.h>

namespace ebm {

void HmcOptions::bind(OptionSet& o) {
  o.add("step", &step, "eps, leapfrog step: p -= eps/2*grad E/T; y += eps*p; p -= eps/2*grad E/T", RealRange{0, 1e6, true});
  o.add("leapfrog", &leapfrog, "L, leapfrog steps per proposal (L evaluations per step)", IntegerRange{1, 10000});
}

bool HmcOptions::is_valid(std::string* error) const {
  if (!(step > 0)) return *error = "step must be > 0, got " + format_number(step), false;
  if (leapfrog < 1) return *error = "leapfrog must be >= 1, got " + std::to_string(leapfrog), false;
  return true;
}

StepStats HmcSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const double eps = options_.step * context.step_scale;
  auto inverse_t = per_row(target.temperature().to(chains.y.scalar_type()).reciprocal(), chains.y);
  auto momentum = target.mask_free(context.noise->normal(chains.y.sizes(), chains.y.options()));
  auto kinetic_before = 0.5 * row_sum(momentum.square());

  ChainBatch proposal = chains;
  for (int64_t l = 0; l < options_.leapfrog; ++l) {
    // Out of time or cancelled mid-trajectory: abandon it (every row keeps its state, acceptance 0).
    if (l > 0 && context.interrupted()) return {torch::zeros_like(chains.energy)};
    momentum = momentum - proposal.gradient * inverse_t * (0.5 * eps);
    proposal.y = target.finalize(proposal.y + momentum * eps);
    evaluate_chains(target, proposal, true);
    momentum = momentum - proposal.gradient * inverse_t * (0.5 * eps);
  }
  auto kinetic_after = 0.5 * row_sum(momentum.square());
  auto t = target.temperature().to(chains.y.scalar_type());
  auto log_ratio = (chains.energy - proposal.energy) / t + kinetic_before - kinetic_after;
  return {metropolis_step(log_ratio, chains, proposal, *context.noise)};
}

}  // namespace ebm
