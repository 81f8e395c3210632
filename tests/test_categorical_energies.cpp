// The task-neutral energies learned from solved examples, on known answers. The pairwise energy
// (ebm/pairwise_energy.h, ebm/learning/pairwise_training.h): its closed-form gradient,
// pseudo-likelihood recovering the 4x4 Sudoku's unit pairs from solved grids alone, the null-space
// fit being 0 on every valid grid it never saw and > 0 on a broken one, `ebm train sudoku --model
// pairwise` solving 4x4 puzzles through the ordinary solve path, contrastive training. The attention
// energy (ebm/attention_energy.h, ebm/learning/attention_training.h): its recipe learns (the
// denoising loss falls) and its checkpoint loads into `--energy attention`.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/checkpoint.h"
#include "ebm/learning/attention_training.h"
#include "ebm/learning/pairwise_training.h"
#include "ebm/pairwise_energy.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"
#include "ebm/trainer.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/task.h"

#include <cmath>
#include <filesystem>
#include <functional>
#include <sstream>
#include <vector>

using namespace ebm;

namespace {

// Every valid 4x4 Sudoku grid (288 of them), digits 0..3, by plain enumeration.
std::vector<std::vector<int64_t>> all_4x4_grids() {
  std::vector<std::vector<int64_t>> grids;
  std::vector<int64_t> g(16, -1);
  std::function<void(int)> fill = [&](int cell) {
    if (cell == 16) return grids.push_back(g);
    const int r = cell / 4, c = cell % 4;
    for (int d = 0; d < 4; ++d) {
      bool ok = true;
      for (int other = 0; other < cell && ok; ++other) {
        const int orow = other / 4, ocol = other % 4;
        const bool peer = orow == r || ocol == c || (orow / 2 == r / 2 && ocol / 2 == c / 2);
        ok = !(peer && g[other] == d);
      }
      if (!ok) continue;
      g[cell] = d;
      fill(cell + 1);
      g[cell] = -1;
    }
  };
  fill(0);
  return grids;
}

torch::Tensor stack_grids(const std::vector<std::vector<int64_t>>& grids, size_t begin, size_t end) {
  std::vector<torch::Tensor> rows;
  for (size_t i = begin; i < end; ++i) rows.push_back(torch::tensor(grids[i], torch::kLong));
  return torch::stack(rows);
}

// `count` solved 9x9 grids of the train split, as categories [count, 81].
torch::Tensor solved_9x9_grids(int64_t count) {
  GenerateRequest request;
  request.count = count;
  request.seed = 4;
  request.split = Split::Train;
  request.parameters = {{"tier", "easy"}};
  std::vector<torch::Tensor> rows;
  for (const auto& example : generate_examples(*find_task("sudoku"), request)) {
    std::vector<int64_t> cells;
    for (int digit : sudoku::board_of(*example.solution).cells) cells.push_back(digit - 1);
    rows.push_back(torch::tensor(cells, torch::kLong));
  }
  return torch::stack(rows);
}

// `ebm train sudoku` with these parameters and loop settings, its checkpoint written to a fresh
// temporary `name`.ckpt; returns the path and fills *log.
std::string train_sudoku(const std::string& name, const TaskParameters& parameters, int64_t steps, int64_t batch,
                         double learning_rate, std::string* log = nullptr, TrainingResult* result = nullptr) {
  const auto path = (std::filesystem::temp_directory_path() / (name + ".ckpt")).string();
  std::filesystem::remove(path);
  TrainingOptions options;
  options.steps = steps;
  options.validate_every = steps;
  options.batch = batch;
  options.learning_rate = learning_rate;
  options.seed = 2;
  options.output = path;
  std::ostringstream out;
  auto run = run_training(*make_training_recipe(*find_task("sudoku"), options, parameters), options, out);
  if (log) *log = out.str();
  if (result) *result = run;
  return path;
}

}  // namespace

TEST_SUITE("learned") {

TEST_CASE("pairwise energy: the closed-form energy and gradient are those of 1/2 x^T J x - h^T x + c") {
  torch::manual_seed(3);
  PairwiseEnergy energy({3, 2});
  auto j = torch::randn({6, 6});
  auto h = torch::randn({6});
  energy.assign(j, h, 0.5);
  auto y = torch::softmax(torch::randn({4, 3, 2}), -1).requires_grad_(true);
  auto x = y.reshape({4, 6});
  auto js = (j + j.t()) * 0.5;
  auto expected = 0.5 * (x.matmul(js) * x).sum(1) - x.matmul(h) + 0.5;
  auto grad = torch::autograd::grad({expected.sum()}, {y})[0];
  auto got = energy.closed_form_energy_and_gradient({}, y.detach());
  CHECK(torch::allclose(got.energy, expected.detach(), 1e-5, 1e-5));
  CHECK(torch::allclose(got.gradient, grad, 1e-5, 1e-5));
  CHECK_THROWS_WITH_AS(energy.forward({}, torch::zeros({1, 2, 3})), doctest::Contains("[B, 3, 2]"), std::invalid_argument);
}

TEST_CASE("pairwise energy: pseudo-likelihood finds exactly the 810 unit pairs of 9x9 Sudoku from 1000 solved grids") {
  const auto path = train_sudoku("ebm_test_pairwise_pl",
                                 {{"model", "pairwise"}, {"pairwise-objective", "pseudo-likelihood"},
                                  {"train-puzzles", "1000"}, {"validation-puzzles", "8"}},
                                 400, 256, 0.05);
  auto energy = load_pairwise_energy(path, torch::kCPU);
  CHECK(pseudo_likelihood_loss(*energy, solved_9x9_grids(50)).item<double>() < 0.2);
  const auto graph = strong_pairs(energy->interaction_strength());
  const auto recovery = pair_recovery(graph.strong, sudoku::peer_pairs(3));
  CHECK(recovery.truth == 810);
  CHECK(recovery.found == 810);
  CHECK(recovery.precision == 1.0);
  CHECK(recovery.recall == 1.0);
  CHECK(graph.gap_ratio > 3.0);
  std::filesystem::remove(path);
}

TEST_CASE("pairwise energy: the null-space fit is 0 on valid grids it never saw and > 0 on a broken one") {
  const auto grids = all_4x4_grids();
  // Every other grid (in enumeration order) to fit, the rest held out.
  const auto all = stack_grids(grids, 0, grids.size());
  const auto [energy, fit] = fit_null_space(all.slice(0, 0, 288, 2), 4, 1.0);
  CHECK(energy->shape().rank == fit.rules);
  CHECK(fit.examples == 144);
  CHECK(fit.rules > 16);  // more than the one-category-per-cell rules: the units'
  CHECK(fit.smallest_freedom > 1e3 * fit.largest_rule);
  auto held_out = torch::one_hot(all.slice(0, 1, 288, 2), 4).to(torch::kFloat);
  CHECK(energy->forward({}, held_out).abs().max().item<double>() < 1e-3);
  auto broken = stack_grids(grids, 200, 201);
  const int64_t first = broken[0][0].item<int64_t>();  // two cells of one row swap digits: columns break
  broken[0][0] = broken[0][1].item<int64_t>();
  broken[0][1] = first;
  const double e = energy->forward({}, torch::one_hot(broken.clone(), 4).to(torch::kFloat)).item<double>();
  CHECK(e > 0.5);
  CHECK_THROWS_AS(fit_null_space(torch::zeros({1, 16}, torch::kLong), 4, 1.0), std::invalid_argument);
}

TEST_CASE("pairwise energy: `train sudoku --model pairwise` fits 4x4 grids, and its checkpoint solves 4x4 puzzles") {
  auto task = find_task("sudoku");
  std::string log;
  const auto path = train_sudoku("ebm_test_pairwise4",
                                 {{"model", "pairwise"}, {"box", "2"}, {"train-puzzles", "200"}, {"tiers", "easy"},
                                  {"validation-tiers", "easy"}},
                                 1, 32, 1e-3, &log);
  CHECK(log.find("null-space fit on 200 answers") != std::string::npos);
  const auto metadata = read_checkpoint_metadata(path);
  CHECK(metadata["kind"] == kPairwiseEnergyKind);
  CHECK(metadata["architecture"]["variables"] == 16);
  CHECK(metadata["metrics"]["validation_conditional_accuracy"].get<double>() == 1.0);

  GenerateRequest request;
  request.count = 6;
  request.seed = 11;
  request.parameters = {{"box", "2"}, {"tier", "easy"}};
  std::vector<ProblemPtr> problems;
  for (const auto& example : generate_examples(*task, request)) problems.push_back(example.problem);
  EbmSettings settings;
  settings.energy = {"pairwise", path, nullptr};
  settings.budget_ms = 5000;
  const auto report = solve_with_energy(*task, problems, settings);
  for (const auto& p : report.problems) CHECK(p.verified);

  settings.energy = {"pairwise", path, nullptr};
  std::istringstream blank_9x9(std::string(81, '.'));
  std::vector<ProblemPtr> nine = {task->read(blank_9x9, "x", {})[0].problem};
  CHECK_THROWS_WITH_AS(solve_with_energy(*task, nine, settings), doctest::Contains("81 of 9"), std::invalid_argument);
  // Before any puzzle is read (eval and serve check a solver spec so), a model of any board size builds.
  CHECK(task->make_energy({"pairwise", path, nullptr}, {}, torch::kCPU) != nullptr);
  CHECK(make_solver(task, "ebm:energy=pairwise,model=" + path, SolverContext{}) != nullptr);
  CHECK_THROWS_WITH_AS(load_pairwise_energy(path + ".missing", torch::kCPU), doctest::Contains("missing"), std::exception);
  std::filesystem::remove(path);
}

TEST_CASE("pairwise energy: contrastive training with a replay buffer ranks valid grids below random ones") {
  const auto path = train_sudoku("ebm_test_pairwise_cd",
                                 {{"model", "pairwise"}, {"box", "2"}, {"train-puzzles", "200"}, {"tiers", "easy"},
                                  {"validation-tiers", "easy"}, {"pairwise-objective", "contrastive"},
                                  {"replay-buffer", "256"}},
                                 150, 32, 0.02);
  auto energy = load_pairwise_energy(path, torch::kCPU);
  const auto grids = all_4x4_grids();
  auto valid = torch::one_hot(stack_grids(grids, 0, grids.size()), 4).to(torch::kFloat);
  torch::manual_seed(5);
  auto random = torch::one_hot(torch::randint(4, {288, 16}, torch::kLong), 4).to(torch::kFloat);
  CHECK(energy->forward({}, valid).mean().item<double>() < energy->forward({}, random).mean().item<double>());
  std::filesystem::remove(path);
}

TEST_CASE("attention energy: denoising training on 4x4 Sudoku beats chance, and the checkpoint loads for solving") {
  auto task = find_task("sudoku");
  TrainingResult result;
  const auto path = train_sudoku("ebm_test_attention4",
                                 {{"model", "attention"}, {"box", "2"}, {"train-puzzles", "200"}, {"tiers", "easy"},
                                  {"validation-tiers", "easy"}, {"attention-width", "32"}, {"attention-layers", "2"}},
                                 300, 32, 1e-2, nullptr, &result);
  REQUIRE(result.losses.size() == 300);
  for (double loss : result.losses) REQUIRE(std::isfinite(loss));
  const auto metadata = read_checkpoint_metadata(path);
  CHECK(metadata["kind"] == kAttentionEnergyKind);
  CHECK(metadata["architecture"]["variables"] == 16);
  // Better than chance (1/4) at naming each free cell's digit from its gradient at the uniform board.
  CHECK(metadata["metrics"]["validation_first_step_accuracy"].get<double>() > 0.3);
  std::istringstream blank_4x4(std::string(16, '.'));
  const std::vector<ProblemPtr> four = {task->read(blank_4x4, "x", {})[0].problem};
  auto energy = task->make_energy({"attention", path, nullptr}, four, torch::kCPU);
  CHECK(energy->forward({}, torch::full({2, 16, 4}, 0.25)).sizes() == torch::IntArrayRef{2});
  CHECK_THROWS_WITH_AS(load_pairwise_energy(path, torch::kCPU), doctest::Contains("kind"), std::exception);
  std::filesystem::remove(path);
}

}  // TEST_SUITE
