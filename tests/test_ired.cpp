// The IRED task suite on the TensorTask base: known answers verify and wrong ones do not, the
// measures are what their formulas say, bad files are refused naming the line, the training streams
// stay in the train split, and the three model kinds train, checkpoint and solve through the
// generic commands' code paths.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/checkpoint.h"
#include "ebm/harness.h"
#include "ebm/trainer.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"
#include "tasks/tensor/tensor_task.h"

#include <filesystem>
#include <set>
#include <sstream>

using namespace ebm;

namespace {

const tensor::TensorTask& tensor_task(const std::string& name) {
  static std::vector<TaskPtr> keep;
  keep.push_back(find_task(name));
  auto* task = dynamic_cast<const tensor::TensorTask*>(keep.back().get());
  REQUIRE(task != nullptr);
  return *task;
}

std::vector<Example> read_text(const Task& task, const std::string& text) {
  std::istringstream in(text);
  return task.read(in, "data.jsonl", {});
}

std::string temp_path(const std::string& name) { return (std::filesystem::temp_directory_path() / name).string(); }

}  // namespace

TEST_SUITE("ired") {
  TEST_CASE("addition: the reference verifies, an answer off by 0.2 everywhere does not, mse is the mean square") {
    const auto& task = tensor_task("addition");
    auto problems = task.draw_problems(Split::Test, 2, 5);
    REQUIRE(problems.size() == 2);
    const auto& p = *problems[0];
    CHECK(p.condition.sizes() == torch::IntArrayRef{2, 20, 20});
    CHECK(torch::allclose(p.reference, p.condition[0] + p.condition[1]));
    tensor::TensorAnswer right, wrong;
    right.value = p.reference;
    wrong.value = p.reference + 0.2;
    CHECK(task.verify(p, right));
    std::string why;
    CHECK_FALSE(task.verify(p, wrong, &why));
    CHECK(why.find("above the tolerance 0.01") != std::string::npos);
    CHECK(task.measure(p, wrong, nullptr).at("mse") == doctest::Approx(0.04).epsilon(1e-4));
    // The harder split draws 2.5x larger entries.
    auto harder = task.draw_problems(Split::Harder, 4, 5);
    CHECK(harder.front()->condition.abs().max().item<double>() > 1.0);
    CHECK(p.condition.abs().max().item<double>() <= 1.0);
  }

  TEST_CASE("matrix-inverse: the reference is the inverse; the harder split is worse conditioned") {
    const auto& task = tensor_task("matrix-inverse");
    auto usual = task.draw_problems(Split::Test, 3, 1);
    auto harder = task.draw_problems(Split::Harder, 3, 1);
    for (const auto& p : usual)
      CHECK(torch::allclose(p->condition.matmul(p->reference), torch::eye(20), 1e-3, 1e-3));
    auto smallest = [](const std::vector<std::shared_ptr<tensor::TensorProblem>>& ps) {
      double m = 1e9;
      for (const auto& p : ps) m = std::min(m, torch::linalg_eigvalsh(p->condition.to(torch::kDouble)).min().item<double>());
      return m;
    };
    CHECK(smallest(usual) >= 0.5 - 1e-6);
    CHECK(smallest(harder) < 0.5);
    CHECK(smallest(harder) >= 0.1 - 1e-6);
  }

  TEST_CASE("matrix-completion: about half the entries are observed; the condition is the matrix masked") {
    const auto& task = tensor_task("matrix-completion");
    const auto drawn = task.draw_problems(Split::Train, 1, 3);
    const auto& p = *drawn.front();
    auto observed = p.condition != 0;
    const double fraction = observed.to(torch::kFloat).mean().item<double>();
    CHECK(fraction > 0.35);
    CHECK(fraction < 0.65);
    CHECK(torch::equal(p.condition.masked_select(observed), p.reference.masked_select(observed)));
    tensor::TensorAnswer zeros_where_unobserved;
    zeros_where_unobserved.value = p.condition;
    CHECK(task.measure(p, zeros_where_unobserved, nullptr).at("mse") ==
          doctest::Approx((p.reference - p.condition).pow(2).mean().item<double>()));
  }

  TEST_CASE("files: wrong lengths, non-numbers, NaN-like values, bad JSON and wrong answers are refused naming the line") {
    const auto& task = tensor_task("addition");
    CHECK_THROWS_WITH_AS(read_text(task, "{\"size\": 2, \"condition\": [1, 2, 3]}\n"),
                         doctest::Contains("data.jsonl:1: \"condition\" holds 3 numbers, 8 expected"), TaskInputError);
    CHECK_THROWS_WITH_AS(read_text(task, "\n{\"size\": 1, \"condition\": [1, \"x\"]}\n"),
                         doctest::Contains("data.jsonl:2: \"condition\" holds a non-number"), TaskInputError);
    CHECK_THROWS_WITH_AS(read_text(task, "{\"size\": 1, \"condition\": [1, 2], \"answer\": [1e999]}\n"),
                         doctest::Contains("data.jsonl:1:"), TaskInputError);
    CHECK_THROWS_WITH_AS(read_text(task, "{size: 1}\n"), doctest::Contains("data.jsonl:1: not a JSON object"),
                         TaskInputError);
    CHECK_THROWS_WITH_AS(read_text(task, "{\"size\": 0, \"condition\": []}\n"),
                         doctest::Contains("\"size\" must be an integer in [1, 1024]"), TaskInputError);
    // Regression (fuzz/task_read.cpp, connectivity, CI): size 21474836470 overflowed size * size
    // (undefined behaviour) before the length check; sizes above the limit are refused first.
    for (const char* name : {"addition", "connectivity", "matrix-inverse"})
      CHECK_THROWS_WITH_AS(read_text(tensor_task(name), "{\"size\": 21474836470, \"condition\": []}\n"),
                           doctest::Contains("data.jsonl:1: \"size\" must be an integer in [1, 1024]"), TaskInputError);
    CHECK_THROWS_WITH_AS(read_text(task, "{\"size\": 1025, \"condition\": []}\n"),
                         doctest::Contains("\"size\" must be an integer in [1, 1024]"), TaskInputError);
    CHECK_THROWS_WITH_AS(read_text(task, "{\"size\": 1, \"condition\": [1, 2], \"answer\": [4]}\n"),
                         doctest::Contains("the given answer does not solve the problem"), TaskInputError);
    CHECK_THROWS_WITH_AS(read_text(task, "# only a comment\n"), doctest::Contains("no problems found"), TaskInputError);
    // Regression (fuzz/task_read.cpp, matrix-inverse): a finite double beyond float's range became inf,
    // which write_problems() wrote as null and read() then refused.
    CHECK_THROWS_WITH_AS(read_text(task, "{\"size\": 1, \"condition\": [1, 1.8e307]}\n"),
                         doctest::Contains("data.jsonl:1: \"condition\" holds 1.8e+307, beyond the float range"),
                         TaskInputError);
    auto examples = read_text(task, "{\"size\": 1, \"condition\": [1, 2], \"answer\": [3]}\n");
    REQUIRE(examples.size() == 1);
    CHECK(task.verify(*examples[0].problem, *examples[0].solution));
  }

  TEST_CASE("training streams: every drawn training problem is in the train split, none is a test problem") {
    for (const char* name : {"addition", "matrix-inverse", "matrix-completion"}) {
      CAPTURE(name);
      const auto& task = tensor_task(name);
      std::set<uint64_t> test;
      for (const auto& p : task.draw_problems(Split::Test, 50, 1)) test.insert(task.fingerprint(*p));
      for (const auto& p : task.draw_problems(Split::Harder, 50, 1)) test.insert(task.fingerprint(*p));
      for (const auto& p : task.draw_problems(Split::Train, 200, 1)) {
        CHECK(split_of(task.fingerprint(*p)) == Split::Train);
        CHECK(test.count(task.fingerprint(*p)) == 0);
      }
    }
  }

  TEST_CASE("energy and feed-forward train on addition, checkpoint, and answer through the harness") {
    auto task = find_task("addition");
    const auto energy_path = temp_path("ebm_test_addition_energy.ckpt");
    const auto ff_path = temp_path("ebm_test_addition_ff.ckpt");
    TrainingOptions options;
    options.steps = 30;
    options.batch = 32;
    options.validate_every = 30;
    options.learning_rate = 1e-3;
    std::ostringstream log;
    options.output = energy_path;
    TaskParameters energy_parameters = {{"hidden", "32"}, {"layers", "1"}, {"landscapes", "2"},
                                        {"validation-problems", "4"}, {"validation-steps", "2"}};
    auto energy_result = run_training(*task->training_recipe(options, energy_parameters), options, log);
    CHECK(energy_result.metrics.contains("mse"));
    options.output = ff_path;
    TaskParameters ff_parameters = {{"model", "feedforward"}, {"layers", "1"}, {"validation-problems", "4"}};
    auto ff_result = run_training(*task->training_recipe(options, ff_parameters), options, log);
    CHECK(ff_result.losses.front() > ff_result.losses.back());
    CHECK(read_checkpoint_metadata(ff_path).at("kind") == "addition-feedforward");

    SolverContext context;
    std::vector<SolverUnderTest> solvers;
    solvers.push_back({"ebm", make_solver(task, "ebm:model=" + energy_path + ",steps=4", context)});
    solvers.push_back({"feedforward", make_solver(task, "feedforward:" + ff_path, context)});
    const GenerateRequest request{/*count=*/3, /*seed=*/1, Split::Test, {}};
    const auto report = evaluate(*task, generate_examples(*task, request), solvers, HarnessOptions{});
    REQUIRE(report.solvers.size() == 2);
    for (const auto& e : report.solvers) {
      CHECK(e.problems == 3);
      CHECK(e.measures.count("mse") == 1);
      CHECK(e.parameters > 0);
    }
    // A checkpoint of the other kind is refused, naming it.
    CHECK_THROWS_WITH_AS(make_solver(task, "feedforward:" + energy_path, context),
                         doctest::Contains("addition-energy"), CheckpointError);
    CHECK_THROWS_AS(task->training_recipe(options, {{"model", "ar"}}), std::invalid_argument);
    CHECK_THROWS_AS(task->training_recipe(options, {{"objective", "magic"}}), std::invalid_argument);
    for (const auto& path : {energy_path, ff_path}) {
      std::filesystem::remove(path);
      std::filesystem::remove(path + ".optim");
    }
  }
}
