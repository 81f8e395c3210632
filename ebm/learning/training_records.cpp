#include "ebm/learning/training_records.h"

#include "ebm/atomic_file.h"
#include "ebm/checkpoint.h"
#include "ebm/trainer.h"
#include "ebm/version.h"

#include <torch/serialize.h>
#include <torch/utils.h>

#include <filesystem>
#include <iomanip>
#include <ostream>
#include <sstream>

namespace ebm {

std::string optimizer_state(torch::optim::Optimizer& optimizer) {
  std::ostringstream state;
  torch::save(optimizer, state);
  return state.str();
}

void load_optimizer_state(torch::optim::Optimizer& optimizer, const std::string& checkpoint) {
  const std::string state = read_checkpoint_training_state(checkpoint);
  if (state.empty())
    throw CheckpointError(checkpoint, "cannot resume: the file holds no optimizer state (format version 1: written by "
                                      "an older ebm or not by `ebm train`); start a new run instead");
  try {
    std::istringstream in(state);
    torch::load(optimizer, in);
  } catch (const std::exception& e) {
    const std::string what = e.what();
    throw CheckpointError(checkpoint, "cannot resume: its optimizer state does not fit this model: " +
                                          what.substr(0, what.find('\n')));
  }
}

void seed_initialisation(uint64_t seed) { torch::manual_seed(seed); }

void save_training_checkpoint(const std::string& path, torch::nn::Module& module, const nlohmann::json& metadata,
                              torch::optim::Optimizer& optimizer, std::ostream& log) {
  save_checkpoint(path, module, metadata, EBM_VERSION, optimizer_state(optimizer));
  std::error_code ignored;
  std::filesystem::remove(path + ".optim", ignored);
  log << "checkpoint written: " << path << "\n" << std::flush;
}

nlohmann::json training_record(const TrainingOptions& options, int64_t step) {
  return {{"command", options.command_line},
          {"step", step},
          {"steps", options.steps},
          {"batch", options.batch},
          {"learning_rate", options.learning_rate},
          {"world_size", options.world_size}};
}

std::optional<double> LossLog::add(double loss, int64_t step, int64_t total, std::ostream& log) {
  sum_ += loss;
  ++count_;
  if (step % every_ != 0 && step != total) return std::nullopt;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock_).count();
  const double mean = sum_ / count_;
  log << "step " << step << "/" << total << "  loss " << std::setprecision(4) << mean << "  (" << std::setprecision(3)
      << count_ / seconds << " steps/s)\n"
      << std::flush;
  sum_ = 0.0;
  count_ = 0;
  clock_ = std::chrono::steady_clock::now();
  return mean;
}

void log_validation(std::ostream& log, int64_t step, const nlohmann::json& metrics) {
  log << "validation at step " << step << ":";
  for (const auto& [key, value] : metrics.items()) log << "  " << key << " " << value.dump();
  log << "\n";
}

}  // namespace ebm
