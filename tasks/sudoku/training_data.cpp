#include "tasks/sudoku/training_data.h"

#include "ebm/device.h"
#include "tasks/sudoku/task.h"
#include "tasks/sudoku/variant_parameters.h"

#include <torch/torch.h>

#include <ostream>
#include <sstream>
#include <stdexcept>

namespace ebm::sudoku {

namespace {

std::vector<Tier> tier_list(const std::string& tiers, const char* what) {
  std::vector<Tier> list;
  std::stringstream names(tiers);
  for (std::string name; std::getline(names, name, ',');) list.push_back(parse_tier(name));
  if (list.empty()) throw std::invalid_argument(std::string("training data: no ") + what + " tiers");
  return list;
}

std::vector<Tier> validation_tiers(const DataSettings& s) { return tier_list(s.validation_tiers, "validation"); }

// Training boards and validation puzzles as examples, a step's batch drawn from the boards.
class SudokuExamples : public ExampleStream {
 public:
  SudokuExamples(int box, DataSettings settings) : box_(box), settings_(std::move(settings)) {}
  void prepare(std::ostream& log) override {
    const TrainingData data = prepare_training_data(box_, settings_, log);
    const auto layout = variant_layout();
    for (size_t i = 0; i < data.puzzles.size(); ++i)
      boards_.push_back({make_problem(data.puzzles[i], "training", layout), make_answer(data.solutions[i])});
    for (Tier tier : validation_tiers(settings_)) {
      std::vector<Example> set;
      for (const auto& g : validation_boards(box_, settings_.validation_puzzles, settings_.seed, tier, settings_.layout))
        set.push_back({make_problem(g.puzzle, "validation", layout), make_answer(g.solution)});
      validation_.emplace_back(tier_name(tier), std::move(set));
    }
  }
  std::vector<Example> batch(int64_t step, int64_t batch) override {
    const auto draw = draw_step(settings_.seed, step, boards_.size(), batch, torch::kCPU);
    const int64_t* index = draw.index.data_ptr<int64_t>();
    std::vector<Example> examples;
    for (int64_t i = 0; i < batch; ++i) examples.push_back(boards_[index[i]]);
    return examples;
  }
  std::vector<std::pair<std::string, std::vector<Example>>> validation() const override { return validation_; }
  std::vector<Example> examples() const override { return boards_; }
  // Cell c's digit d (1..N) is category d - 1: [n, N*N] and K = N.
  std::pair<torch::Tensor, int64_t> answer_categories(const std::vector<Example>& examples) const override {
    const int64_t cells = int64_t(box_) * box_ * box_ * box_;
    auto categories = torch::empty({static_cast<int64_t>(examples.size()), cells}, torch::kLong);
    auto* out = categories.data_ptr<int64_t>();
    for (const auto& example : examples) {
      if (!example.solution) throw std::invalid_argument("sudoku training example without its solution");
      const Board& board = board_of(*example.solution);
      if (!board.complete() || board.box != box_) throw std::invalid_argument("sudoku training solution is not a full board");
      for (int digit : board.cells) *out++ = digit - 1;
    }
    return {categories, int64_t(box_) * box_};
  }
  nlohmann::json record() const override {
    nlohmann::json record = data_record(settings_, boards_.size());
    record["validation_tiers"] = settings_.validation_tiers;
    record["validation_puzzles_per_tier"] = settings_.validation_puzzles;
    record["validation_seed"] = validation_seed(settings_.seed);
    return record;
  }

 private:
  // The layout problems carry: null for standard Sudoku.
  std::shared_ptr<const Layout> variant_layout() const {
    return settings_.layout && settings_.layout->variant != Variant::Standard ? settings_.layout : nullptr;
  }
  int box_;
  DataSettings settings_;
  std::vector<Example> boards_;
  std::vector<std::pair<std::string, std::vector<Example>>> validation_;
};

}  // namespace

std::vector<GeneratedPuzzle> training_boards(int box, int64_t count, const std::string& tiers, uint64_t seed,
                                             std::shared_ptr<const Layout> layout) {
  const std::vector<Tier> list = tier_list(tiers, "training");
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
    options.layout = layout;
    auto part = generate(options);
    data.insert(data.end(), part.begin(), part.end());
  }
  return data;
}

uint64_t validation_seed(uint64_t seed) { return seed + 1000003; }

std::vector<GeneratedPuzzle> validation_boards(int box, int64_t count, uint64_t seed, Tier tier,
                                               std::shared_ptr<const Layout> layout) {
  GeneratorOptions options;
  options.box = box;
  options.count = static_cast<int>(count);
  options.tier = tier;
  options.seed = validation_seed(seed);
  options.split = Split::Validation;
  options.layout = std::move(layout);
  return generate(options);
}

TrainingData prepare_training_data(int box, const DataSettings& s, std::ostream& log) {
  if (s.train_puzzles < 1) throw std::invalid_argument("train: train-puzzles must be >= 1");
  if (s.validation_puzzles < 1) throw std::invalid_argument("train: validation-puzzles must be >= 1");
  log << "generating " << s.train_puzzles << " training boards (" << s.tiers << ", seed " << s.seed << ")...\n";
  TrainingData data;
  for (const auto& g : training_boards(box, s.train_puzzles, s.tiers, s.seed, s.layout)) {
    data.puzzles.push_back(g.puzzle);
    data.solutions.push_back(g.solution);
  }
  for (const auto& g : validation_boards(box, s.validation_puzzles, s.seed, validation_tiers(s).front(), s.layout))
    data.validation.push_back(g.puzzle);
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
          {"seed", s.seed},
          {"variant", variant_name(s.layout ? s.layout->variant : Variant::Standard)},
          {"layout", s.layout ? s.layout->regions : std::string()}};
}

nlohmann::json validation_record(const DataSettings& settings, size_t puzzles) {
  return {{"tier", tier_name(validation_tiers(settings).front())},
          {"split", split_name(Split::Validation)},
          {"puzzles", puzzles},
          {"seed", validation_seed(settings.seed)}};
}


std::vector<ParameterInfo> data_parameters() {
  const DataSettings d;
  return {
      {"train-puzzles", c10::str(d.train_puzzles),
       "generated training boards (the same for every trainer)", TrainParameter},
      {"tiers", d.tiers, "training tiers, comma-separated", TrainParameter},
      {"validation-puzzles", c10::str(d.validation_puzzles), "validation puzzles per validation tier",
       TrainParameter},
      {"validation-tiers", d.validation_tiers,
       "tiers of the validation puzzles, comma-separated (the energy validates on the first)", TrainParameter},
  };
}

DataSettings data_settings(const TaskParameters& parameters, uint64_t seed, int box) {
  const auto infos = data_parameters();
  DataSettings s;
  s.train_puzzles = parameter_int(parameters, infos, "train-puzzles");
  s.tiers = parameter_value(parameters, infos, "tiers");
  s.validation_puzzles = parameter_int(parameters, infos, "validation-puzzles");
  s.validation_tiers = parameter_value(parameters, infos, "validation-tiers");
  s.seed = seed;
  auto layout = layout_from_parameters(parameters, box);
  if (layout->variant != Variant::Standard) s.layout = std::move(layout);  // null: standard Sudoku of any box
  return s;
}

std::unique_ptr<ExampleStream> make_example_stream(const TrainingOptions& options, const TaskParameters& parameters) {
  const auto box = parameters.find("box");
  const int size = box == parameters.end() ? 3 : static_cast<int>(parameter_int(parameters, {{"box", "3", ""}}, "box"));
  return std::make_unique<SudokuExamples>(size, data_settings(parameters, options.seed, size));
}

}  // namespace ebm::sudoku
