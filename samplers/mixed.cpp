#include "samplers/mixed.h"

#include "samplers/categorical_moves.h"
#include "samplers/langevin.h"

#include <torch/torch.h>

namespace ebm {

void MixedOptions::bind(OptionSet& o) {
  o.add("scale", &scale, "choice proposal q(v,k) ~ exp(scale * first-order gain of -E/T); 0.5 = locally balanced", RealRange{0, 1e6});
  o.add("moves", &moves, "MH-tested choice moves per step; 0 = choices fixed", IntegerRange{0, 10000});
  o.add("value_steps", &value_steps, "projected gradient steps on the values per step; 0 = values fixed", IntegerRange{0, 10000});
  o.add("step", &step, "eta: value <- clamp(value - eta*dE/dvalue + sigma*xi)", RealRange{0, 1e6, true});
  o.add("noise", &noise, "sigma; 0 = projected gradient descent; < 0 = sqrt(2*eta*T), Langevin at T", RealRange{-1, 1e6});
}

bool MixedOptions::is_valid(std::string* error) const {
  if (!(scale >= 0)) return *error = "scale must be >= 0, got " + format_number(scale), false;
  if (moves < 0) return *error = "moves must be >= 0, got " + std::to_string(moves), false;
  if (value_steps < 0) return *error = "value_steps must be >= 0, got " + std::to_string(value_steps), false;
  if (moves + value_steps == 0) return *error = "moves and value_steps are both 0: nothing would move", false;
  if (!(step > 0)) return *error = "step must be > 0, got " + format_number(step), false;
  return true;
}

void MixedSampler::check_space(const AnswerSpace& space) const {
  if (space.kind != AnswerKind::Mixed)
    throw std::invalid_argument("mixed samples mixed answers (a one-hot choice and a value per variable); this answer "
                                "space is " + space.describe());
}

StepStats MixedSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const int64_t c = target.space().num_categories();
  StepStats stats;
  for (int64_t m = 0; m < options_.moves; ++m) {
    auto probability = gradient_informed_move(target, chains, options_.scale, c, *context.noise);
    stats.acceptance = m == 0 ? probability : stats.acceptance + probability;
  }
  if (options_.moves > 1) stats.acceptance = stats.acceptance / static_cast<double>(options_.moves);

  const double eta = options_.step * context.step_scale;
  for (int64_t s = 0; s < options_.value_steps; ++s) {
    auto value_delta = chains.gradient.narrow(-1, c, 1) * (-eta);
    if (options_.noise != 0.0) {
      auto xi = context.noise->normal(value_delta.sizes(), value_delta.options());
      value_delta = value_delta + scale_noise(xi, options_.noise, eta, target);
    }
    auto delta = torch::cat({torch::zeros_like(chains.y.narrow(-1, 0, c)), value_delta}, -1);
    chains.y = target.finalize(chains.y + target.mask_free(delta));
    evaluate_chains(target, chains, true);
  }
  return stats;
}

}  // namespace ebm
