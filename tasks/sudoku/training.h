// Training the learned Sudoku energy (`ebm train sudoku`).
//
// Objectives (ebm/learning/training_objectives.h). A solved board y* is corrupted into
//   y~ = (1 - t) y* + t u,   t ~ U(t_min, 1),   u = softmax(2 z), z ~ N(0, I)   (free cells only).
//   denoising    the network learns dE/dy(y~) = y~ - y*: its gradient points from any relaxed board
//                towards the solution, which is what the mirror-descent sampler follows;
//   contrastive  negatives y- = `negative_steps` steps of mirror Langevin on the current energy,
//                started from y~; loss = E(y*) - E(y-) + 0.1 (E(y*)^2 + E(y-)^2).
// Which one and why: docs/TRAINING.md (both measured).
//
// Data-parallel (TrainSettings::loop.world_size > 1): every process draws the step's whole batch (boards,
// corruption levels t, noise u) from the seed and computes its own rows; the denoising loss is
// weighted so that the ranks' mean is the whole batch's mean over free entries (shard_mean_weight),
// so W processes reach the weights of one process to rounding. Contrastive negatives come from a
// sampler seeded per rank, so there W processes match one process in distribution only.
//
// Data: the project's generator (seeded), a mix of tiers, Split::Train; validation puzzles come from
// the hardest tier of Split::Validation (training_data.h). The loop is ebm/trainer.h's: every
// `validate_every` steps the loss, the validation solve rate of the learned energy alone and combined
// with the constraints, and an atomic checkpoint (weights + metadata + the optimizer state, one
// file). `resume` continues from there.
#pragma once

#include "ebm/task.h"
#include "ebm/trainer.h"
#include "tasks/sudoku/training_data.h"
#include "tasks/sudoku/learned_energy.h"

#include <torch/types.h>

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

// The learned energy's settings: the loop's own (TrainingOptions, as every recipe takes them), the
// architecture, the data (training_data.h) and the objective's.
struct TrainSettings {
  TrainingOptions loop;
  LearnedEnergyConfig architecture;
  DataSettings data;
  std::string objective = "denoising";  // denoising | contrastive
  int64_t negative_steps = 20;          // contrastive: sampler steps per negative
  double t_min = 0.05;                  // smallest corruption level
  double validation_budget_ms = 3000;
};

// The TrainParameter declarations of `ebm train sudoku` (the energy): hidden, layers, objective,
// negative-steps, t-min, validation-budget-ms and the data parameters (defaults: TrainSettings's).
std::vector<ParameterInfo> energy_training_parameters();

// The learned energy's TrainingRecipe for <ebm/trainer.h>'s run_training. The checkpoint's identity is
// {"kind": "sudoku-energy", "architecture": LearnedEnergyConfig::to_json(), "task": "sudoku"}.
// Throws TaskInputError for unreadable parameters and std::invalid_argument for bad values.
std::unique_ptr<TrainingRecipe> energy_training_recipe(const TrainingOptions& options,
                                                       const TaskParameters& parameters);
std::unique_ptr<TrainingRecipe> energy_training_recipe(const TrainSettings& settings);

}  // namespace ebm::sudoku
