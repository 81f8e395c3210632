// Gradient descent on the energy, plain, with momentum, or Nesterov; Euclidean or, on probability
// simplices, entropic mirror descent.
//
//   Euclidean:  v <- mu * v - eta * s * grad E(y);   y <- P(y + v)            (Nesterov: y <- P(y + mu*v - eta*s*grad E))
//   Mirror:     the same update on z = log p, then p = softmax(z)   (exponentiated gradient)
// s is the step scale of an annealing wrapper, P the space's projection and clamp. One energy
// evaluation per step. Ignores temperature: it minimises.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct GradientDescentOptions {
  double step = 0.1;       // eta, the learning rate
  double momentum = 0.0;   // mu in [0, 1); 0 = plain gradient descent
  bool nesterov = false;   // Nesterov's look-ahead form of momentum
  bool mirror = false;     // entropic mirror step on probability simplices (categorical-probabilities spaces)

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class GradientDescentSampler : public SamplerWithOptions<GradientDescentOptions> {
 public:
  explicit GradientDescentSampler(GradientDescentOptions options = {})
      : SamplerWithOptions(std::move(options), "gd") {}
  bool uses_energy_values() const override { return false; }
  void check_space(const AnswerSpace& space) const override;
  void begin(Target& target, ChainBatch& chains, const StepContext& context) override;
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
  void keep_rows(const torch::Tensor& index, Target& target) override;
  void reset_rows(const torch::Tensor& mask, Target& target, ChainBatch& chains) override;
  void append_rows(int64_t added, Target& target, ChainBatch& chains) override;

 private:
  torch::Tensor velocity_;  // [N, *shape]
};

// Moves y by `delta` in the space's geometry and finalizes it: P(y + delta), or
// clamp(softmax(log y + delta)) when mirror (already on the simplices: no projection needed).
torch::Tensor move_state(const Target& target, const torch::Tensor& y, const torch::Tensor& delta, bool mirror);
// Throws unless mirror steps are possible in this space.
void check_mirror_space(const std::string& sampler, const AnswerSpace& space);

}  // namespace ebm
