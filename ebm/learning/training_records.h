// What a training run keeps and prints, whatever it trains (ebm/trainer.h's loop uses these):
// the optimizer state inside a checkpoint, the checkpoint write itself, the loop's part of the
// "training" metadata record, and the periodic loss and validation lines.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

namespace ebm {

struct TrainingOptions;  // ebm/trainer.h

// The optimizer state travels inside the checkpoint file (ebm/checkpoint.h, format version 2), so
// weights and optimizer are written by one rename and always belong to the same step.
std::string optimizer_state(torch::optim::Optimizer& optimizer);
// Restores the optimizer from the checkpoint's state. Throws CheckpointError ("cannot resume: ...")
// when the file holds no optimizer state (a file of format version 1: written by an older ebm or
// not by training) or one that does not fit `optimizer`.
void load_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& checkpoint);

// Seeds torch's default generators (CPU, and CUDA where present) with `seed`. Module initialisation
// draws from them, and Debian's LibTorch seeds them at random in every process, so a recipe calls
// this with TrainingOptions::seed before it builds its module.
void seed_initialisation(uint64_t seed);

// The checkpoint (atomic, this library's version recorded) with the optimizer state in it, then
// the log line "checkpoint written: PATH". A stale PATH.optim beside it (written by ebm versions
// that kept the optimizer apart) is removed so that nothing mistakes it for this step's.
void save_training_checkpoint(const std::string& path, torch::nn::Module& module, const nlohmann::json& metadata,
                              torch::optim::Optimizer& optimizer, std::ostream& log);

// The loop's fields of the "training" metadata record at step `step`:
// {"command", "step", "steps", "batch", "learning_rate", "world_size"} (batch is the whole batch of a
// step, over all data-parallel processes). A recipe adds its own (data, objective).
nlohmann::json training_record(const TrainingOptions& options, int64_t step);

// A validation's metrics on one line: "validation at step S:  key value  key value ...".
void log_validation(std::ostream& log, int64_t step, const nlohmann::json& metrics);

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

}  // namespace ebm
