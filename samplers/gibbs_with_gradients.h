// Gibbs-with-gradients (Grathwohl et al. 2021) for one-hot categorical answers y [N, V, K].
// Each step proposes changing one variable, chosen with probabilities from the gradient:
//
//   q(v, k | y) = softmax over all (v, k != current, v free) of  scale * delta[v, k]
//   delta = first-order estimate of the change in -E/T (categorical_moves.h)
//   accept with min(1, exp(-(E(y') - E(y))/T + log q(y | y') - log q(y' | y)))
// One evaluation per step. scale = 1/2 is the locally balanced choice.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct GibbsWithGradientsOptions {
  double scale = 0.5;  // proposal sharpness: q ~ exp(scale * delta); 0 = uniform random-walk proposals

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class GibbsWithGradientsSampler : public SamplerWithOptions<GibbsWithGradientsOptions> {
 public:
  explicit GibbsWithGradientsSampler(GibbsWithGradientsOptions options = {})
      : SamplerWithOptions(std::move(options), "gwg") {}
  void check_space(const AnswerSpace& space) const override { require_one_hot(name(), space); }
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
};

}  // namespace ebm
