// Training the learned Sudoku energy (`ebm train sudoku`).
//
// Objectives (ebm/objectives.h). A solved board y* is corrupted into
//   y~ = (1 - t) y* + t u,   t ~ U(t_min, 1),   u = softmax(2 z), z ~ N(0, I)   (free cells only).
//   denoising    the network learns dE/dy(y~) = y~ - y*: its gradient points from any relaxed board
//                towards the solution, which is what the mirror-descent sampler follows;
//   contrastive  negatives y- = `negative_steps` steps of mirror Langevin on the current energy,
//                started from y~; loss = E(y*) - E(y-) + 0.1 (E(y*)^2 + E(y-)^2).
// Which one and why: docs/TRAINING.md (both measured).
//
// Data-parallel (TrainSettings::world_size > 1): every process draws the step's whole batch (boards,
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
#include "tasks/sudoku/learned_energy.h"

#include <torch/types.h>

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

struct TrainSettings {
  LearnedEnergyConfig architecture;
  int64_t steps = 3000;              // optimizer steps in total (a resumed run continues to this)
  int64_t batch = 32;                // boards per step
  double learning_rate = 1e-3;       // Adam
  std::string objective = "denoising";  // denoising | contrastive
  int64_t negative_steps = 20;       // contrastive: sampler steps per negative
  double t_min = 0.05;               // smallest corruption level
  int64_t train_puzzles = 4000;      // generated training boards (solutions are what is learned)
  std::string tiers = "medium,hard,expert,hardest";  // training tiers, cycled
  int64_t validate_every = 500;      // steps between validation + checkpoint
  int64_t validation_puzzles = 32;   // hardest-tier puzzles used for validation
  double validation_budget_ms = 3000;
  uint64_t seed = 0;
  std::string output = "sudoku-energy.ckpt";
  bool resume = false;
  torch::Device device = torch::kCPU;
  std::string command_line;          // recorded in the checkpoint
  // Data-parallel training (ebm/trainer.h's TrainingOptions): this process computes rows
  // shard_rows() of every batch of `batch` boards drawn as above.
  int world_size = 1;
  int rank = 0;
  std::string master;                // HOST:PORT of rank 0 (world_size > 1)
  double distributed_timeout = 60;   // seconds
};

struct TrainResult {
  int64_t steps = 0;
  double final_loss = 0.0;
  double validation_learned = 0.0;   // solve rate, learned energy alone
  double validation_combined = 0.0;  // solve rate, constraints + learned
};

// The kTrainParameter declarations of `ebm train sudoku`: hidden, layers, objective, negative-steps,
// t-min, validation-budget-ms, train-puzzles, tiers, validation-puzzles (defaults: TrainSettings's).
std::vector<ParameterInfo> energy_training_parameters();

// The learned energy's TrainingRecipe for ebm/trainer.h's run_training. The checkpoint's identity is
// {"kind": "sudoku-energy", "architecture": LearnedEnergyConfig::to_json(), "task": "sudoku"}.
// Throws TaskInputError for unreadable parameters and std::invalid_argument for bad values.
std::unique_ptr<TrainingRecipe> energy_training_recipe(const TrainingOptions& options,
                                                       const TaskParameters& parameters);
// The same from a TrainSettings (its loop fields are ignored here: see training_options_of()).
std::unique_ptr<TrainingRecipe> energy_training_recipe(const TrainSettings& settings);

// Trains, printing progress to `log`; returns the last metrics. A thin wrapper over
// energy_training_recipe() and run_training(). Throws on bad settings or when `resume` finds no
// usable checkpoint.
TrainResult train(const TrainSettings& settings, std::ostream& log);

}  // namespace ebm::sudoku
