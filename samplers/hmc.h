// Hamiltonian Monte Carlo with a leapfrog integrator and identity mass, targeting
// pi(y) ~ exp(-E(y)/T).
//
//   p ~ N(0, I) on free entries;  H(y, p) = E(y)/T + |p|^2 / 2
//   L leapfrog steps of size eps*s:  p -= eps/2 grad E/T;  y += eps p;  p -= eps/2 grad E/T
//   accept with probability min(1, exp(H(y, p) - H(y', p')))
// L evaluations per step. A box projection during the trajectory makes the test approximate.
// A run's time budget or cancellation (StepContext::interrupted) is checked between leapfrog steps:
// an interrupted trajectory is abandoned (every chain keeps its state, acceptance 0).
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct HmcOptions {
  double step = 0.1;       // eps, the leapfrog step
  int64_t leapfrog = 10;   // L, leapfrog steps per proposal

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class HmcSampler : public SamplerWithOptions<HmcOptions> {
 public:
  explicit HmcSampler(HmcOptions options = {}) : SamplerWithOptions(std::move(options), "hmc") {}
  void check_space(const AnswerSpace& space) const override { require_continuous(name(), space); }
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
};

}  // namespace ebm
