// The hand-fused reference steps of bench/reference_steps/ against the tensor path they stand for: the
// same state and the same normals give the same energy and the same next state.
#include <doctest/doctest.h>

#include "bench/reference_steps/coloring_reference.h"
#include "ebm/runtime/fast_math.h"
#include "bench/reference_steps/reference_chains.h"
#include "bench/reference_steps/sat_reference.h"
#include "bench/reference_steps/sudoku_reference.h"
#include "ebm/builtin_energies.h"
#include "tasks/coloring/encoding.h"
#include "tasks/coloring/energies.h"
#include "tasks/coloring/graph.h"
#include "tasks/sat/cnf.h"
#include "tasks/sat/encoding.h"
#include "tasks/sat/energies.h"
#include "tasks/sudoku/energies.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <vector>

namespace ebm {

TEST_SUITE("samplers") {

TEST_CASE("reference steps: fast_exp and fast_log agree with std::exp and std::log to 3e-7 relative") {
  for (float x = -87.0f; x <= 88.0f; x += 0.37f)
    CHECK(std::abs(fast_math::fast_exp(x) / std::exp(x) - 1.0f) < 3e-7f);
  for (float x = 1e-30f; x < 1e30f; x *= 1.7f)
    CHECK(std::abs(fast_math::fast_log(x) - std::log(x)) < 3e-7f * std::max(1.0f, std::abs(std::log(x))));
}

TEST_CASE("reference steps: one fused Sudoku step is the tensor path's annealed mirror Langevin step") {
  // A 9x9 puzzle with givens; a random relaxed state and random normals, one chain.
  const std::string text = "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..";
  std::vector<int> puzzle;
  for (char ch : text) puzzle.push_back(ch == '.' ? 0 : ch - '0');
  reference_steps::SudokuReferenceChains reference(puzzle, 3, 1, 7);
  torch::manual_seed(3);
  auto free = torch::tensor(std::vector<float>(puzzle.begin(), puzzle.end())).eq(0).to(torch::kFloat).view({1, 81, 1});
  auto givens = torch::zeros({1, 81, 9});
  for (int c = 0; c < 81; ++c)
    if (puzzle[c] > 0) givens[0][c][puzzle[c] - 1] = 1.0;
  auto y = torch::softmax(torch::randn({1, 81, 9}) * 2.0, -1) * free + givens;
  auto z = torch::randn({1, 81, 9});
  const double weight = 0.25;

  std::vector<float> p(y.data_ptr<float>(), y.data_ptr<float>() + 729), log_p(729), noise(z.data_ptr<float>(),
                                                                                         z.data_ptr<float>() + 729);
  for (int i = 0; i < 729; ++i) log_p[i] = p[i] > 0 ? std::log(p[i]) : -1e30f;
  const double fused_energy = reference.step_chain(log_p.data(), p.data(), noise.data(), weight);

  sudoku::SudokuConstraintEnergy constraints(3);
  CategoricalPurityEnergy purity;
  auto [energy, gradient] = constraints.closed_form_energy_and_gradient(torch::Tensor(), y);
  energy = energy + weight * purity.forward(torch::Tensor(), y);
  gradient = gradient + weight * purity.closed_form_gradient(torch::Tensor(), y);
  auto delta = 0.2 * z * free - 1.0 * gradient;  // langevin: step 1.0, noise 0.2, noise masked to free cells
  auto next = torch::softmax(y.clamp_min(1e-12).log() + delta, -1) * free + givens;  // mirror, givens clamped

  CHECK(fused_energy == doctest::Approx(energy.item<double>()).epsilon(1e-5));
  auto fused = torch::from_blob(p.data(), {1, 81, 9}).clone();
  CHECK((fused - next).abs().max().item<double>() < 2e-6);
  for (int i = 0; i < 729; ++i)
    if (puzzle[i / 9] == 0) CHECK(std::abs(std::exp(log_p[i]) - p[i]) < 1e-6);
}

TEST_CASE("reference steps: the fused chains solve an easy puzzle, never an unsolvable one; other tasks get none") {
  auto easy = reference_steps::make_reference_chains(
      "sudoku", "..3.2.6..9..3.5..1..18.64....81.29..7.......8..67.82....26.95..8..2.3..9..5.1.3..\n", 4, 1);
  REQUIRE(easy != nullptr);
  easy->run(2000);
  CHECK(easy->chains_verified() >= 1);
  // bench/unsolvable_sudoku.txt: row 1 forces a 9 into column 9, which already holds one.
  const std::string text = "12345678.........9...............................................................\n";
  auto chains = reference_steps::make_reference_chains("sudoku", text, 4, 1);
  REQUIRE(chains != nullptr);
  chains->run(200);
  CHECK(chains->chains_verified() == 0);
  CHECK(std::isfinite(chains->mean_energy()));
  CHECK(chains->mean_energy() > 0.0);
  CHECK(reference_steps::make_reference_chains("portfolio", text, 4, 1) == nullptr);
  CHECK(reference_steps::make_reference_chains("sudoku", "# variant: x\n" + text, 4, 1) == nullptr);
}

TEST_CASE("reference steps: the fused SAT and colouring passes give the tensor path's energy and gradient") {
  torch::manual_seed(5);
  // SAT: a random 3-SAT formula, a random one-hot state.
  std::ostringstream cnf;
  cnf << "p cnf 30 120\n";
  for (int c = 0; c < 120; ++c) {
    auto variables = torch::randperm(30).narrow(0, 0, 3) + 1;
    for (int l = 0; l < 3; ++l) cnf << (torch::rand({1}).item<double>() < 0.5 ? -1 : 1) * variables[l].item<int64_t>() << " ";
    cnf << "0\n";
  }
  std::istringstream cnf_in(cnf.str());
  const sat::Formula formula = sat::read_dimacs(cnf_in, "test");
  std::vector<std::vector<int>> clauses;
  for (const auto& clause : formula.clauses) clauses.emplace_back(clause.begin(), clause.end());
  reference_steps::SatReferenceChains sat_chains(30, clauses, 1, 1);
  auto y = torch::one_hot(torch::randint(2, {1, 30}), 2).to(torch::kFloat);
  std::vector<float> gradient(60);
  const double fused = sat_chains.energy_and_gradient(y.data_ptr<float>(), gradient.data());
  sat::ClauseViolationEnergy clause_energy;
  auto [energy, expected] = clause_energy.closed_form_energy_and_gradient(sat::clause_index({&formula}, 30), y);
  CHECK(fused == doctest::Approx(energy.item<double>()));
  CHECK((torch::from_blob(gradient.data(), {1, 30, 2}) - expected).abs().max().item<double>() < 1e-6);

  // Colouring: a random graph, a random colouring with 3 colours.
  coloring::Graph graph;
  graph.vertices = 40;
  std::vector<std::pair<int, int>> edges;
  for (int u = 0; u < 40; ++u)
    for (int v = u + 1; v < 40; ++v)
      if (torch::rand({1}).item<double>() < 0.1) graph.edges.emplace_back(u, v), edges.emplace_back(u, v);
  reference_steps::ColoringReferenceChains coloring_chains(40, 3, edges, 1, 1);
  auto colors = torch::randint(3, {40}, torch::kInt);
  std::vector<float> color_gradient(120);
  const double fused_conflicts = coloring_chains.energy_and_gradient(colors.data_ptr<int32_t>(), color_gradient.data());
  coloring::ConflictEnergy conflicts;
  auto one_hot = torch::one_hot(colors.to(torch::kLong), 3).to(torch::kFloat).unsqueeze(0);
  auto [coloring_energy, coloring_expected] =
      conflicts.closed_form_energy_and_gradient(coloring::edge_lists({&graph}), one_hot);
  CHECK(fused_conflicts == doctest::Approx(coloring_energy.item<double>()));
  CHECK((torch::from_blob(color_gradient.data(), {1, 40, 3}) - coloring_expected).abs().max().item<double>() < 1e-6);
}

TEST_CASE("reference steps: fused gwg satisfies an easy formula and tabu colours a small bipartite graph") {
  // Ten two-literal clauses (a cycle of ORs, satisfied by all true); no chain satisfies x1 and not x1.
  std::string easy = "p cnf 10 10\n";
  for (int v = 1; v <= 10; ++v) easy += std::to_string(v) + " " + std::to_string(v % 10 + 1) + " 0\n";
  auto sat_chains = reference_steps::make_reference_chains("sat", easy, 4, 2);
  sat_chains->run(200);
  CHECK(sat_chains->chains_verified() == 4);
  auto never = reference_steps::make_reference_chains("sat", "p cnf 1 2\n1 0\n-1 0\n", 4, 2);
  never->run(200);
  CHECK(never->chains_verified() == 0);
  CHECK(never->mean_energy() == 1.0);
  // A 6-cycle with 2 colours (bipartite) is coloured; a triangle with 2 colours never is.
  std::string cycle = "c 6-vertex graph, 2 colours asked\np edge 6 6\n";
  for (int v = 1; v <= 6; ++v) cycle += "e " + std::to_string(v) + " " + std::to_string(v % 6 + 1) + "\n";
  auto coloring_chains = reference_steps::make_reference_chains("coloring", cycle, 4, 3);
  coloring_chains->run(300);
  CHECK(coloring_chains->chains_verified() == 4);
  auto triangle = reference_steps::make_reference_chains(
      "coloring", "c 3-vertex graph, 2 colours asked\np edge 3 3\ne 1 2\ne 2 3\ne 1 3\n", 4, 3);
  triangle->run(300);
  CHECK(triangle->chains_verified() == 0);
  CHECK(triangle->mean_energy() == 1.0);
}

}  // TEST_SUITE

}  // namespace ebm
