// Tabu descent: a gradient-informed local minimiser for one-hot categorical answers y [N, V, K]
// (after Glover's tabu search; on a pairwise counting energy it is Hertz & de Werra's Tabucol).
// Each step every row makes the single-variable change the energy's gradient rates best, and keeps
// it whether or not the energy drops, so it walks out of local minima; a variable may not return to
// the category it just left for a while (its tabu tenure), so it does not walk straight back:
//
//   gain[v, k]  = g[v, current(v)] - g[v, k]       g = grad E: first-order estimate of E(y) - E(y with v := k)
//   allowed     = k != current(v), v free (and, with focus, g[v, current(v)] > 0: v is in conflict),
//                 and (step >= tabu_until[v, k]  or  E - gain[v, k] < best E so far)
//   (v, k)      = argmax over allowed of  gain[v, k] + noise * Gumbel   (noise < 1 breaks ties at random)
//   tabu_until[v, current(v)] = step + tenure + floor(tenure_energy * E(y)) + U{0 .. tenure_random - 1}
// Rows where every change is tabu ignore the tenures this step. One evaluation per step; the
// temperature is ignored (a minimiser, like gd). It never claims anything: the driver's verifier or
// energy tolerance decides when a row is done. Since every step moves, a row leaves a minimum on the
// step after reaching it: check every step (verify_every=1, or a tol), not every few.
// On float32 CPU chains whose energy offers a row kernel (<ebm/row_kernel.h>; the colouring conflicts do),
// a step is one fused pass per chain (samplers/fused_steps.h) with the same rule and draws; fused=false
// keeps the tensor path.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct TabuDescentOptions {
  int64_t tenure = 10;         // base steps a (variable, left category) pair stays tabu; 0 with the others 0 = pure greedy
  int64_t tenure_random = 10;  // plus a uniform draw from 0..tenure_random-1 (0 = no draw)
  double tenure_energy = 0.6;  // plus floor(tenure_energy * E(y)): longer memory while the energy is high
  double noise = 0.1;          // Gumbel noise scale on the gains; 0 = lowest index wins ties
  bool aspiration = true;      // a tabu change is allowed when its estimate beats the row's best energy
  bool focus = false;          // move only variables in conflict (dE/dy > 0 at their category): Tabucol's rule
  bool fused = true;           // one fused pass per chain through the energy's CPU kernel when it has one

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class TabuDescentSampler : public SamplerWithOptions<TabuDescentOptions> {
 public:
  explicit TabuDescentSampler(TabuDescentOptions options = {}) : SamplerWithOptions(std::move(options), "tabu") {}
  void check_space(const AnswerSpace& space) const override { require_one_hot(name(), space); }
  void begin(Target& target, ChainBatch& chains, const StepContext& context) override;
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
  void keep_rows(const torch::Tensor& index, Target& target) override;
  void reset_rows(const torch::Tensor& mask, Target& target, ChainBatch& chains) override;
  void append_rows(int64_t added, Target& target, ChainBatch& chains) override;

 private:
  torch::Tensor tabu_until_;   // [N, V, K] step from which (v, k) is allowed again
  torch::Tensor best_energy_;  // [N] lowest energy each row has reached
};

}  // namespace ebm
