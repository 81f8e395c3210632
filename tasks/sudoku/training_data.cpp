#include "tasks/sudoku/training_data.h"

#include "ebm/atomic_file.h"
#include "ebm/checkpoint.h"
#include "ebm/version.h"

#include <torch/serialize.h>

#include <filesystem>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace ebm::sudoku {

std::vector<GeneratedPuzzle> training_boards(int box, int64_t count, const std::string& tiers, uint64_t seed) {
  std::vector<Tier> list;
  std::stringstream names(tiers);
  for (std::string name; std::getline(names, name, ',');) list.push_back(parse_tier(name));
  if (list.empty()) throw std::invalid_argument("training data: no training tiers");
  if (count < static_cast<int64_t>(list.size()))
    throw std::invalid_argument("training data: " + std::to_string(count) + " boards cannot cover " +
                                std::to_string(list.size()) + " tiers");
  std::vector<GeneratedPuzzle> data;
  for (size_t k = 0; k < list.size(); ++k) {
    GeneratorOptions options;
    options.box = box;
    options.count = static_cast<int>(count / static_cast<int64_t>(list.size()));
    options.tier = list[k];
    options.seed = seed * 7919 + k;
    auto part = generate(options);
    data.insert(data.end(), part.begin(), part.end());
  }
  return data;
}

uint64_t validation_seed(uint64_t seed) { return seed + 1000003; }

std::vector<GeneratedPuzzle> validation_boards(int box, int64_t count, uint64_t seed) {
  GeneratorOptions options;
  options.box = box;
  options.count = static_cast<int>(count);
  options.tier = Tier::hardest;
  options.seed = validation_seed(seed);
  return generate(options);
}

std::string optimizer_path(const std::string& checkpoint) { return checkpoint + ".optim"; }

void save_optimizer(torch::optim::Optimizer& optimizer, const std::string& checkpoint) {
  std::ostringstream state;
  torch::save(optimizer, state);
  write_file_atomically(optimizer_path(checkpoint), state.str());
}

void save_training_checkpoint(const std::string& path, torch::nn::Module& module, const nlohmann::json& metadata,
                              torch::optim::Optimizer& optimizer, std::ostream& log) {
  save_checkpoint(path, module, metadata, EBM_VERSION);
  save_optimizer(optimizer, path);
  log << "checkpoint written: " << path << "\n" << std::flush;
}

bool load_optimizer_if_present(torch::optim::Optimizer& optimizer, const std::string& checkpoint) {
  if (!std::filesystem::exists(optimizer_path(checkpoint))) return false;
  torch::load(optimizer, optimizer_path(checkpoint));
  return true;
}

nlohmann::json training_record(const std::string& command, int64_t step, int64_t steps, int64_t batch,
                               double learning_rate, const std::string& tiers, size_t boards, uint64_t seed) {
  return {{"command", command},
          {"step", step},
          {"steps", steps},
          {"batch", batch},
          {"learning_rate", learning_rate},
          {"data", {{"generator", "ebm generate sudoku"}, {"tiers", tiers}, {"boards", boards}, {"seed", seed}}}};
}

nlohmann::json validation_record(size_t puzzles, uint64_t seed) {
  return {{"tier", "hardest"}, {"puzzles", puzzles}, {"seed", validation_seed(seed)}};
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

}  // namespace ebm::sudoku
