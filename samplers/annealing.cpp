#include "samplers/annealing.h"

#include "ebm/learning/landscape_energy.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace ebm {

void AnnealingOptions::bind(OptionSet& o) {
  const auto& kinds = schedule_names();
  o.add("t_schedule", &t_schedule, "temperature schedule", kinds);
  o.add("t_start", &t_start, "temperature at p = 0 (multiplies each row's T)", RealRange{0, 1e6, true});
  o.add("t_end", &t_end, "temperature at p = 1", RealRange{0, 1e6, true});
  o.add("step_schedule", &step_schedule, "step-size scale schedule", kinds);
  o.add("step_start", &step_start, "step-size multiplier at p = 0", RealRange{0, 1e6, true});
  o.add("step_end", &step_end, "step-size multiplier at p = 1", RealRange{0, 1e6, true});
  o.add("weight_term", &weight_term, "term of a weighted-sum energy whose weight is annealed (-1 = none)", IntegerRange{-1, 1000});
  o.add("weight_schedule", &weight_schedule, "energy-weight schedule", kinds);
  o.add("weight_start", &weight_start, "weight of that term at p = 0", RealRange{-1e6, 1e6});
  o.add("weight_end", &weight_end, "weight of that term at p = 1", RealRange{-1e6, 1e6});
  o.add("cycles", &cycles, "the schedules repeat this many times over the budget", IntegerRange{1, 1000000});
  o.add("period", &period, "> 0: the schedules restart every `period` steps instead of following the budget", IntegerRange{0, 1000000000});
  o.add("landscapes", &landscapes, "walk a learned energy's landscapes from the smoothest to the sharpest (IRED)");
}

bool AnnealingOptions::is_valid(std::string* error) const {
  for (auto [name, kind] : {std::pair<const char*, const std::string*>{"t_schedule", &t_schedule},
                            {"step_schedule", &step_schedule}, {"weight_schedule", &weight_schedule}}) {
    bool known = false;
    for (const auto& k : schedule_names()) known = known || k == *kind;
    if (!known) return *error = std::string(name) + " '" + *kind + "' is not constant, linear, geometric or cosine", false;
  }
  if (!(t_start > 0 && t_end > 0)) return *error = "t_start and t_end must be > 0", false;
  if (!(step_start > 0 && step_end > 0)) return *error = "step_start and step_end must be > 0", false;
  if (weight_term < -1) return *error = "weight_term must be >= -1 (-1 = none)", false;
  if (cycles < 1) return *error = "cycles must be >= 1", false;
  if (period < 0 || period == 1) return *error = "period must be 0 (follow the budget) or >= 2", false;
  for (auto [name, schedule] : {std::pair<const char*, Schedule>{"t", temperature()}, {"step", step_scale()},
                                {"weight", weight()}}) {
    std::string problem = schedule.problem();
    if (!problem.empty()) return *error = std::string(name) + ": " + problem, false;
  }
  return true;
}

double AnnealingSampler::progress_of(const StepContext& context) const {
  if (options_.period > 0) return double(context.step % options_.period) / double(options_.period - 1);
  return context.progress;
}

AnnealingSampler::EnergyChange AnnealingSampler::apply(Target& target, double progress) {
  target.set_temperature(options_.temperature().at(progress, schedule_cycles()));
  EnergyChange change;
  if (options_.landscapes) change.landscape = apply_landscape(target, progress);
  if (options_.weight_term >= 0) change.weight = apply_weight(target, progress);
  return change;
}

bool AnnealingSampler::apply_weight(Target& target, double progress) {
  WeightedSumEnergy* sum = target.weighted_sum();
  if (!sum || options_.weight_term >= static_cast<int64_t>(sum->num_terms()))
    throw std::invalid_argument("anneal: weight_term=" + std::to_string(options_.weight_term) +
                                " needs a weighted-sum energy with that many terms");
  const double w = options_.weight().at(progress, schedule_cycles());
  if (w == applied_weight_) return false;
  sum->set_weight(options_.weight_term, w);
  applied_weight_ = w;
  return true;
}

bool AnnealingSampler::apply_landscape(Target& target, double progress) {
  auto* energy = dynamic_cast<LandscapeEnergy*>(&target.energy());
  if (!energy)
    throw std::invalid_argument("anneal: landscapes=true needs a learned energy with landscapes, not " +
                                target.energy().describe());
  const int64_t count = energy->landscapes();
  const int64_t k = std::clamp<int64_t>(count - 1 - static_cast<int64_t>(std::floor(progress * count)), 0, count - 1);
  if (k == applied_landscape_ && k == energy->landscape()) return false;
  energy->set_landscape(k);
  applied_landscape_ = k;
  return true;
}

void AnnealingSampler::begin(Target& target, ChainBatch& chains, const StepContext& context) {
  applied_weight_ = std::nan("");
  applied_landscape_ = -1;
  const EnergyChange change = apply(target, 0.0);
  // The base has not begun: it holds no chains yet but these.
  if (change.landscape || change.weight) evaluate_chains(target, chains, base_->needs_gradient());
  base_->begin(target, chains, context);
}

StepStats AnnealingSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const double progress = progress_of(context);
  const EnergyChange change = apply(target, progress);
  if (change.landscape || (change.weight && base_->uses_energy_values())) base_->energy_changed(target, chains);
  StepContext inner = context;
  inner.step_scale = context.step_scale * options_.step_scale().at(progress, schedule_cycles());
  return base_->step(target, chains, inner);
}

}  // namespace ebm
