// Unadjusted Langevin algorithm (ULA): Euler-Maruyama steps of the Langevin diffusion for
// pi(y) ~ exp(-E(y)/T). Biased at finite step (MALA removes the bias).
//
//   y <- P(y - eta*s*grad E(y) + sigma * xi),   xi ~ N(0, I) on free entries,
//   sigma = sqrt(2*eta*s*T)      (noise < 0: exact Langevin noise for temperature T)
//   sigma = noise                (noise >= 0: the fixed-noise form common in EBM training)
// Mirror (probability simplices): the same step on log p, then softmax. One evaluation per step.
// On float32 CPU chains whose energy offers a row kernel (<ebm/row_kernel.h>), a mirror step is one fused
// pass per chain (samplers/fused_steps.h) with the same arithmetic; fused=false keeps the tensor path.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct LangevinOptions {
  double step = 0.01;   // eta
  double noise = -1.0;  // sigma; < 0 means sqrt(2*eta*T); 0 = gradient descent
  bool mirror = false;  // step on log-probabilities (categorical-probabilities spaces)
  bool fused = true;    // mirror steps through the energy's fused CPU kernel when it has one (samplers/fused_steps.h)

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class LangevinSampler : public SamplerWithOptions<LangevinOptions> {
 public:
  explicit LangevinSampler(LangevinOptions options = {}) : SamplerWithOptions(std::move(options), "langevin") {}
  bool uses_energy_values() const override { return false; }
  void check_space(const AnswerSpace& space) const override;
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
};

// xi scaled by sigma: noise >= 0 -> noise * xi, else sqrt(2*eta*T_row) * xi (a scalar multiply when
// every row shares one temperature).
torch::Tensor scale_noise(const torch::Tensor& xi, double noise, double eta, const Target& target);

}  // namespace ebm
