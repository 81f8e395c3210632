// The shared training loop (ebm/trainer.h) on a toy recipe: a line fitted to y = 2x + 1.
// Checkpoint metadata, optimizer state, resume, and the refusals; then Sudoku's two recipes (its energy,
// and the AR baseline on its tokens) built from task parameters.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/checkpoint.h"
#include "ebm/trainer.h"
#include "ebm/learning/ar_baseline.h"
#include "ebm/learning/training_records.h"
#include "ebm/tasks/registry.h"
#include "tasks/sudoku/training.h"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace ebm;

namespace {

class LineRecipe : public TrainingRecipe {
 public:
  explicit LineRecipe(std::string task = "toy") : task_(std::move(task)) {}
  std::string describe() const override { return "model line, 2 parameters; objective: mse"; }
  torch::nn::Module& module() override { return *line_; }
  nlohmann::json identity() const override {
    return {{"kind", "toy-line"}, {"architecture", {{"inputs", 1}}}, {"task", task_}};
  }
  void prepare(std::ostream& log) override {
    x_ = torch::linspace(-1, 1, 16).unsqueeze(1);
    y_ = 2 * x_ + 1;
    log << "prepared\n";
  }
  torch::Tensor loss(int64_t step) override {
    steps_seen.push_back(step);
    return torch::mse_loss(line_->forward(x_), y_);
  }
  nlohmann::json validate(int64_t step, std::ostream& log) override {
    CHECK_FALSE(torch::GradMode::is_enabled());
    CHECK_FALSE(line_->is_training());
    log << "validated at " << step << "\n";
    return {{"error", torch::mse_loss(line_->forward(x_), y_).item<double>()}};
  }
  nlohmann::json recipe() const override { return {{"data", "16 points of y = 2x + 1"}}; }

  std::vector<int64_t> steps_seen;

 private:
  std::string task_;
  torch::nn::Linear line_{1, 1};
  torch::Tensor x_, y_;
};

TrainingOptions toy_options(const std::string& path) {
  TrainingOptions options;
  options.steps = 60;
  options.batch = 16;
  options.learning_rate = 0.05;
  options.validate_every = 25;
  options.output = path;
  options.command_line = "test train";
  return options;
}

std::string temp_checkpoint() {
  auto path = (std::filesystem::temp_directory_path() / "ebm-test-trainer.ckpt").string();
  std::filesystem::remove(path);
  return path;
}

}  // namespace

TEST_SUITE("trainer") {
  TEST_CASE("run_training: learns, logs, checkpoints with the recipe's record, resumes where it stopped") {
    const std::string path = temp_checkpoint();
    TrainingOptions options = toy_options(path);
    LineRecipe recipe;
    std::ostringstream log;
    const TrainingResult first = run_training(recipe, options, log);
    CHECK(first.steps == 60);
    CHECK(first.first_step == 0);
    REQUIRE(first.losses.size() == 60u);
    CHECK(first.losses.back() < first.losses.front() / 10);
    CHECK(recipe.steps_seen.front() == 0);
    CHECK(recipe.steps_seen.back() == 59);
    CHECK(first.metrics.contains("error"));
    const std::string text = log.str();
    CHECK(text.rfind("prepared\nmodel line, 2 parameters; objective: mse\n", 0) == 0);
    CHECK(text.find("step 50/60  loss ") != std::string::npos);
    CHECK(text.find("step 60/60  loss ") != std::string::npos);
    CHECK(text.find("validated at 25\n") != std::string::npos);
    CHECK(text.find("validated at 50\n") != std::string::npos);
    CHECK(text.find("validated at 60\n") != std::string::npos);
    CHECK(text.find("checkpoint written: " + path) != std::string::npos);
    CHECK_FALSE(read_checkpoint_training_state(path).empty());  // the optimizer travels in the checkpoint
    CHECK_FALSE(std::filesystem::exists(path + ".optim"));

    const auto metadata = read_checkpoint_metadata(path);
    CHECK(metadata["kind"] == "toy-line");
    CHECK(metadata["task"] == "toy");
    CHECK(metadata["parameters"] == 2);
    CHECK(metadata["library_version"] != "unknown");
    CHECK(metadata["training"]["command"] == "test train");
    CHECK(metadata["training"]["step"] == 60);
    CHECK(metadata["training"]["steps"] == 60);
    CHECK(metadata["training"]["batch"] == 16);
    CHECK(metadata["training"]["learning_rate"] == 0.05);
    CHECK(metadata["training"]["data"] == "16 points of y = 2x + 1");
    CHECK(metadata["metrics"]["loss"] == first.final_loss);
    CHECK(metadata["metrics"].contains("error"));

    options.steps = 70;
    options.resume = true;
    LineRecipe again;
    std::ostringstream log2;
    const TrainingResult second = run_training(again, options, log2);
    CHECK(second.first_step == 60);
    CHECK(second.steps == 70);
    CHECK(second.losses.size() == 10u);
    CHECK(again.steps_seen.front() == 60);
    CHECK(second.losses.front() < first.losses.front() / 10);  // the weights came back
    CHECK(log2.str().rfind("resumed " + path + " at step 60\n", 0) == 0);
    CHECK(read_checkpoint_metadata(path)["training"]["step"] == 70);
    std::filesystem::remove(path);
  }

  TEST_CASE("run_training: refuses bad options and checkpoints of another identity, naming the problem") {
    const std::string path = temp_checkpoint();
    std::ostringstream log;
    LineRecipe recipe;
    TrainingOptions bad = toy_options(path);
    bad.steps = 0;
    CHECK_THROWS_WITH_AS(run_training(recipe, bad, log), doctest::Contains("steps must be >= 1"), std::invalid_argument);
    bad = toy_options(path);
    bad.learning_rate = -1;
    CHECK_THROWS_WITH_AS(run_training(recipe, bad, log), doctest::Contains("learning rate"), std::invalid_argument);
    bad.learning_rate = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(run_training(recipe, bad, log), doctest::Contains("finite"), std::invalid_argument);
    // A learning rate so large that the loss overflows: the loop stops before the update that would
    // write non-finite weights, and no checkpoint of that step exists.
    bad = toy_options(path);
    bad.learning_rate = 1e30;
    bad.steps = 50;
    bad.validate_every = 50;
    std::filesystem::remove(path);
    LineRecipe exploding;
    CHECK_THROWS_WITH_AS(run_training(exploding, bad, log), doctest::Contains("non-finite"), std::runtime_error);
    CHECK_FALSE(std::filesystem::exists(path));
    bad = toy_options("");
    CHECK_THROWS_WITH_AS(run_training(recipe, bad, log), doctest::Contains("output"), std::invalid_argument);

    TrainingOptions options = toy_options(path);
    options.resume = true;
    CHECK_THROWS_WITH_AS(run_training(recipe, options, log), doctest::Contains("cannot resume: cannot open"),
                         CheckpointError);

    options.resume = false;
    options.steps = 2;
    run_training(recipe, options, log);
    options.resume = true;
    options.steps = 4;
    LineRecipe other_task("another");
    CHECK_THROWS_WITH_AS(run_training(other_task, options, log),
                         doctest::Contains("cannot resume: 'task' is \"toy\" in the file, \"another\" expected"),
                         CheckpointError);

    torch::nn::Linear wider(1, 2);
    save_checkpoint(path, *wider, {{"kind", "toy-line"}, {"architecture", {{"inputs", 2}}}, {"task", "toy"}});
    CHECK_THROWS_WITH_AS(run_training(recipe, options, log), doctest::Contains("cannot resume: architecture mismatch"),
                         CheckpointError);
    save_checkpoint(path, *wider, {{"kind", "other"}, {"architecture", {{"inputs", 1}}}, {"task", "toy"}});
    CHECK_THROWS_WITH_AS(run_training(recipe, options, log), doctest::Contains("cannot resume: kind mismatch"),
                         CheckpointError);
    // The right weights without their optimizer state (format 1): resuming would restart Adam's
    // moments silently, so it is refused.
    LineRecipe stateless;
    save_checkpoint(path, stateless.module(),
                    {{"kind", "toy-line"}, {"architecture", {{"inputs", 1}}}, {"task", "toy"}, {"training", {{"step", 2}}}});
    CHECK_THROWS_WITH_AS(run_training(recipe, options, log),
                         doctest::Contains("cannot resume: the file holds no optimizer state"), CheckpointError);
    // A state that is not an optimizer's.
    save_checkpoint(path, stateless.module(),
                    {{"kind", "toy-line"}, {"architecture", {{"inputs", 1}}}, {"task", "toy"}, {"training", {{"step", 2}}}},
                    "unknown", "not an optimizer");
    CHECK_THROWS_WITH_AS(run_training(recipe, options, log),
                         doctest::Contains("cannot resume: its optimizer state does not fit this model"), CheckpointError);
    std::filesystem::remove(path);
  }

  TEST_CASE("run_training: a run stopped at a checkpoint and resumed ends bit-identical to one that never stopped") {
    const std::string path = temp_checkpoint();
    TrainingOptions options = toy_options(path);
    options.validate_every = 20;
    std::ostringstream log;
    torch::manual_seed(1);  // the line's initial weights (the toy recipe does not seed them itself)
    LineRecipe whole;
    run_training(whole, options, log);
    const auto uninterrupted = read_checkpoint_tensors(path);
    std::filesystem::remove(path);

    options.steps = 40;  // "killed" right after the checkpoint of step 40
    torch::manual_seed(1);
    LineRecipe first;
    run_training(first, options, log);
    options.steps = 60;
    options.resume = true;
    LineRecipe second;
    run_training(second, options, log);
    const auto resumed = read_checkpoint_tensors(path);
    REQUIRE(resumed.size() == uninterrupted.size());
    for (size_t i = 0; i < resumed.size(); ++i) {
      CAPTURE(resumed[i].first);
      CHECK(torch::equal(resumed[i].second, uninterrupted[i].second));
    }
    std::filesystem::remove(path);
  }

  TEST_CASE("the seed fixes the initial weights: equal seeds give bit-identical checkpoints, other seeds differ") {
    const std::string path = temp_checkpoint();
    const int threads = torch::get_num_threads();
    torch::set_num_threads(1);
    TrainingOptions options = toy_options(path);
    options.steps = 2;
    options.batch = 2;
    options.validate_every = 2;
    const TaskParameters energy{{"hidden", "8"}, {"layers", "1"}, {"train-puzzles", "2"}, {"tiers", "medium"},
                                {"validation-puzzles", "1"}, {"validation-budget-ms", "10"}};
    const TaskParameters ar{{"box", "2"}, {"d-model", "8"}, {"layers", "1"}, {"heads", "2"}, {"train-puzzles", "2"},
                            {"tiers", "medium"}, {"validation-puzzles", "1"}};
    using Build = std::function<std::unique_ptr<TrainingRecipe>(const TrainingOptions&)>;
    const std::pair<const char*, Build> recipes[] = {
        {"energy", [&](const TrainingOptions& o) { return sudoku::energy_training_recipe(o, energy); }},
        {"ar", [&](const TrainingOptions& o) { return make_ar_training_recipe(*find_task("sudoku"), o, ar); }}};
    for (const auto& recipe_entry : recipes) {
      const char* const name = recipe_entry.first;  // not a structured binding: clang 14 cannot capture those
      const Build& build = recipe_entry.second;
      CAPTURE(name);
      auto weights_with_seed = [&](uint64_t seed) {
        options.seed = seed;
        std::ostringstream log;
        torch::manual_seed(seed + 12345);  // whatever the global generator held before must not matter
        auto recipe = build(options);
        run_training(*recipe, options, log);
        return read_checkpoint_tensors(path);
      };
      const auto a = weights_with_seed(7), b = weights_with_seed(7), c = weights_with_seed(8);
      REQUIRE(a.size() == b.size());
      bool all_equal = true, any_differs = false;
      for (size_t i = 0; i < a.size(); ++i) {
        all_equal = all_equal && torch::equal(a[i].second, b[i].second);
        any_differs = any_differs || !torch::equal(a[i].second, c[i].second);
      }
      CHECK(all_equal);
      CHECK(any_differs);
    }
    torch::set_num_threads(threads);
    std::filesystem::remove(path);
  }

  TEST_CASE("Sudoku recipes: parameters with defaults, clear errors, reproducible from the seed") {
    const auto energy = sudoku::energy_training_parameters();
    const auto all = training_parameters(*find_task("sudoku"));
    CHECK(energy.size() == 11u);
    for (const auto& info : energy) CHECK((info.use & TrainParameter) != 0);
    for (const char* name : {"model", "order", "box", "d-model", "params", "heads", "validation-tiers"}) {
      CAPTURE(name);
      CHECK(std::count_if(all.begin(), all.end(), [&](const ParameterInfo& i) { return i.name == name; }) == 1);
    }
    CHECK(parameter_value({}, energy, "t-min") == "0.05");
    CHECK(parameter_value({}, energy, "tiers") == "medium,hard,expert,hardest");
    CHECK(parameter_value({}, all, "order") == "fixed");
    CHECK(parameter_value({}, all, "box") == "3");
    CHECK(parameter_value({}, all, "validation-tiers") == "hardest");

    const std::string path = temp_checkpoint();
    TrainingOptions options = toy_options(path);
    options.steps = 3;
    options.batch = 2;
    CHECK_THROWS_WITH_AS(sudoku::energy_training_recipe(options, {{"hidden", "wide"}}), doctest::Contains("--hidden"),
                         TaskInputError);
    CHECK_THROWS_WITH_AS(sudoku::energy_training_recipe(options, {{"objective", "magic"}}),
                         doctest::Contains("objective"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_ar_training_recipe(*find_task("sudoku"), options, {{"order", "random"}}),
                         doctest::Contains("random"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_training_recipe(*find_task("sudoku"), options, {{"model", "feedforward"}}),
                         doctest::Contains("energy, pairwise, attention, ar"), std::invalid_argument);

    const TaskParameters small{{"hidden", "8"}, {"layers", "1"}, {"train-puzzles", "2"}, {"tiers", "medium"},
                               {"validation-puzzles", "1"}, {"validation-budget-ms", "10"}};
    std::vector<double> losses[2];
    for (auto& run : losses) {
      std::ostringstream log;
      auto recipe = sudoku::energy_training_recipe(options, small);
      run = run_training(*recipe, options, log).losses;
      CHECK(read_checkpoint_metadata(path)["training"]["data"]["split"] == "train");
    }
    CHECK(losses[0] == losses[1]);
    std::filesystem::remove(path);
  }
}
