#include "samplers/mala.h"

#include "samplers/langevin.h"

#include <torch/torch.h>

namespace ebm {

void MalaOptions::bind(OptionSet& o) {
  o.add("step", &step, "eta: proposal y' = y - eta*grad E + sqrt(2*eta*T)*xi, then Metropolis-Hastings", RealRange{0, 1e6, true});
}

bool MalaOptions::is_valid(std::string* error) const {
  if (!(step > 0)) return *error = "step must be > 0, got " + format_number(step), false;
  return true;
}

StepStats MalaSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const double eta = options_.step * context.step_scale;
  auto temperature = target.temperature().to(chains.y.scalar_type());
  auto xi = context.noise->normal(chains.y.sizes(), chains.y.options());
  ChainBatch proposal;
  proposal.y = target.finalize(chains.y - chains.gradient * eta + target.mask_free(scale_noise(xi, -1.0, eta, target)));
  evaluate_chains(target, proposal, true);

  auto log_q = [&](const torch::Tensor& to, const torch::Tensor& from, const torch::Tensor& grad_from) {
    return -row_sum((to - from + grad_from * eta).square()) / (4.0 * eta * temperature);
  };
  auto log_ratio = -(proposal.energy - chains.energy) / temperature +
                   log_q(chains.y, proposal.y, proposal.gradient) - log_q(proposal.y, chains.y, chains.gradient);
  return {metropolis_step(log_ratio, chains, proposal, *context.noise)};
}

}  // namespace ebm
