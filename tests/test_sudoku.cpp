// Known-answer tests of the Sudoku task's tensor side: encoding, energies, the EBM solver, the
// learned energy's checkpoint.
#include <doctest/doctest.h>

#include "ebm/checkpoint.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/energies.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/learned_energy.h"
#include "ebm/samplers/task_solver.h"
#include "tasks/sudoku/task.h"
#include "tasks/sudoku/training.h"
#include "tasks/sudoku/trial_and_error.h"

#include <torch/torch.h>

#include <filesystem>
#include <sstream>

using namespace ebm;
using namespace ebm::sudoku;

namespace {
// Givens consistent with the rules, yet unsolvable: row 1 forces a 9 into column 9, which already
// holds a 9 in row 2.
const char* kContradictory =
    "12345678.........9...............................................................";

// The boards through the generic EBM solver, as `ebm solve sudoku` runs them.
std::vector<Board> puzzle_boards(const std::vector<GeneratedPuzzle>& puzzles) {
  std::vector<Board> boards;
  for (const auto& p : puzzles) boards.push_back(p.puzzle);
  return boards;
}

SolveReport solve_boards(const std::vector<Board>& boards, const EbmSettings& settings) {
  std::vector<ProblemPtr> problems;
  for (const auto& b : boards) problems.push_back(make_problem(b, "test"));
  return solve_with_energy(*make_task(), problems, settings);
}
}  // namespace

TEST_SUITE("sudoku") {
  TEST_CASE("constraint energy: exactly 0 on a solved board, > 0 on every single-cell corruption") {
    auto puzzles = generate({3, 2, Tier::Hard, 5, 1});
    SudokuConstraintEnergy energy(3);
    for (const auto& p : puzzles) {
      auto solved = one_hot_boards({p.solution}, torch::kFloat);
      CHECK(energy.forward({}, solved).item<float>() == 0.0f);
      for (int cell = 0; cell < 81; ++cell) {
        for (int digit = 1; digit <= 9; ++digit) {
          if (digit == p.solution.cells[cell]) continue;
          Board corrupted = p.solution;
          corrupted.cells[cell] = digit;
          auto e = energy.forward({}, one_hot_boards({corrupted}, torch::kFloat)).item<float>();
          REQUIRE(e > 0.0f);
        }
      }
    }
  }

  TEST_CASE("constraint energy: closed-form gradient equals autograd; 4x4 and 16x16 too") {
    for (int box : {2, 3, 4}) {
      CAPTURE(box);
      const int64_t n = box * box;
      SudokuConstraintEnergy energy(box);
      auto p = torch::softmax(torch::randn({3, n * n, n}, torch::kDouble), -1).requires_grad_(true);
      auto autograd = torch::autograd::grad({energy.forward({}, p).sum()}, {p})[0];
      auto closed = energy.closed_form_energy_and_gradient({}, p.detach());
      CHECK(torch::allclose(closed.gradient, autograd, 1e-10, 1e-10));
      CHECK(torch::allclose(closed.energy, energy.forward({}, p.detach())));
    }
  }

  TEST_CASE("encoding: givens, clamp, decoding and the batched verifier agree with the board verifier") {
    auto puzzles = generate({3, 3, Tier::Medium, 9, 1});
    std::vector<Board> boards, solutions;
    for (const auto& p : puzzles) {
      boards.push_back(p.puzzle);
      solutions.push_back(p.solution);
    }
    auto givens = encode_givens(boards);
    auto decoded = one_hot_boards(solutions, torch::kFloat).argmax(-1);
    CHECK(valid_completions(decoded, givens, 3).all().item<bool>());
    CHECK((decode_boards(decoded, 3) == solutions));
    auto broken = decoded.clone();
    broken[1][0] = (broken[1][0].item<int64_t>() + 1) % 9;
    auto ok = valid_completions(broken, givens, 3);
    CHECK(ok[0].item<bool>());
    CHECK(!ok[1].item<bool>());
    auto space = answer_space(3);
    auto clamp = givens_clamp(space, givens, torch::kFloat);
    auto fixed = clamp.apply(torch::full({3, 81, 9}, 1.0 / 9));
    CHECK(torch::equal(space.decode(fixed).masked_select(givens >= 0), givens.masked_select(givens >= 0)));
  }

  TEST_CASE("EBM solver: solves generated puzzles, keeps every given, reports verified only when valid") {
    auto puzzles = generate({3, 4, Tier::Expert, 21, 1});
    const auto boards = puzzle_boards(puzzles);
    EbmSettings settings;
    settings.budget_ms = 20000;
    settings.batch = 2;
    auto report = solve_boards(boards, settings);
    REQUIRE(report.problems.size() == 4);
    for (size_t i = 0; i < boards.size(); ++i) {
      CAPTURE(i);
      CHECK(report.problems[i].verified);
      CHECK((board_of(*report.problems[i].answer) == puzzles[i].solution));  // unique solution
      CHECK(report.problems[i].energy == doctest::Approx(0.0).epsilon(1e-6));
    }
  }

  TEST_CASE("EBM solver: two workers give the answers, steps and energies of one, in input order") {
    auto puzzles = generate({3, 6, Tier::Expert, 33, 1});
    const auto boards = puzzle_boards(puzzles);
    EbmSettings settings;
    settings.budget_ms = 20000;
    settings.batch = 1;
    settings.seed = 3;
    const auto alone = solve_boards(boards, settings);
    settings.workers = 2;
    std::vector<size_t> progress;
    std::vector<ProblemPtr> problems;
    for (const auto& b : boards) problems.push_back(make_problem(b, "test"));
    const auto side_by_side = solve_with_energy(*make_task(), problems, settings,
                                                [&](size_t done, size_t) { progress.push_back(done); });
    REQUIRE(side_by_side.problems.size() == 6);
    CHECK(progress.size() == 6);
    CHECK(progress.back() == 6);
    for (size_t i = 0; i < boards.size(); ++i) {
      CAPTURE(i);
      CHECK(side_by_side.problems[i].verified);
      CHECK((board_of(*side_by_side.problems[i].answer) == puzzles[i].solution));
      CHECK(side_by_side.problems[i].steps == alone.problems[i].steps);
      CHECK(side_by_side.problems[i].energy == alone.problems[i].energy);
    }
    settings.workers = 0;
    CHECK_THROWS_WITH_AS(solve_boards(boards, settings), doctest::Contains("workers must be >= 1"), std::invalid_argument);
  }

  TEST_CASE("T&E rating: singles solve easy puzzles, T&E(1) expert ones, the published hardest need T&E(2)") {
    for (const auto& p : generate({3, 3, Tier::Easy, 3, 1})) CHECK(rate_trial_and_error(p.puzzle, 2).depth == 0);
    for (const auto& p : generate({3, 3, Tier::Expert, 3, 1})) {
      const auto rating = rate_trial_and_error(p.puzzle, 2);
      CHECK(rating.depth == 1);
      CHECK(rating.undecided_after_1 == 0);
      CHECK(rating.eliminations_1 > 0);
    }
    // Easter Monster (bench/data/published_hardest.txt): T&E(1) with singles leaves 60 cells undecided.
    const auto monster = parse_board("1.......2.9.4...5...6...7...5.9.3.......7.......85..4.7.....6...3...9.8...2.....1");
    const auto rating = rate_trial_and_error(monster, 2);
    CHECK(rating.depth == 2);
    CHECK(rating.undecided_after_1 == 60);
    CHECK(rate_trial_and_error(monster, 1).depth == -1);
    CHECK(rate_trial_and_error(parse_board(kContradictory), 1).depth == -1);
    CHECK_THROWS_AS(rate_trial_and_error(monster, 3), std::invalid_argument);
  }

  TEST_CASE("EBM solver: a contradictory puzzle ends unsolved, never as an answer") {
    Board puzzle = parse_board(kContradictory);
    EbmSettings settings;
    settings.budget_ms = 300;
    auto report = solve_boards({puzzle}, settings);
    CHECK(!report.problems[0].verified);
    CHECK(report.problems[0].ms >= 250.0);
  }

  TEST_CASE("learned energy: checkpoint round trip and a clear refusal of a mismatched file") {
    LearnedEnergyConfig config;
    config.hidden = 16;
    config.layers = 2;
    auto net = std::make_shared<SudokuEnergyNet>(config);
    auto path = (std::filesystem::temp_directory_path() / "ebm_test_sudoku_energy.ckpt").string();
    save_checkpoint(path, *net, {{"kind", kLearnedEnergyKind}, {"architecture", config.to_json()}}, "test");
    auto loaded = load_learned_energy(path, torch::kCPU);
    auto givens = encode_givens({parse_board(kContradictory)});
    auto p = torch::softmax(torch::randn({1, 81, 9}), -1);
    CHECK(torch::allclose(net->forward(givens, p), loaded->forward(givens, p)));
    CHECK(loaded->config().hidden == 16);
    // A file of another kind is refused, naming the kinds.
    save_checkpoint(path, *net, {{"kind", "ar-transformer"}, {"architecture", config.to_json()}}, "test");
    CHECK_THROWS_WITH_AS(load_learned_energy(path, torch::kCPU), doctest::Contains("kind mismatch"), CheckpointError);
    std::filesystem::remove(path);
  }

  // Regression (fuzz/checkpoint.cpp): an architecture of hidden 4096 x 64 layers in a file of 8 KB had
  // the loader build a 17-GB network before looking at the weights.
  TEST_CASE("learned energy: an architecture larger than the file's weights is refused before it is built") {
    LearnedEnergyConfig config;
    config.box = 2;
    config.hidden = 2;
    config.layers = 1;
    SudokuEnergyNet net(config);
    CHECK(config.parameter_count() == parameter_count(net));
    LearnedEnergyConfig huge = config;
    huge.hidden = 4096;
    huge.layers = 64;
    CHECK(huge.parameter_count() == 9 * 4096 + 4096 + 64 * (8 * 4096LL * 4096 + 2 * 4096 + 2 * 4096LL * 4096 + 4096) + 4097);
    auto path = (std::filesystem::temp_directory_path() / "ebm_test_sudoku_energy_huge.ckpt").string();
    save_checkpoint(path, net, {{"kind", kLearnedEnergyKind}, {"architecture", huge.to_json()}}, "test");
    CHECK_THROWS_WITH_AS(load_learned_energy(path, torch::kCPU),
                         doctest::Contains("parameters, above the limit of 1000000000"),
                         CheckpointError);
    std::filesystem::remove(path);
  }

  TEST_CASE("training: checkpoints with its recipe and metrics, and resumes where it stopped") {
    TrainSettings settings;
    settings.architecture.hidden = 8;
    settings.architecture.layers = 1;
    settings.loop.steps = 4;
    settings.loop.batch = 4;
    settings.data.train_puzzles = 8;
    settings.loop.validate_every = 4;
    settings.data.validation_puzzles = 2;
    settings.validation_budget_ms = 100;
    settings.loop.output = (std::filesystem::temp_directory_path() / "ebm_test_train.ckpt").string();
    settings.loop.command_line = "test";
    std::ostringstream log;
    auto first = run_training(*energy_training_recipe(settings), settings.loop, log);
    CHECK(first.steps == 4);
    auto metadata = read_checkpoint_metadata(settings.loop.output);
    CHECK(metadata["training"]["step"] == 4);
    CHECK(metadata["training"]["command"] == "test");
    CHECK(metadata["metrics"].contains("validation_solved_combined"));
    settings.loop.steps = 6;
    settings.loop.resume = true;
    auto resumed = run_training(*energy_training_recipe(settings), settings.loop, log);
    CHECK(resumed.steps == 6);
    CHECK(log.str().find("resumed") != std::string::npos);
    CHECK(read_checkpoint_metadata(settings.loop.output)["training"]["step"] == 6);
    std::filesystem::remove(settings.loop.output);
    std::filesystem::remove(settings.loop.output + ".optim");
  }
}
