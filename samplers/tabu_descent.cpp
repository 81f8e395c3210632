#include "samplers/tabu_descent.h"

#include "samplers/categorical_moves.h"
#include "samplers/fused_steps.h"

#include <torch/torch.h>

#include <limits>

namespace ebm {

void TabuDescentOptions::bind(OptionSet& o) {
  o.add("tenure", &tenure, "base tabu steps before a variable may return to the category it left", IntegerRange{0, 1000000});
  o.add("tenure_random", &tenure_random, "plus U{0..tenure_random-1} steps; 0 = no random part", IntegerRange{0, 1000000});
  o.add("tenure_energy", &tenure_energy, "plus floor(tenure_energy * E) steps", RealRange{0, 1e6});
  o.add("noise", &noise, "Gumbel noise scale on the first-order gains (tie breaking); 0 = none", RealRange{0, 1e6});
  o.add("aspiration", &aspiration, "allow a tabu change whose estimated energy beats the row's best");
  o.add("focus", &focus, "move only variables in conflict (dE/dy > 0 at their category), as Tabucol does; "
                         "otherwise zero-gain moves of conflict-free variables compete with the repairs");
  o.add("fused", &fused, "one pass per chain through the energy's CPU kernel when it has one (same rule and "
                         "draws); false = always the tensor path");
}

bool TabuDescentOptions::is_valid(std::string* error) const {
  if (tenure < 0) return *error = "tenure must be >= 0, got " + std::to_string(tenure), false;
  if (tenure_random < 0) return *error = "tenure_random must be >= 0, got " + std::to_string(tenure_random), false;
  if (!(tenure_energy >= 0)) return *error = "tenure_energy must be >= 0, got " + format_number(tenure_energy), false;
  if (!(noise >= 0)) return *error = "noise must be >= 0, got " + format_number(noise), false;
  return true;
}

void TabuDescentSampler::begin(Target&, ChainBatch& chains, const StepContext&) {
  tabu_until_ = torch::zeros_like(chains.y);
  best_energy_ = chains.energy.clone();
}

StepStats TabuDescentSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const auto& y = chains.y;
  const int64_t rows = y.size(0), categories = y.size(2);
  const double step = static_cast<double>(context.step);
  if (options_.fused && fusable_tabu_state(tabu_until_, best_energy_)) {
    if (auto kernel = fused_kernel_for(target, chains)) {
      auto gumbel = options_.noise > 0 ? context.noise->uniform(y.sizes(), y.options()) : torch::Tensor();
      auto draws = options_.tenure_random > 0 ? context.noise->uniform({rows}, chains.energy.options()) : torch::Tensor();
      const TabuRule rule{double(options_.tenure), double(options_.tenure_random), options_.tenure_energy,
                          options_.noise, options_.aspiration, options_.focus, step};
      fused_tabu_step(*kernel, target, chains, tabu_until_, best_energy_, gumbel, draws, rule);
      return {};
    }
  }
  auto current = y > 0.5;
  auto gain = (chains.gradient * y).sum(-1, /*keepdim=*/true) - chains.gradient;
  auto movable = ~(current | clamped_variables(target, y).unsqueeze(-1));
  if (options_.focus) movable = movable & ((chains.gradient * y).sum(-1, /*keepdim=*/true) > 0);
  auto allowed = tabu_until_ <= step;
  if (options_.aspiration)
    allowed = allowed | (per_row(chains.energy, y) - gain < per_row(best_energy_, y) - 0.5e-3);
  allowed = allowed & movable;
  // Rows where every change is tabu ignore the tenures for this step.
  allowed = torch::where(allowed.flatten(1).any(1).view({rows, 1, 1}), allowed, movable);
  auto score = gain;
  if (options_.noise > 0) score = score - (-context.noise->uniform(y.sizes(), y.options()).log()).log() * options_.noise;
  const double blocked = -std::numeric_limits<double>::infinity();
  auto best = score.masked_fill(~allowed, blocked).flatten(1).argmax(1);  // [N] index v*K + k
  auto variable = best.div(categories, "floor"), category = best.remainder(categories);
  auto can_move = allowed.flatten(1).any(1);  // false only when every variable is clamped

  auto row = torch::arange(rows, best.options());
  auto left = current.to(torch::kLong).argmax(-1).gather(1, variable.unsqueeze(1)).squeeze(1);
  auto tenure = (chains.energy * options_.tenure_energy).floor() + static_cast<double>(options_.tenure) + step;
  if (options_.tenure_random > 0)
    tenure = tenure + (context.noise->uniform({rows}, chains.energy.options()) * options_.tenure_random).floor();
  tabu_until_.index_put_({row, variable, left}, torch::where(can_move, tenure.to(tabu_until_.scalar_type()),
                                                             tabu_until_.index({row, variable, left})));

  ChainBatch moved;
  auto next = y.clone();
  next.index_put_({row, variable}, torch::zeros({rows, categories}, y.options()));
  next.index_put_({row, variable, category}, torch::ones({rows}, y.options()));
  moved.y = target.finalize(torch::where(can_move.view({rows, 1, 1}), next, y));
  evaluate_chains(target, moved, true);
  chains = moved;
  best_energy_ = torch::minimum(best_energy_, chains.energy);
  return {};
}

void TabuDescentSampler::keep_rows(const torch::Tensor& index, Target&) {
  tabu_until_ = tabu_until_.index_select(0, index);
  best_energy_ = best_energy_.index_select(0, index);
}

void TabuDescentSampler::reset_rows(const torch::Tensor& mask, Target&, ChainBatch& chains) {
  tabu_until_ = tabu_until_.masked_fill(per_row(mask, tabu_until_), 0.0);
  best_energy_ = torch::where(mask, chains.energy, best_energy_);
}

void TabuDescentSampler::append_rows(int64_t added, Target&, ChainBatch& chains) {
  auto shape = tabu_until_.sizes().vec();
  shape[0] = added;
  tabu_until_ = torch::cat({tabu_until_, torch::zeros(shape, tabu_until_.options())});
  best_energy_ = torch::cat({best_energy_, chains.energy.slice(0, chains.rows() - added)});
}

}  // namespace ebm
