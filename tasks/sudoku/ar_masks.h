// What the AR Sudoku baseline may write while it decodes: a mask per puzzle (batch row) and generated
// position, given to ebm/learning/ar_transformer.h's decoders as their StepMask.
//
//   fixed   position c: only the given digit when cell c is a given (the decoder cannot change a
//           given), else any digit 1..N;
//   solver  even positions (cells): the cell tokens of cells that are blank in the puzzle and were
//           not written at an earlier even position of this sequence (never a given, never a cell
//           twice); odd positions (digits): any digit 1..N.
// These are token types, givens and "each blank written once": bookkeeping that the answer format
// implies, never the Sudoku rules. A digit that repeats in its row, column or box stays allowed;
// that the model must learn, and the exact verifier judges.
#pragma once

#include "ebm/learning/ar_transformer.h"
#include "tasks/sudoku/ar_tokens.h"
#include "ebm/tasks/sudoku/board.h"

#include <torch/types.h>

#include <vector>

namespace ebm::sudoku {

// The mask for `puzzles` (row r of the decoded batch is puzzles[r]; for beam search pass each puzzle
// `width` times in a row). The function returns bool [rows, ar_vocab(box)] on `device`. Throws
// std::invalid_argument for no puzzles, boards of different sizes or not 4x4/9x9, or, in solver
// order, puzzles with different blank counts (different answer lengths).
StepMask ar_step_mask(ArOrder order, const std::vector<Board>& puzzles, const torch::Device& device);

}  // namespace ebm::sudoku
