// The classical reference solver: Knuth's Algorithm X over dancing links (DLX).
//
// For data generation, uniqueness checks, labelling, and as the separately named speed limit in
// benchmarks. It is never part of the EBM solve path (DESIGN.md, "Rules of honesty").
//
// Exact cover: one row per candidate (cell, digit), N^3 rows; N^2 + U*N columns, each satisfied exactly
// once: cell (r,c) is filled | unit u has digit d, for the U units of the layout (layout.h) in order.
// On the standard layout (U = 3N: rows, columns, boxes) that is the classical 4*N^2 columns.
// Givens are placed before the search. The search always branches on a column with the fewest rows
// (first such column in the order above on ties), which makes naked and hidden singles free.
//
// Statistics (the difficulty measure used by the generator):
//   nodes   = rows tried during the search (search-tree nodes below the root);
//   guesses = branching decisions, i.e. chosen columns that had more than one row.
// A puzzle solved by singles alone has guesses = 0. With max_solutions >= 2 on a unique puzzle the
// whole tree is explored, so the figures do not depend on where the solution happens to lie.
#pragma once

#include "ebm/tasks/sudoku/board.h"

#include <random>

namespace ebm::sudoku {

struct ReferenceOptions {
  int max_solutions = 1;           // stop once this many solutions are found (>= 1)
  long max_nodes = 0;              // stop after this many search nodes; 0 = no limit
  std::mt19937_64* rng = nullptr;  // null: rows of a column are tried in fixed order; otherwise in a
                                   // random order drawn from *rng (not owned), for random grids
  int forbid_cell = -1;            // with forbid_digit: the candidate (cell, digit) is removed before
  int forbid_digit = 0;            //   the search; -1 / 0 = none. A given equal to it means 0 solutions.
  const Layout* layout = nullptr;  // the rules (not owned; same box size as the puzzle); null = standard
};

struct ReferenceResult {
  int solutions = 0;      // solutions found, at most max_solutions
  Board first;            // the first solution found; all blanks when solutions == 0
  long nodes = 0;         // search statistics, see above
  long guesses = 0;
  bool hit_node_limit = false;  // search stopped by max_nodes: `solutions` is a lower bound
  bool solved() const { return solutions > 0; }
};

// Solves `puzzle` (box 2, 3 or 4). Givens that break a rule, or that leave some constraint with no
// candidate, give solutions = 0 (no exception). Throws std::invalid_argument if the puzzle is
// malformed, max_solutions < 1 or the layout is of another size.
// Measured cost on 9x9 (g++ 12 -O2, one core): random minimal puzzles 12 us median to solve; the
// generator's "hardest" tier 20 us median, 34 us p90; Arto Inkala's puzzle (3757 nodes, 160 guesses)
// 250 us to solve and 460 us to prove unique (max_solutions = 2).
ReferenceResult reference_solve(const Board& puzzle, const ReferenceOptions& options);
ReferenceResult reference_solve(const Board& puzzle, int max_solutions = 1);

// Number of solutions, capped at `cap` (default 2: 0 = none, 1 = unique, 2 = several).
int count_solutions(const Board& puzzle, int cap = 2);

// A random complete grid of box size `box`: the first solution of the blank board when every column's
// rows are tried in an order shuffled by `rng` (random, though not exactly uniform over all grids).
// Throws std::invalid_argument unless box is 2, 3 or 4.
Board random_grid(int box, std::mt19937_64& rng);
// The same for `layout` (a jigsaw's regions, Sudoku-X's diagonals).
Board random_grid(const Layout& layout, std::mt19937_64& rng);

}  // namespace ebm::sudoku
