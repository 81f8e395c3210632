// Annealing: wraps any sampler and moves, as the budget is spent (progress p in [0, 1]),
//   the temperature      T(p) = schedule(t_start -> t_end)        (sets every row's T; put tempering
//                        inside annealing, anneal/tempering/base, so its ladder scales with T(p))
//   the step size scale  s(p) = schedule(step_start -> step_end)  (multiplies the base's step)
//   one energy weight    w(p) = schedule(weight_start -> weight_end) for term `weight_term` of a
//                        weighted-sum energy (-1 = no weight annealing)
//   the landscape        with landscapes=true, of a LandscapeEnergy (ebm/learning/landscape_energy.h) of K
//                        landscapes: k(p) = K - 1 - floor(p K) (clamped to 0 .. K-1), from the
//                        smoothest to the sharpest, equal shares of the budget each (IRED's inference).
// Neutral values: t_start = t_end = 1, step_start = step_end = 1, weight_term = -1.
// Progress is the fraction of the run's budget spent (repeated `cycles` times), or, with period > 0,
// (step mod period) / (period - 1): every `period` steps the schedules start again (re-annealing).
// After changing the landscape, or a weight when the base reads energy values (MH tests, replica
// swaps), it calls the base's energy_changed(), which re-evaluates every chain the base holds (all
// replicas of a tempering base, not only the chains the driver sees).
#pragma once

#include "ebm/samplers/sampler_base.h"
#include "samplers/schedule.h"

namespace ebm {

struct AnnealingOptions {
  std::string t_schedule = "geometric";
  double t_start = 1.0, t_end = 1.0;
  std::string step_schedule = "linear";
  double step_start = 1.0, step_end = 1.0;
  int64_t weight_term = -1;  // index of the annealed term of a weighted-sum energy; -1 = none
  std::string weight_schedule = "linear";
  double weight_start = 0.0, weight_end = 1.0;
  int64_t cycles = 1;  // the schedules repeat this many times over the budget
  int64_t period = 0;  // > 0: the schedules repeat every `period` steps instead (p = (step mod period) / period)
  bool landscapes = false;  // walk a LandscapeEnergy's landscapes from the smoothest to the sharpest

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
  Schedule temperature() const { return {parse_schedule(t_schedule), t_start, t_end}; }
  Schedule step_scale() const { return {parse_schedule(step_schedule), step_start, step_end}; }
  Schedule weight() const { return {parse_schedule(weight_schedule), weight_start, weight_end}; }
};

class AnnealingSampler : public WrappingSampler<AnnealingOptions> {
 public:
  AnnealingSampler(AnnealingOptions options, SamplerPtr base)
      : WrappingSampler(std::move(options), "anneal", std::move(base), "anneal:t_start=5/langevin") {}
  void begin(Target& target, ChainBatch& chains, const StepContext& context) override;
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
  void keep_rows(const torch::Tensor& index, Target& target) override { base_->keep_rows(index, target); }
  void append_rows(int64_t added, Target& target, ChainBatch& chains) override {
    base_->append_rows(added, target, chains);
  }
  void reset_rows(const torch::Tensor& mask, Target& target, ChainBatch& chains) override {
    base_->reset_rows(mask, target, chains);
  }
  void energy_changed(Target& target, ChainBatch& chains) override { base_->energy_changed(target, chains); }

 private:
  struct EnergyChange {
    bool landscape = false, weight = false;
  };
  // Sets the temperature, the landscape and the weight for `progress`; says what of the energy changed.
  EnergyChange apply(Target& target, double progress);
  bool apply_landscape(Target& target, double progress);
  bool apply_weight(Target& target, double progress);
  double progress_of(const StepContext& context) const;
  int schedule_cycles() const { return options_.period > 0 ? 1 : static_cast<int>(options_.cycles); }
  double applied_weight_ = 0.0;
  int64_t applied_landscape_ = -1;
};

}  // namespace ebm
