#include "samplers/langevin.h"

#include "samplers/fused_steps.h"
#include "samplers/gradient_descent.h"

#include <torch/torch.h>

#include <cmath>

namespace ebm {

void LangevinOptions::bind(OptionSet& o) {
  o.add("step", &step, "eta: y <- y - eta*grad E + sigma*xi", RealRange{0, 1e6, true});
  o.add("noise", &noise, "sigma; < 0 = sqrt(2*eta*T), exact Langevin at temperature T; 0 = no noise", RealRange{-1, 1e6});
  o.add("mirror", &mirror, "step on log-probabilities, then softmax (probability spaces)");
  o.add("fused", &fused, "mirror steps in one pass per chain through the energy's CPU kernel when it has one "
                         "(same arithmetic); false = always the tensor path");
}

bool LangevinOptions::is_valid(std::string* error) const {
  if (!(step > 0)) return *error = "step must be > 0, got " + format_number(step), false;
  return true;
}

torch::Tensor scale_noise(const torch::Tensor& xi, double noise, double eta, const Target& target) {
  if (noise >= 0) return xi * noise;
  if (auto t = target.uniform_temperature()) return xi * std::sqrt(2.0 * eta * *t);
  return xi * per_row((target.temperature().to(xi.scalar_type()) * (2.0 * eta)).sqrt(), xi);
}

void LangevinSampler::check_space(const AnswerSpace& space) const {
  require_continuous(name(), space);
  if (options_.mirror) check_mirror_space(name(), space);
}

StepStats LangevinSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const double eta = options_.step * context.step_scale;
  auto xi = context.noise->normal(chains.y.sizes(), chains.y.options());
  if (options_.mirror && options_.fused) {
    if (auto kernel = fused_kernel_for(target, chains)) {
      fused_mirror_langevin_step(*kernel, target, chains, xi, eta, options_.noise);
      return {};
    }
  }
  auto delta = target.mask_free(scale_noise(xi, options_.noise, eta, target)) - chains.gradient * eta;
  chains.y = move_state(target, chains.y, delta, options_.mirror);
  evaluate_chains(target, chains, true);
  return {};
}

}  // namespace ebm
