// Metropolis-adjusted Langevin algorithm (MALA): a Langevin proposal corrected by a
// Metropolis-Hastings test, so the chain targets pi(y) ~ exp(-E(y)/T) exactly at any step size.
//
//   proposal  y' = P(y - eta*s*grad E(y) + sqrt(2*eta*s*T) * xi)
//   log q(y'|y) = -|y' - y + eta*s*grad E(y)|^2 / (4*eta*s*T)
//   accept with probability min(1, exp(-(E(y') - E(y))/T + log q(y|y') - log q(y'|y)))
// One evaluation per step. A box projection that clips the proposal makes the test approximate.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct MalaOptions {
  double step = 0.01;  // eta

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class MalaSampler : public SamplerWithOptions<MalaOptions> {
 public:
  explicit MalaSampler(MalaOptions options = {}) : SamplerWithOptions(std::move(options), "mala") {}
  void check_space(const AnswerSpace& space) const override { require_continuous(name(), space); }
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
};

}  // namespace ebm
