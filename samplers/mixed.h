// Mixed sampler for mixed answers y [N, V, C + 1] (ebm/answer_space.h, AnswerKind::Mixed): per
// variable a one-hot choice y[v, 0:C] and a real value y[v, C] in the space's box. Each step moves
// both parts of every row:
//
//   1. `moves` Gibbs-with-gradients moves on the choices (samplers/categorical_moves.h): one variable
//      changes its category, chosen with q(v, k) ~ exp(scale * first-order gain of -E/T), and the
//      move is accepted with the Metropolis-Hastings test at temperature T (values stay as they are);
//   2. `value_steps` projected gradient (or Langevin) steps on the values (choices stay as they are):
//        value <- clamp_box(value - eta * s * dE/dvalue + sigma * xi),  xi ~ N(0, 1)
//      with s the annealing step scale and sigma = `noise` (< 0: sqrt(2 * eta * s * T)).
//
// Evaluations per step: moves + value_steps, each with the gradient. Clamped entries never move.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct MixedOptions {
  double scale = 0.5;       // choice proposal q(v,k) ~ exp(scale * gain); 0.5 = locally balanced, 0 = uniform
  int64_t moves = 1;        // choice moves (MH-tested) per step; 0 = the choices never change
  int64_t value_steps = 2;  // projected gradient steps on the values per step; 0 = the values never change
  double step = 0.01;       // eta: value <- clamp(value - eta * dE/dvalue + sigma * xi)
  double noise = 0.0;       // sigma; 0 = projected gradient descent; < 0 = sqrt(2*eta*T), Langevin at T

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class MixedSampler : public SamplerWithOptions<MixedOptions> {
 public:
  explicit MixedSampler(MixedOptions options = {}) : SamplerWithOptions(std::move(options), "mixed") {}
  void check_space(const AnswerSpace& space) const override;
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
};

}  // namespace ebm
