#include "samplers/gibbs_with_gradients.h"

#include "samplers/categorical_moves.h"

#include <torch/torch.h>


namespace ebm {

void GibbsWithGradientsOptions::bind(OptionSet& o) {
  o.add("scale", &scale, "proposal q(v,k) ~ exp(scale * first-order gain of -E/T); 0.5 = locally balanced", RealRange{0, 1e6});
}

bool GibbsWithGradientsOptions::is_valid(std::string* error) const {
  if (!(scale >= 0)) return *error = "scale must be >= 0, got " + format_number(scale), false;
  return true;
}

StepStats GibbsWithGradientsSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  return {gradient_informed_move(target, chains, options_.scale, chains.y.size(2), *context.noise)};
}

}  // namespace ebm
