// The Sudoku task's training data, shared by its learned energy and the AR baseline so that both
// learn from the same boards: the data recipe, the validation puzzles and their training parameters.
//
// Splits (generator.h): training boards are Split::Train, validation puzzles Split::Validation, so
// neither shares a puzzle or a solution grid with `ebm generate` / eval / bench data (Split::Test).
#pragma once

#include "ebm/task.h"
#include "ebm/trainer.h"
#include "tasks/sudoku/generator.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

// `count` Split::Train boards, split evenly over the comma-separated `tiers`; tier k comes from
// generator seed seed * 7919 + k. Throws std::invalid_argument for no tiers or fewer boards than tiers.
// layout: the rules of the boards (a variant); null = standard Sudoku.
std::vector<GeneratedPuzzle> training_boards(int box, int64_t count, const std::string& tiers, uint64_t seed,
                                             std::shared_ptr<const Layout> layout = nullptr);

// Generator seed of the validation puzzles for a training seed: seed + 1000003.
uint64_t validation_seed(uint64_t seed);
// `count` Split::Validation puzzles of `tier` from validation_seed(seed).
std::vector<GeneratedPuzzle> validation_boards(int box, int64_t count, uint64_t seed, Tier tier = Tier::Hardest,
                                               std::shared_ptr<const Layout> layout = nullptr);

// The data settings both trainers share.
struct DataSettings {
  int64_t train_puzzles = 4000;
  std::string tiers = "medium,hard,expert,hardest";
  int64_t validation_puzzles = 32;               // per validation tier
  std::string validation_tiers = "hardest";      // comma-separated
  uint64_t seed = 0;
  std::shared_ptr<const Layout> layout;  // the boards' rules (--variant, --layout); null = standard
};

// The boards of one training run, as parallel lists.
struct TrainingData {
  std::vector<Board> puzzles, solutions;                 // training boards
  std::vector<Board> validation;  // validation puzzles
};
// Logs "generating N training boards (TIERS, seed S)..." and draws the training boards and the
// validation puzzles of the first validation tier. Throws
// std::invalid_argument for fewer than one training board or validation puzzle.
TrainingData prepare_training_data(int box, const DataSettings& settings, std::ostream& log);

// The examples of one training step: `batch` indices drawn uniformly from [0, boards) by a generator
// seeded with seed * 1000003 + step, which the caller may go on drawing from (the EBM's noise).
struct StepDraw {
  torch::Generator generator;
  torch::Tensor index;  // [batch] int64 on `device`
};
StepDraw draw_step(uint64_t seed, int64_t step, size_t boards, int64_t batch, const torch::Device& device);

// The "data" part of the "training" metadata record: generator, split, tiers, boards, seed, variant
// and layout (the jigsaw region map, else ""): what a pairwise model is checked against when solving.
nlohmann::json data_record(const DataSettings& settings, size_t boards);
// The "validation" part of the energy's metrics: its tier (the first validation tier), split,
// puzzle count, generator seed.
nlohmann::json validation_record(const DataSettings& settings, size_t puzzles);

// The TrainParameter declarations of the shared data settings (train-puzzles, tiers,
// validation-puzzles, validation-tiers), defaults from DataSettings. (variant and layout are the
// task's own parameters: variant_parameters.h.)
std::vector<ParameterInfo> data_parameters();
// DataSettings from those parameters and variant / layout for boards of box `box` (seed: the options').
DataSettings data_settings(const TaskParameters& parameters, uint64_t seed, int box = 3);

// The Sudoku task's ExampleStream (<ebm/trainer.h>): the training boards of prepare_training_data, a
// step's batch drawn by draw_step (on the CPU), one validation set per validation tier. Boards of
// box `box` (the task's parameter, default 3).
std::unique_ptr<ExampleStream> make_example_stream(const TrainingOptions& options, const TaskParameters& parameters);

}  // namespace ebm::sudoku
