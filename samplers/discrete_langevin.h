// Discrete Langevin samplers (Zhang, Liu & Liu 2022) for one-hot categorical answers y [N, V, K]:
// every free variable moves at once, independently, from a gradient-informed proposal
//
//   q(y'_v = k | y) ~ exp( delta[v, k] / 2  -  [k != current(v)] / alpha )
//   delta = first-order estimate of the change in -E/T (categorical_moves.h), alpha = step * s.
//
// DULA accepts every proposal (fast, biased at large alpha); DMALA adds the Metropolis-Hastings
// test with the reverse proposal q(y | y'), so it targets pi(y) ~ exp(-E(y)/T) exactly.
// One evaluation per step.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct DiscreteLangevinOptions {
  double step = 0.5;  // alpha: larger moves more variables per step

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class DiscreteLangevinSampler : public SamplerWithOptions<DiscreteLangevinOptions> {
 public:
  DiscreteLangevinSampler(DiscreteLangevinOptions options, bool metropolis_adjusted)
      : SamplerWithOptions(std::move(options), metropolis_adjusted ? "dmala" : "dula"),
        metropolis_adjusted_(metropolis_adjusted) {}
  bool uses_energy_values() const override { return metropolis_adjusted_; }
  void check_space(const AnswerSpace& space) const override { require_one_hot(name(), space); }
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;

 private:
  bool metropolis_adjusted_;
};

}  // namespace ebm
