// What the EBM trainer and the AR trainer share, so both learn from the same boards: the data
// recipe, the validation puzzles, and the optimizer state kept beside a checkpoint.
#pragma once

#include "tasks/sudoku/generator.h"

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ebm::sudoku {

// `count` boards, split evenly over the comma-separated `tiers`; tier k comes from generator seed
// seed * 7919 + k. Throws std::invalid_argument for no tiers or fewer boards than tiers.
std::vector<GeneratedPuzzle> training_boards(int box, int64_t count, const std::string& tiers, uint64_t seed);

// Generator seed of the validation puzzles for a training seed: seed + 1000003.
uint64_t validation_seed(uint64_t seed);
// `count` hardest-tier puzzles from validation_seed(seed).
std::vector<GeneratedPuzzle> validation_boards(int box, int64_t count, uint64_t seed);

// The optimizer state lives beside the checkpoint, at OUTPUT.optim, written atomically.
std::string optimizer_path(const std::string& checkpoint);
void save_optimizer(torch::optim::Optimizer& optimizer, const std::string& checkpoint);
// The checkpoint (atomic, library version recorded) and the optimizer state beside it, then a log line.
void save_training_checkpoint(const std::string& path, torch::nn::Module& module, const nlohmann::json& metadata,
                              torch::optim::Optimizer& optimizer, std::ostream& log);
// Loads OUTPUT.optim when it exists; returns whether it did.
bool load_optimizer_if_present(torch::optim::Optimizer& optimizer, const std::string& checkpoint);

// The "training" metadata both trainers record in their checkpoints: command, step, recipe, data.
nlohmann::json training_record(const std::string& command, int64_t step, int64_t steps, int64_t batch,
                               double learning_rate, const std::string& tiers, size_t boards, uint64_t seed);
// The "validation" part of the metrics: hardest tier, puzzle count, generator seed.
nlohmann::json validation_record(size_t puzzles, uint64_t seed);

// Training progress: the mean loss since the last line, printed every `every` steps and at the last
// step as "step S/T  loss L  (R steps/s)".
class LossLog {
 public:
  explicit LossLog(int64_t every = 50) : every_(every), clock_(std::chrono::steady_clock::now()) {}
  // Adds this step's loss. When a line is due, prints it and returns the mean it printed.
  std::optional<double> add(double loss, int64_t step, int64_t total, std::ostream& log);

 private:
  int64_t every_;
  double sum_ = 0.0;
  int64_t count_ = 0;
  std::chrono::steady_clock::time_point clock_;
};

}  // namespace ebm::sudoku
