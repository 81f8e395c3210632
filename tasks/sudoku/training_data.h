// What the EBM trainer and the AR trainer share, so both learn from the same boards: the data
// recipe, the validation puzzles, their training parameters and the mapping between their settings
// structs and ebm/trainer.h's TrainingOptions.
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
#include <string>
#include <vector>

namespace ebm::sudoku {

// `count` Split::Train boards, split evenly over the comma-separated `tiers`; tier k comes from
// generator seed seed * 7919 + k. Throws std::invalid_argument for no tiers or fewer boards than tiers.
std::vector<GeneratedPuzzle> training_boards(int box, int64_t count, const std::string& tiers, uint64_t seed);

// Generator seed of the validation puzzles for a training seed: seed + 1000003.
uint64_t validation_seed(uint64_t seed);
// `count` Split::Validation puzzles of `tier` from validation_seed(seed).
std::vector<GeneratedPuzzle> validation_boards(int box, int64_t count, uint64_t seed, Tier tier = Tier::hardest);

// The data settings both trainers share.
struct DataSettings {
  int64_t train_puzzles = 4000;
  std::string tiers = "medium,hard,expert,hardest";
  int64_t validation_puzzles = 32;
  uint64_t seed = 0;
};

// The boards of one training run, as parallel lists.
struct TrainingData {
  std::vector<Board> puzzles, solutions;                 // training boards
  std::vector<Board> validation, validation_solutions;  // validation puzzles
};
// Logs "generating N training boards (TIERS, seed S)..." and draws both sets. Throws
// std::invalid_argument for fewer than one training board or validation puzzle.
TrainingData prepare_training_data(int box, const DataSettings& settings, std::ostream& log);

// The examples of one training step: `batch` indices drawn uniformly from [0, boards) by a generator
// seeded with seed * 1000003 + step, which the caller may go on drawing from (the EBM's noise).
struct StepDraw {
  torch::Generator generator;
  torch::Tensor index;  // [batch] int64 on `device`
};
StepDraw draw_step(uint64_t seed, int64_t step, size_t boards, int64_t batch, const torch::Device& device);

// The "data" part of the "training" metadata record: generator, split, tiers, boards, seed.
nlohmann::json data_record(const DataSettings& settings, size_t boards);
// The "validation" part of the metrics: hardest tier, split, puzzle count, generator seed.
nlohmann::json validation_record(size_t puzzles, uint64_t seed);

// The kTrainParameter declarations of the shared data settings (train-puzzles, tiers,
// validation-puzzles), defaults from DataSettings.
std::vector<ParameterInfo> data_parameters();
// Text of a default value for a ParameterInfo ("0.05", "3000").
std::string default_text(double value);
std::string default_text(int64_t value);

// Settings structs (TrainSettings, ArTrainSettings) name the loop's fields alike; these map them.
template <typename Settings>
TrainingOptions training_options_of(const Settings& s) {
  TrainingOptions o;
  o.steps = s.steps;
  o.batch = s.batch;
  o.learning_rate = s.learning_rate;
  o.validate_every = s.validate_every;
  o.seed = s.seed;
  o.output = s.output;
  o.resume = s.resume;
  o.device = s.device;
  o.command_line = s.command_line;
  o.world_size = s.world_size;
  o.rank = s.rank;
  o.master = s.master;
  o.distributed_timeout = s.distributed_timeout;
  return o;
}
template <typename Settings>
void apply_training_options(const TrainingOptions& o, Settings& s) {
  s.steps = o.steps;
  s.batch = o.batch;
  s.learning_rate = o.learning_rate;
  s.validate_every = o.validate_every;
  s.seed = o.seed;
  s.output = o.output;
  s.resume = o.resume;
  s.device = o.device;
  s.command_line = o.command_line;
  s.world_size = o.world_size;
  s.rank = o.rank;
  s.master = o.master;
  s.distributed_timeout = o.distributed_timeout;
}
template <typename Settings>
DataSettings data_settings_of(const Settings& s) {
  return {s.train_puzzles, s.tiers, s.validation_puzzles, s.seed};
}
// Reads train-puzzles, tiers and validation-puzzles from `parameters` into `s`.
template <typename Settings>
void apply_data_parameters(const TaskParameters& parameters, Settings& s) {
  const auto infos = data_parameters();
  s.train_puzzles = parameter_int(parameters, infos, "train-puzzles");
  s.tiers = parameter_value(parameters, infos, "tiers");
  s.validation_puzzles = parameter_int(parameters, infos, "validation-puzzles");
}

}  // namespace ebm::sudoku
