// Disjoint Sudoku data splits: a puzzle belongs to the split of its solution grid's fingerprint, so
// training, validation and test streams never share a puzzle or a grid, whatever their seeds.
#include <torch/types.h>

#include <doctest/doctest.h>

#include "ebm/task.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/task.h"
#include "tasks/sudoku/training_data.h"

#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace ebm;
using namespace ebm::sudoku;

namespace {

struct Lines {
  std::set<std::string> puzzles, solutions;
};

Lines lines_of(const std::vector<GeneratedPuzzle>& generated) {
  Lines lines;
  for (const auto& g : generated) {
    lines.puzzles.insert(to_line(g.puzzle));
    lines.solutions.insert(to_line(g.solution));
  }
  return lines;
}

size_t shared(const std::set<std::string>& a, const std::set<std::string>& b) {
  size_t count = 0;
  for (const auto& line : a) count += b.count(line);
  return count;
}

std::vector<GeneratedPuzzle> stream(int box, Tier tier, uint64_t seed, int count, Split split) {
  GeneratorOptions options;
  options.box = box;
  options.tier = tier;
  options.seed = seed;
  options.count = count;
  options.split = split;
  return generate(options);
}

void check_in_split(const std::vector<GeneratedPuzzle>& generated, Split split) {
  for (const auto& g : generated) {
    CAPTURE(to_line(g.solution));
    CHECK(split_of(solution_fingerprint(g.solution)) == split);
  }
}

}  // namespace

TEST_SUITE("splits") {
  TEST_CASE("every generated puzzle's solution fingerprint lies in its split; Test is the default") {
    CHECK(GeneratorOptions().split == Split::Test);
    for (Split split : {Split::Train, Split::Validation, Split::Test}) {
      CAPTURE(split_name(split));
      check_in_split(stream(2, Tier::Easy, 5, 12, split), split);
      check_in_split(stream(3, Tier::Medium, 5, 12, split), split);
      CHECK(generate_one(3, Tier::Medium, 5, 3, split).solution == stream(3, Tier::Medium, 5, 4, split)[3].solution);
    }
    check_in_split(stream(3, Tier::Hard, 11, 4, Split::Test), Split::Test);
    check_in_split(validation_boards(3, 2, 0), Split::Validation);
  }

  TEST_CASE("streams of different splits share no puzzle and no solution grid, even with the same seeds") {
    // 4x4 has only 288 grids: without splits, 40-puzzle streams would collide almost surely.
    for (int box : {2, 3}) {
      CAPTURE(box);
      for (uint64_t seed = 1; seed <= 3; ++seed) {
        CAPTURE(seed);
        const Lines train = lines_of(stream(box, Tier::Medium, seed, 40, Split::Train));
        const Lines validation = lines_of(stream(box, Tier::Medium, seed, 40, Split::Validation));
        const Lines test = lines_of(stream(box, Tier::Medium, seed, 40, Split::Test));
        CHECK(shared(train.solutions, validation.solutions) == 0);
        CHECK(shared(train.solutions, test.solutions) == 0);
        CHECK(shared(validation.solutions, test.solutions) == 0);
        CHECK(shared(train.puzzles, test.puzzles) == 0);
        CHECK(shared(train.puzzles, validation.puzzles) == 0);
        CHECK(shared(validation.puzzles, test.puzzles) == 0);
      }
    }
  }

  TEST_CASE("the shipped recipe's training data shares nothing with `generate --tier hardest --seed 1..3`") {
    // Before the splits, training tier k used generator seed 0 * 7919 + k, so its hardest boards were
    // exactly `generate --tier hardest --seed 3`. Puzzle i of a stream depends only on (seed, i, tier,
    // split), so these 10 boards per tier are the first of the shipped recipe's 1000, and the
    // fingerprint check covers the rest.
    const auto training = training_boards(3, 40, "medium,hard,expert,hardest", 0);
    check_in_split(training, Split::Train);
    const Lines train = lines_of(training);
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      CAPTURE(seed);
      const auto test_data = stream(3, Tier::Hardest, seed, 10, Split::Test);
      check_in_split(test_data, Split::Test);
      const Lines test = lines_of(test_data);
      CHECK(shared(train.puzzles, test.puzzles) == 0);
      CHECK(shared(train.solutions, test.solutions) == 0);
    }
  }
  TEST_CASE("both trainers' boards lie in the train split, their validation puzzles in validation, as the task decides") {
    // The task decides a problem's split from its content (Task::split_fingerprint, which finds the
    // solution grid with the reference solver), independently of how the generator was called. Every
    // board the trainers use must land in train or validation, never in test (what eval and bench draw).
    const TaskPtr task = make_task();
    for (int box : {2, 3}) {
      CAPTURE(box);
      DataSettings settings;
      settings.train_puzzles = box == 2 ? 40 : 12;
      settings.tiers = box == 2 ? "easy,medium,hard,expert,hardest" : "medium,hard,expert,hardest";
      settings.validation_puzzles = 3;
      std::ostringstream log;
      const TrainingData data = prepare_training_data(box, settings, log);
      REQUIRE(data.puzzles.size() == static_cast<size_t>(settings.train_puzzles));
      for (const auto& puzzle : data.puzzles)
        CHECK(split_of(task->split_fingerprint(*make_problem(puzzle, "train"))) == Split::Train);
      std::vector<Board> validation = data.validation;
      for (Tier tier : {Tier::Easy, Tier::Medium, Tier::Hard, Tier::Expert})
        for (const auto& g : validation_boards(box, 3, settings.seed, tier)) validation.push_back(g.puzzle);
      for (const auto& puzzle : validation)
        CHECK(split_of(task->split_fingerprint(*make_problem(puzzle, "validation"))) == Split::Validation);
      // And what eval generates is test data.
      const GenerateRequest request{3, settings.seed, Split::Test, {{"box", std::to_string(box)}, {"tier", "medium"}}};
      for (const auto& example : task->generate(request))
        CHECK(split_of(task->split_fingerprint(*example.problem)) == Split::Test);
    }
  }
}
