// Seeded Sudoku generator: unique-solution puzzles in five difficulty tiers.
//
// Method: draw a random complete grid (reference_solver.h, random_grid) and relabel its digits at
// random until it lies in the requested split (below), visit its cells in a random order and blank each one whose removal keeps the solution unique (proved with the DLX solver),
// stopping at a target number of givens or, for the minimal tiers, after one full pass (the result is
// then minimal: no given can be removed without losing uniqueness). Difficulty is the DLX search
// effort of a full uniqueness search on the finished puzzle (reference_solve(puzzle, 2): `guesses` and `nodes`).
//
// Splits (ebm/task.h): a puzzle belongs to the split of its solution grid,
// split_of(solution_fingerprint(solution)) with solution_fingerprint = content_fingerprint(to_line(grid)),
// which maps 80% of grids to train, 10% to validation and 10% to test. The generator rejects grids of
// other splits before digging holes, so streams of different splits share no puzzle and no solution
// grid whatever their seeds (the trainers draw Split::Train boards and Split::Validation puzzles;
// everything else defaults to Split::Test). A relabelling costs ~0.75 us (a new 9x9 grid ~100 us);
// 1.25 are needed per train grid and 10 per test or validation grid on average, so the timings below
// did not change measurably (40 hardest puzzles: 3.9 s before, 3.8 s after, one loaded thread).
//
// Tiers (9x9; describe_tier() prints the rule for any box size):
//   easy     36-40 givens, solvable by singles alone (0 DLX guesses)
//   medium   29-32 givens
//   hard     minimal puzzle (one full removal pass)
//   expert   minimal, >= 4 DLX guesses
//   hardest  minimal, <= 23 givens, >= 6 DLX guesses; the most guesses among at least 24 candidates
//   extreme  minimal, >= kExtremeGuesses (70) DLX guesses: each candidate is hill-climbed (up to 1500
//            moves) over which givens of its solution grid to keep, towards more guesses; up to 8
//            candidates, the hardest kept (calibration: docs/BENCHMARKS.md, "The extreme tier")
// A tier whose rule no candidate meets within its attempt budget keeps the nearest candidate; at the
// budgets below that did not happen in the calibration runs (9x9).
//
// Calibration, 9x9, measured with this code (g++ 12 -O2, one thread of a shared 2-core VM; 1000
// puzzles per tier, 400 for hardest; "guesses" and "nodes" from reference_solve(puzzle, 2)):
//
//   tier      givens mean [min-max]  guesses mean / median [p10-p90]  nodes mean  ms per puzzle
//   easy      37.9 [36-40]           0    / 0  [0-0]                   43          0.2
//   medium    30.5 [29-32]           0.25 / 0  [0-1]                   55          0.3
//   hard      24.4 [21-28]           2.2  / 1  [0-6]                   99          0.6
//   expert    24.4 [21-28]           7.1  / 6  [4-12]                  197         3-5
//   hardest   22.8 [21-23]           10.6 / 8  [6-17]                  267         29-33
//
// so 1000 hardest puzzles take ~30 s of CPU; with threads = 2 the measured wall time was 16.7 ms per
// puzzle (~17 s per 1000; OpenMP scales ~1.8x on 2 cores). Of raw minimal puzzles, 20% have
// <= 23 givens, 14% reach 5 guesses, 3.4% reach 10 and 0.6% reach 20; guesses barely depend on givens.
//
// Variants (layout.h: Sudoku-X, jigsaw; 9x9): the same method on the variant's layout (the grid from a
// randomised DLX fill of its units, uniqueness proved under its rules) and the same tier rules as
// 9x9, easy to hardest; the extreme tier is standard Sudoku only. Calibration: docs/VARIANTS.md.
//
// 4x4: the DLX never needs a guess, so tiers differ by givens only: easy 7-8, medium 6, hard minimal
// (4-6), expert minimal with <= 5, hardest minimal with 4 (all well under 0.1 ms).
// 16x16: easy 116-126 givens (5 ms), medium 104-112 (9 ms; median 129 guesses), hard "minimal" where
// each uniqueness check may spend 20000 DLX nodes and a check that runs out keeps its given (90-99
// givens, median ~1000 guesses, ~150 ms), expert the same with >= 1500 guesses (at most 4
// candidates, ~300 ms), hardest the most guesses of 3 candidates (~450 ms). There the effort figures
// are capped at 200000 nodes (a lower bound when reached). Uniqueness is always proved, never assumed.
#pragma once

#include "ebm/task.h"
#include "ebm/tasks/sudoku/board.h"

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::sudoku {

enum class Tier { Easy, Medium, Hard, Expert, Hardest, Extreme };

// The DLX guesses (reference_solve(puzzle, 2)) an extreme-tier 9x9 puzzle needs at least: the effort of the
// easiest of the published hardest puzzles we measured (AI Escargot 71; Inkala 2010 160, Easter
// Monster 341), so the tier lies in that class by this measure.
constexpr int kExtremeGuesses = 70;

// "easy", "medium", "hard", "expert", "hardest", "extreme".
std::string tier_name(Tier tier);

// The tier named `name` (case-insensitive). Throws std::invalid_argument listing the valid names.
Tier parse_tier(const std::string& name);

// All tiers, easiest first.
const std::vector<Tier>& all_tiers();

// "easy|medium|hard|expert|hardest|extreme", for help text.
std::string tier_names();

// One line saying what a puzzle of `tier` is on a board of box size `box` (2, 3 or 4; otherwise
// std::invalid_argument), for help text, e.g. "easy: 36-40 givens, solvable by singles alone".
std::string describe_tier(Tier tier, int box = 3);

struct GeneratorOptions {
  int box = 3;              // box size n: 2 (4x4), 3 (9x9) or 4 (16x16)
  int count = 1;            // number of puzzles, >= 0
  Tier tier = Tier::Medium;
  uint64_t seed = 0;        // puzzle i depends only on (seed, i, tier, box, split)
  int threads = 0;          // OpenMP threads; 0 = OpenMP's default. Does not change the output.
  Split split = Split::Test;  // every puzzle's solution grid lies in this split (see above)
  std::shared_ptr<const Layout> layout = nullptr;  // the rules (a variant); null = standard_layout(box). Its box
                                                  // size must equal `box`.

  // True when every field is usable; otherwise false and *error names the field.
  bool validate(std::string* error) const;
};

struct GeneratedPuzzle {
  Board puzzle;          // givens, unique solution
  Board solution;        // that solution
  int givens = 0;        // count_givens(puzzle)
  long search_nodes = 0; // DLX effort of reference_solve(puzzle, 2), the difficulty measure (capped on 16x16,
  int guesses = 0;       //   see above)
};

// The fingerprint that places a puzzle in a split: content_fingerprint(to_line(solution)) of its
// (unique) solution grid, so every puzzle dug from one grid lies in the grid's split.
uint64_t solution_fingerprint(const Board& solution);

// Puzzle number `index` of the stream (seed, tier, box, split). Deterministic: its random generator
// is a std::mt19937_64 seeded by splitmix64 of (seed, index), shared with nothing else.
GeneratedPuzzle generate_one(int box, Tier tier, uint64_t seed, long index, Split split = Split::Test);
// The same under the rules of `layout` (generate_one(box, ...) is this with standard_layout(box)).
// Throws std::invalid_argument for the extreme tier on a variant.
GeneratedPuzzle generate_one(const Layout& layout, Tier tier, uint64_t seed, long index, Split split = Split::Test);

// options.count puzzles, generate_one(box, tier, seed, i, split) for i = 0..count-1, computed in parallel.
// Throws std::invalid_argument when !options.validate().
std::vector<GeneratedPuzzle> generate(const GeneratorOptions& options);

// CSV: the header "puzzle,solution", then one "to_line(puzzle),to_line(solution)" row per puzzle.
// read_puzzles() reads it back.
void write_csv(std::ostream& out, const std::vector<GeneratedPuzzle>& puzzles);

}  // namespace ebm::sudoku
