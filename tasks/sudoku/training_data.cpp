#include "tasks/sudoku/training_data.h"

#include "ebm/runtime/device.h"

#include <torch/torch.h>

#include <ostream>
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
    options.split = Split::Train;
    auto part = generate(options);
    data.insert(data.end(), part.begin(), part.end());
  }
  return data;
}

uint64_t validation_seed(uint64_t seed) { return seed + 1000003; }

std::vector<GeneratedPuzzle> validation_boards(int box, int64_t count, uint64_t seed, Tier tier) {
  GeneratorOptions options;
  options.box = box;
  options.count = static_cast<int>(count);
  options.tier = tier;
  options.seed = validation_seed(seed);
  options.split = Split::Validation;
  return generate(options);
}

TrainingData prepare_training_data(int box, const DataSettings& s, std::ostream& log) {
  if (s.train_puzzles < 1) throw std::invalid_argument("train: train-puzzles must be >= 1");
  if (s.validation_puzzles < 1) throw std::invalid_argument("train: validation-puzzles must be >= 1");
  log << "generating " << s.train_puzzles << " training boards (" << s.tiers << ", seed " << s.seed << ")...\n";
  TrainingData data;
  for (const auto& g : training_boards(box, s.train_puzzles, s.tiers, s.seed)) {
    data.puzzles.push_back(g.puzzle);
    data.solutions.push_back(g.solution);
  }
  for (const auto& g : validation_boards(box, s.validation_puzzles, s.seed)) {
    data.validation.push_back(g.puzzle);
    data.validation_solutions.push_back(g.solution);
  }
  return data;
}

StepDraw draw_step(uint64_t seed, int64_t step, size_t boards, int64_t batch, const torch::Device& device) {
  StepDraw draw{make_generator(seed * 1000003 + static_cast<uint64_t>(step), device), {}};
  draw.index = torch::randint(static_cast<int64_t>(boards), {batch}, draw.generator,
                              torch::TensorOptions().dtype(torch::kLong).device(device));
  return draw;
}

nlohmann::json data_record(const DataSettings& s, size_t boards) {
  return {{"generator", "ebm generate sudoku"},
          {"split", split_name(Split::Train)},
          {"tiers", s.tiers},
          {"boards", boards},
          {"seed", s.seed}};
}

nlohmann::json validation_record(size_t puzzles, uint64_t seed) {
  return {{"tier", "hardest"},
          {"split", split_name(Split::Validation)},
          {"puzzles", puzzles},
          {"seed", validation_seed(seed)}};
}

std::string default_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

std::string default_text(int64_t value) { return std::to_string(value); }

std::vector<ParameterInfo> data_parameters() {
  const DataSettings d;
  return {
      {"train-puzzles", default_text(d.train_puzzles),
       "generated training boards (the same for every trainer)", kTrainParameter},
      {"tiers", d.tiers, "training tiers, comma-separated", kTrainParameter},
      {"validation-puzzles", default_text(d.validation_puzzles), "hardest-tier validation puzzles",
       kTrainParameter},
  };
}

}  // namespace ebm::sudoku
