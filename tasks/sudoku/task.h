// Sudoku on the Task interface (ebm/task.h): the board format, the tiered generator, the constraint,
// learned and combined energies, the exact verifier, the DLX reference and the AR baseline.
//
//   problem   SudokuProblem (the givens)           answer   SudokuAnswer (a filled board)
//   encoding  [B, N*N, N] cell simplices, givens clamped; condition = givens [B, N*N] (encoding.h)
//   measures  cell_accuracy: fraction of the blank cells equal to the dataset's solution
//   variants  --variant x|jigsaw (--layout MAP): the problems carry their layout; the verifier, the DLX
//             reference and the generator follow it; the only energy is the learned pairwise one
//             (variant_parameters.h for the flags and the file header)
//   solvers   ar[:MODEL][,budget=MS][,decode=SPEC] (ar_harness_solver.h); reference = DLX (reference_solver.h)
#pragma once

#include "ebm/task.h"
#include "ebm/tasks/sudoku/board.h"

namespace ebm::sudoku {

struct SudokuProblem : Problem {
  Board puzzle;
  std::shared_ptr<const Layout> layout;  // its rules (a variant, layout.h); null = standard Sudoku
};

struct SudokuAnswer : Answer {
  Board board;
};

TaskPtr make_task();

// The board inside a Sudoku problem / answer; throws std::invalid_argument for another task's.
const Board& puzzle_of(const Problem& problem);
// The rules of a Sudoku problem: its layout, or the standard one of its box size.
const Layout& layout_of(const Problem& problem);
const Board& board_of(const Answer& answer);

ProblemPtr make_problem(Board puzzle, std::string source, std::shared_ptr<const Layout> layout = nullptr);
AnswerPtr make_answer(Board board);

}  // namespace ebm::sudoku
