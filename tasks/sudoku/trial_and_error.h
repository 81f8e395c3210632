// Trial and error with singles, T&E(n) (after Berthier's resolution rules): how deep a puzzle's
// hardest step is, the rating that separates the forum-hardest class from puzzles that only look hard.
//
//   singles      naked singles (a cell with one candidate left) and hidden singles (a digit with one
//                place left in a row, column or box), repeated until nothing changes
//   T&E(0)       singles alone
//   T&E(n)       singles, and, for every undecided cell and candidate digit in turn: assume it and run
//                T&E(n-1) on that copy; a contradiction (a cell with no candidate, a digit with no place
//                in a unit) eliminates the digit. Repeated until no elimination is left.
//
// A puzzle is "in T&E(n)" when T&E(n) solves it. Nearly all puzzles are in T&E(1); the forum-hardest
// lists hold puzzles that are not (T&E(1) with singles stalls: it eliminates candidates, or none, and
// leaves cells undecided), which is what makes them hard for any method that cannot search across
// grids. Standard layout (rows, columns, boxes), box 2 to 4. A rater only: it decides nothing that the
// exact verifier or the reference solver would not.
#pragma once

#include "ebm/tasks/sudoku/board.h"

namespace ebm::sudoku {

struct TrialAndErrorRating {
  int depth = -1;            // the least n <= max_depth with the puzzle in T&E(n); -1 = none of them
  int undecided_after_1 = 0;  // cells T&E(1) leaves undecided (0 when it solves the puzzle)
  int candidates_after_1 = 0; // candidates left on them
  int eliminations_1 = 0;     // eliminations T&E(1) made (each followed by singles): a graded effort
                              // for puzzles in T&E(1), which a search towards T&E(2) can climb
};

// Rates `puzzle` up to max_depth (0..2; depth 2 costs seconds on a hard 9x9 puzzle). A puzzle whose
// givens contradict each other rates depth -1 with undecided_after_1 = -1. Throws std::invalid_argument for
// a box outside 2..4 or max_depth outside 0..2.
TrialAndErrorRating rate_trial_and_error(const Board& puzzle, int max_depth);

}  // namespace ebm::sudoku
