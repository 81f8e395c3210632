// Sudoku variants (Sudoku-X, jigsaw): known-answer tests of the layouts, the verifier, the DLX
// reference and the generator on them, the file header, the refusal of the hand-written energies, and
// a small end-to-end run of the only energy they have, a pairwise energy learned from solved grids.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"
#include "ebm/tasks/sudoku/board.h"
#include "ebm/trainer.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/reference_solver.h"
#include "tasks/sudoku/task.h"

#include <filesystem>
#include <set>
#include <sstream>
#include <string>

using namespace ebm;
using namespace ebm::sudoku;

namespace {

// A Sudoku-X grid: every row, column, box and both main diagonals hold 1..9 (checked by an
// independent script and by hand on the diagonals: 3,4,8,6,1,7,5,9,2 and 9,7,5,8,1,4,6,2,3).
const std::string kXGrid = "365781429941326875728549613279658134536914287814237956693872541152463798487195362";
// The same grid with its first two columns swapped: still a Sudoku, but digit 6 repeats on diagonal 1.
const std::string kXGridBroken = "635781429491326875278549613729658134356914287184237956963872541512463798847195362";
// A grid of the built-in jigsaw layout (default_jigsaw_regions()); its 3x3 boxes are not all valid.
const std::string kJigsawGrid = "835912764746231859491876235682194573357468912129753648274685391913527486568349127";

// A full 9x9 grid from its line, whatever rules it breaks (parse_board refuses broken givens).
Board grid_of(const std::string& line) {
  Board grid(3);
  for (int i = 0; i < 81; ++i) grid.cells[i] = line[i] - '0';
  return grid;
}

std::string why_invalid(const std::string& line, const Layout& layout) {
  std::string why;
  const Board grid = grid_of(line);
  CHECK_FALSE(is_valid_solution(Board(3), grid, layout, &why));
  return why;
}

std::string layout_error(const std::string& regions) {
  try {
    jigsaw_layout(regions);
  } catch (const LayoutError& e) {
    return e.what();
  }
  return "";
}

std::vector<ProblemPtr> read_text(const Task& task, const std::string& text, const TaskParameters& parameters = {}) {
  std::istringstream in(text);
  std::vector<ProblemPtr> problems;
  for (const auto& e : task.read(in, "puzzles.csv", parameters)) problems.push_back(e.problem);
  return problems;
}

}  // namespace

TEST_SUITE("sudoku") {

TEST_CASE("sudoku variants: the verifier knows Sudoku-X's diagonals and a jigsaw's regions") {
  const Layout x = x_layout(3);
  CHECK(x.units.size() == 29);
  std::string why;
  CHECK(is_valid_solution(Board(3), parse_board(kXGrid), x, &why));
  CHECK(is_valid_solution(Board(3), parse_board(kXGridBroken), &why));  // a valid standard Sudoku
  CHECK(why_invalid(kXGridBroken, x) == "digit 6 twice in diagonal 1 (r1c1 and r4c4)");

  const Layout jigsaw = jigsaw_layout(default_jigsaw_regions());
  CHECK(is_valid_solution(Board(3), grid_of(kJigsawGrid), jigsaw, &why));
  CHECK_FALSE(is_valid_solution(Board(3), grid_of(kJigsawGrid), &why));  // its boxes repeat digits
  CHECK(why == "digit 4 twice in box 1 (r2c2 and r3c1)");
  std::string swapped = kJigsawGrid;
  std::swap(swapped[0], swapped[9]);  // r1c1 <-> r2c1: rows break
  CHECK(why_invalid(swapped, jigsaw).find("twice in row 1") != std::string::npos);

  // Standard behaviour is unchanged: the same message through the standard layout.
  std::string broken = kXGrid;
  std::swap(broken[0], broken[1]);
  CHECK(why_invalid(broken, standard_layout(3)).find("twice in column") != std::string::npos);
}

TEST_CASE("sudoku variants: bad jigsaw layouts are refused with the problem named") {
  const std::string good = default_jigsaw_regions();
  CHECK(layout_error(good) == "");
  CHECK(layout_error(good.substr(1)) == "jigsaw layout: expected 16, 81 or 256 region ids (4x4, 9x9 or 16x16), got 80 characters");
  std::string bad_char = good;
  bad_char[4] = 'x';
  CHECK(layout_error(bad_char).find("character 'x' at position 5 is not a region id") != std::string::npos);
  std::string sizes = good;
  sizes[0] = '2';  // region 1 loses a cell, region 2 gains one
  CHECK(layout_error(sizes) == "jigsaw layout: region 1 has 8 cells, expected 9");
  std::string torn = good;
  std::swap(torn[0], torn[80]);  // r1c1 (region 1) <-> r9c9 (region 9): both keep 9 cells, neither is connected
  CHECK(layout_error(torn).find("region 1 is not connected") != std::string::npos);
  CHECK(layout_error(std::string(81, '1')) == "jigsaw layout: region 1 has 81 cells, expected 9");
  CHECK_THROWS_AS(make_layout(Variant::Jigsaw, 2), LayoutError);  // no built-in 4x4 map
  CHECK(parse_variant("X") == Variant::X);
  CHECK_THROWS_AS(parse_variant("killer"), std::invalid_argument);
}

TEST_CASE("sudoku variants: generated puzzles have one solution under their rules, and it verifies") {
  for (const Layout& layout : {x_layout(3), jigsaw_layout(default_jigsaw_regions())}) {
    CAPTURE(layout.describe());
    for (Tier tier : {Tier::Easy, Tier::Hard}) {
      for (long i = 0; i < 3; ++i) {
        const GeneratedPuzzle g = generate_one(layout, tier, 5, i);
        ReferenceOptions options;
        options.layout = &layout;
        options.max_solutions = 2;
        const ReferenceResult result = reference_solve(g.puzzle, options);
        CHECK(result.solutions == 1);
        CHECK(result.first == g.solution);
        CHECK(is_valid_solution(g.puzzle, g.solution, layout));
        CHECK(generate_one(layout, tier, 5, i).puzzle == g.puzzle);  // seeded
      }
    }
  }
  CHECK_THROWS_AS(generate_one(x_layout(3), Tier::Extreme, 1, 0), std::invalid_argument);
}

TEST_CASE("sudoku variants: train and test streams share no solution grid") {
  for (const Layout& layout : {x_layout(3), jigsaw_layout(default_jigsaw_regions())}) {
    GeneratorOptions options;
    options.layout = std::make_shared<const Layout>(layout);
    options.tier = Tier::Easy;
    options.count = 12;
    std::set<std::string> train, test;
    options.split = Split::Train;
    options.seed = 3;
    for (const auto& g : generate(options)) {
      CHECK(split_of(solution_fingerprint(g.solution)) == Split::Train);
      train.insert(to_line(g.solution));
    }
    options.split = Split::Test;
    options.seed = 3;  // the same seed: the split alone keeps the streams apart
    for (const auto& g : generate(options)) {
      CHECK(split_of(solution_fingerprint(g.solution)) == Split::Test);
      test.insert(to_line(g.solution));
    }
    for (const auto& line : test) CHECK(train.count(line) == 0);
  }
}

TEST_CASE("sudoku variants: the file header carries the layout, and flags that contradict it are refused") {
  auto task = find_task("sudoku");
  GenerateRequest request;
  request.count = 2;
  request.seed = 4;
  request.parameters = {{"variant", "jigsaw"}, {"tier", "easy"}};
  const auto examples = generate_examples(*task, request);
  std::ostringstream file;
  task->write_problems(file, examples);
  CHECK(file.str().rfind("# layout: " + default_jigsaw_regions() + "\npuzzle,solution\n", 0) == 0);

  const auto problems = read_text(*task, file.str());
  REQUIRE(problems.size() == 2);
  CHECK(layout_of(*problems[0]).variant == Variant::Jigsaw);
  CHECK(task->verify(*problems[0], *examples[0].solution));
  CHECK(task->split_fingerprint(*problems[0]) == solution_fingerprint(board_of(*examples[0].solution)));

  std::string other = default_jigsaw_regions();
  std::swap(other[3], other[9]);  // another valid-looking map
  CHECK_THROWS_WITH_AS(read_text(*task, file.str(), {{"layout", other}}),
                       doctest::Contains(("--layout " + other + " differs from the file's layout " + default_jigsaw_regions()).c_str()),
                       TaskInputError);
  CHECK_THROWS_WITH_AS(read_text(*task, file.str(), {{"variant", "x"}}), doctest::Contains("--variant x differs"),
                       TaskInputError);
  CHECK_THROWS_WITH_AS(read_text(*task, "# layout: 123\n" + std::string(81, '.') + "\n"),
                       doctest::Contains("puzzles.csv:1: jigsaw layout: expected 16, 81 or 256"), TaskInputError);
  // Sudoku-X: the diagonals are rules of the givens too.
  std::string two_on_diagonal(81, '.');
  two_on_diagonal[0] = two_on_diagonal[30] = '5';  // r1c1 and r4c4: another row, column and box
  CHECK_THROWS_WITH_AS(read_text(*task, two_on_diagonal, {{"variant", "x"}}),
                       doctest::Contains("digit 5 twice in diagonal 1"), TaskInputError);
  CHECK(read_text(*task, two_on_diagonal).size() == 1);  // fine as standard Sudoku
}

TEST_CASE("sudoku variants: --variant x refuses the hand-written energies and defaults to pairwise") {
  auto task = find_task("sudoku");
  const auto problems = read_text(*task, "# variant: x\n" + std::string(81, '.') + "\n");
  for (const char* energy : {"constraint", "learned", "combined"})
    CHECK_THROWS_WITH_AS(task->make_energy({energy, "", nullptr}, problems, torch::kCPU),
                         doctest::Contains("sudoku --variant x has no hand-written energy: use --energy pairwise"),
                         std::invalid_argument);
  CHECK(task->default_energy(problems) == "pairwise");
  CHECK(task->default_energy(read_text(*task, std::string(81, '.'))) == "constraint");
}

// The affine span of 9x9 Sudoku-X grids has dimension 729 - 265 = 464 (the 265 linear rules the fit finds
// from 4000 grids), so the closed-form fit needs more grids than that: 400 leave 330 "rules", 1000 the 265.
TEST_CASE("sudoku variants: a pairwise energy learned from Sudoku-X grids alone solves easy X puzzles") {
  auto task = find_task("sudoku");
  const auto path = (std::filesystem::temp_directory_path() / "ebm_test_pairwise_x.ckpt").string();
  std::filesystem::remove(path);
  TrainingOptions options;
  options.steps = 1;
  options.validate_every = 1;
  options.output = path;
  options.seed = 3;
  std::ostringstream log;
  const TaskParameters parameters = {{"model", "pairwise"}, {"variant", "x"}, {"train-puzzles", "1000"},
                                     {"tiers", "easy"}, {"validation-tiers", "easy"}, {"validation-puzzles", "4"}};
  run_training(*make_training_recipe(*task, options, parameters), options, log);
  CHECK(log.str().find("null-space fit on 1000 answers: 265 linear rules") != std::string::npos);

  GenerateRequest request;
  request.count = 3;
  request.seed = 21;
  request.parameters = {{"variant", "x"}, {"tier", "easy"}};
  std::vector<ProblemPtr> problems;
  for (const auto& example : generate_examples(*task, request)) problems.push_back(example.problem);
  EbmSettings settings;
  settings.energy = {"", path, nullptr};  // the default energy of a variant: pairwise
  settings.budget_ms = 5000;
  const auto report = solve_with_energy(*task, problems, settings);
  for (const auto& p : report.problems) CHECK(p.verified);

  // The model knows which grids it learned from: jigsaw puzzles refuse it.
  const auto jigsaw = read_text(*task, "# layout: " + default_jigsaw_regions() + "\n" + std::string(81, '.') + "\n");
  CHECK_THROWS_WITH_AS(task->make_energy({"pairwise", path, nullptr}, jigsaw, torch::kCPU),
                       doctest::Contains("was trained on sudoku --variant x grids; these puzzles are jigsaw"),
                       std::invalid_argument);
  std::filesystem::remove(path);
}

}  // TEST_SUITE
