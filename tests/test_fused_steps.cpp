// Fused CPU steps (samplers/fused_steps.h) against the tensor path, which is their reference semantics:
// the same chains and the same seeded noise give the same states, energies and gradients to float
// rounding (tabu: the very same moves); solving with and without them gives the same answers; energies
// without a row kernel (learned, autograd) and chains off the fused path's terms (float64) take the
// tensor path.
#include <doctest/doctest.h>

#include "ebm/builtin_energies.h"
#include "ebm/device.h"
#include "ebm/noise.h"
#include "ebm/samplers/task_solver.h"
#include "samplers/fused_steps.h"
#include "samplers/langevin.h"
#include "samplers/tabu_descent.h"
#include "tasks/coloring/encoding.h"
#include "tasks/coloring/energies.h"
#include "tasks/coloring/generator.h"
#include "tasks/sat/encoding.h"
#include "tasks/sat/energies.h"
#include "tasks/sat/generator.h"
#include "tasks/sudoku/energies.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/task.h"

#include <torch/torch.h>

#include <random>
#include <utility>
#include <vector>

namespace ebm {

namespace {

// Rows of relaxed 9x9 states for one puzzle with givens clamped, under the Sudoku energy with the purity
// weight `purity_weight`, evaluated on the tensor path.
struct SudokuChains {
  Target target;
  ChainBatch chains;
};

SudokuChains sudoku_chains(int64_t rows, double purity_weight, uint64_t seed) {
  const std::string text = "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..";
  auto fixed = torch::full({rows, 81}, -1, torch::kLong);
  for (int c = 0; c < 81; ++c)
    if (text[size_t(c)] != '.') fixed.select(1, c).fill_(text[size_t(c)] - '1');
  const AnswerSpace space = AnswerSpace::categorical(81, 9);
  auto energy = sudoku::make_energy("constraint", 3, "", torch::kCPU);
  std::dynamic_pointer_cast<WeightedSumEnergy>(energy)->set_weight(1, purity_weight);
  SudokuChains out;
  out.target = Target(energy, torch::Tensor(), space, Clamp::categorical(space, fixed, torch::kFloat), rows);
  auto generator = make_generator(seed, torch::kCPU);
  out.chains.y = out.target.finalize(torch::softmax(torch::randn({rows, 81, 9}, generator) * 2.0, -1));
  evaluate_chains(out.target, out.chains, true);
  return out;
}

// One Langevin step of a copy of `start` with the given options and a noise source seeded with `seed`.
ChainBatch langevin_step(const SudokuChains& start, LangevinOptions options, uint64_t seed) {
  LangevinSampler sampler(options);
  NoiseSource noise(seed, torch::kCPU);
  StepContext context;
  context.noise = &noise;
  Target target = start.target;
  ChainBatch chains{start.chains.y.clone(), start.chains.energy.clone(), start.chains.gradient.clone()};
  sampler.step(target, chains, context);
  return chains;
}

double largest_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

// An energy's row kernel, row by row, against its tensor closed form on states y [B, *shape].
void check_row_kernel(Energy& energy, const torch::Tensor& condition, const torch::Tensor& y) {
  auto kernel = energy.row_kernel(condition, y.sizes().slice(1));
  REQUIRE(kernel != nullptr);
  const auto expected = energy.closed_form_energy_and_gradient(condition, y);
  const auto states = y.contiguous();
  const int64_t values = states[0].numel();
  auto gradient = torch::zeros_like(states);
  for (int64_t r = 0; r < y.size(0); ++r) {
    const double e = kernel->accumulate(r, states.data_ptr<float>() + r * values, 0.5f,
                                        gradient.data_ptr<float>() + r * values);
    CHECK(e == doctest::Approx(expected.energy[r].item<double>()).epsilon(1e-5));
  }
  CHECK(largest_difference(gradient, expected.gradient * 0.5) < 1e-5);
}

// `steps` tabu steps from `start` on `target`, fused or on the tensor path, with the same seeded draws.
std::pair<ChainBatch, torch::Tensor> tabu_steps(const Target& target, const ChainBatch& start, bool fused, bool focus,
                                                int64_t steps) {
  TabuDescentOptions options;
  options.fused = fused;
  options.focus = focus;
  TabuDescentSampler sampler(options);
  NoiseSource noise(9, torch::kCPU);
  ChainBatch chains{start.y.clone(), start.energy.clone(), start.gradient.clone()};
  Target own = target;
  StepContext context;
  context.noise = &noise;
  sampler.begin(own, chains, context);
  std::vector<torch::Tensor> energies;
  for (int64_t step = 0; step < steps; ++step) {
    context.step = step;
    sampler.step(own, chains, context);
    energies.push_back(chains.energy.clone());
  }
  return {chains, torch::stack(energies)};
}

}  // namespace

TEST_SUITE("samplers") {

TEST_CASE("fused steps: a fused mirror Langevin step is the tensor path's step, at fixed and at per-row noise") {
  for (double noise : {0.2, 0.0, -1.0}) {
    CAPTURE(noise);
    auto start = sudoku_chains(6, 0.25, 11);
    if (noise < 0) start.target.set_temperature(torch::tensor({0.5, 1.0, 2.0, 0.1, 1.0, 3.0}));
    LangevinOptions options;
    options.step = 1.0, options.noise = noise, options.mirror = true;
    REQUIRE(fused_kernel_for(start.target, start.chains) != nullptr);
    const int64_t before = start.target.evaluations();
    const ChainBatch fused = langevin_step(start, options, 5);
    CHECK(start.target.evaluations() == before + 6);  // counted like an evaluation of every row
    options.fused = false;
    const ChainBatch tensor = langevin_step(start, options, 5);
    CHECK(largest_difference(fused.y, tensor.y) < 2e-6);
    CHECK(largest_difference(fused.gradient, tensor.gradient) < 2e-5);
    CHECK(largest_difference(fused.energy, tensor.energy) < 1e-5 * tensor.energy.abs().max().item<double>());
    CHECK(largest_difference(fused.y.sum(-1), torch::ones({6, 81})) < 1e-5);  // every cell a distribution
    CHECK(fused.gradient.masked_select(start.target.clamp().mask).abs().max().item<double>() == 0.0);
  }
}

TEST_CASE("fused steps: fused tabu steps on the colouring conflicts make the tensor path's moves") {
  // Three flat graphs (V = 60), 4 chains each, random one-hot states; 30 steps of each path from the same
  // state with the same seeded draws.
  coloring::FlatGraphSpec spec;
  spec.vertices = 60;
  const auto graphs = coloring::generate_flat_graphs(spec, 3, 5, Split::Test);
  std::vector<const coloring::Graph*> rows;
  for (const auto& g : graphs)
    for (int c = 0; c < 4; ++c) rows.push_back(g.graph.get());
  const AnswerSpace space = coloring::coloring_space(60, 3, AnswerKind::OneHot);
  Target target(std::make_shared<coloring::ConflictEnergy>(), coloring::edge_lists(rows), space, Clamp{}, 12);
  auto generator = make_generator(2, torch::kCPU);
  ChainBatch start;
  start.y = space.random_init(12, generator, torch::kFloat);
  evaluate_chains(target, start, true);
  REQUIRE(fused_kernel_for(target, start) != nullptr);
  for (bool focus : {false, true}) {
    CAPTURE(focus);
    const auto [fused, fused_energies] = tabu_steps(target, start, true, focus, 30);
    const auto [tensor, tensor_energies] = tabu_steps(target, start, false, focus, 30);
    CHECK(torch::equal(fused.y, tensor.y));  // the same moves, step after step
    CHECK(torch::equal(fused_energies, tensor_energies));
    CHECK(torch::equal(fused.gradient, tensor.gradient));
    CHECK(tensor_energies[29].mean().item<double>() < tensor_energies[0].mean().item<double>());
  }
}

TEST_CASE("fused steps: the row kernels of Sudoku, colouring and SAT give their tensor closed forms") {
  auto generator = make_generator(4, torch::kCPU);
  sudoku::SudokuConstraintEnergy sudoku_energy(3);
  check_row_kernel(sudoku_energy, torch::Tensor(), torch::softmax(torch::randn({3, 81, 9}, generator), -1));
  coloring::FlatGraphSpec spec;
  spec.vertices = 30;
  const auto graphs = coloring::generate_flat_graphs(spec, 2, 3, Split::Test);
  coloring::ConflictEnergy conflicts;
  check_row_kernel(conflicts, coloring::edge_lists({graphs[0].graph.get(), graphs[1].graph.get()}),
                   torch::softmax(torch::randn({2, 30, 3}, generator), -1));
  std::mt19937_64 rng(5);
  sat::RandomKSatOptions shape;
  shape.variables = 40;
  const sat::Formula a = sat::random_k_sat(shape, rng), b = sat::random_k_sat(shape, rng);
  sat::ClauseViolationEnergy clauses;
  const auto index = sat::clause_index({&a, &b}, 40);
  check_row_kernel(clauses, index, torch::softmax(torch::randn({2, 40, 2}, generator), -1));
  // Fused tabu on the clauses makes the tensor path's moves too (focus: variables in violated clauses).
  const AnswerSpace space = AnswerSpace::one_hot(40, 2);
  Target target(std::make_shared<sat::ClauseViolationEnergy>(), index, space, Clamp{}, 2);
  ChainBatch start;
  start.y = space.random_init(2, generator, torch::kFloat);
  evaluate_chains(target, start, true);
  const auto [fused, fused_energies] = tabu_steps(target, start, true, true, 40);
  const auto [tensor, tensor_energies] = tabu_steps(target, start, false, true, 40);
  CHECK(torch::equal(fused.y, tensor.y));
  CHECK(torch::equal(fused_energies, tensor_energies));
}

TEST_CASE("fused steps: only closed-form energies on float32 CPU chains get the fused path") {
  auto start = sudoku_chains(2, 0.0, 3);
  CHECK(fused_kernel_for(start.target, start.chains) != nullptr);
  // A term without a row kernel (the autograd MLP) turns the whole sum's kernel off.
  auto sum = std::make_shared<WeightedSumEnergy>();
  sum->add_term(std::make_shared<sudoku::SudokuConstraintEnergy>(3), 1.0);
  sum->add_term(std::make_shared<MlpEnergy>(729, 8, 1), 0.5);
  Target mixed(sum, torch::Tensor(), start.target.space(), start.target.clamp(), 2);
  CHECK(fused_kernel_for(mixed, start.chains) == nullptr);
  // float64 chains, and shapes the kernel was not made for, keep the tensor path.
  ChainBatch doubles{start.chains.y.to(torch::kDouble), start.chains.energy.to(torch::kDouble),
                     start.chains.gradient.to(torch::kDouble)};
  CHECK(fused_kernel_for(start.target, doubles) == nullptr);
  sudoku::SudokuConstraintEnergy four(2);
  CHECK(four.row_kernel(torch::Tensor(), {81, 9}) == nullptr);
  CHECK(four.row_kernel(torch::Tensor(), {16, 4}) != nullptr);
}

TEST_CASE("fused steps: solving with and without them gives the same answers") {
  auto puzzles = sudoku::generate({3, 4, sudoku::Tier::Expert, 57, 1});
  std::vector<ProblemPtr> problems;
  for (const auto& p : puzzles) problems.push_back(sudoku::make_problem(p.puzzle, "test"));
  EbmSettings settings;
  settings.budget_ms = 20000;
  settings.batch = 2;
  settings.seed = 4;
  const auto fused = solve_with_energy(*sudoku::make_task(), problems, settings);
  settings.sampler = sudoku::default_sampler_spec("constraint");
  settings.sampler.replace(settings.sampler.find("mirror=true"), 11, "mirror=true,fused=false");
  const auto tensor = solve_with_energy(*sudoku::make_task(), problems, settings);
  for (size_t i = 0; i < puzzles.size(); ++i) {
    CAPTURE(i);
    REQUIRE(fused.problems[i].verified);
    REQUIRE(tensor.problems[i].verified);
    CHECK((sudoku::board_of(*fused.problems[i].answer) == puzzles[i].solution));
    CHECK((sudoku::board_of(*tensor.problems[i].answer) == puzzles[i].solution));
    CHECK(fused.problems[i].energy == doctest::Approx(tensor.problems[i].energy).epsilon(1e-6));
  }
}

}  // TEST_SUITE

}  // namespace ebm
