// The hand-fused reference steps of bench/reference_steps/ against the tensor path they stand for: the
// same state and the same normals give the same energy and the same next state.
#include <doctest/doctest.h>

#include "bench/reference_steps/reference_chains.h"
#include "bench/reference_steps/fast_math.h"
#include "bench/reference_steps/sudoku_reference.h"
#include "ebm/builtin_energies.h"
#include "tasks/sudoku/energies.h"

#include <torch/torch.h>

#include <cmath>
#include <vector>

namespace ebm {

TEST_SUITE("samplers") {

TEST_CASE("reference steps: fast_exp and fast_log agree with std::exp and std::log to 3e-7 relative") {
  for (float x = -87.0f; x <= 88.0f; x += 0.37f)
    CHECK(std::abs(reference_steps::fast_exp(x) / std::exp(x) - 1.0f) < 3e-7f);
  for (float x = 1e-30f; x < 1e30f; x *= 1.7f)
    CHECK(std::abs(reference_steps::fast_log(x) - std::log(x)) < 3e-7f * std::max(1.0f, std::abs(std::log(x))));
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

}  // TEST_SUITE

}  // namespace ebm
