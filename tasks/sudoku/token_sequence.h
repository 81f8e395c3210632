// The Sudoku task's tokens for the AR baseline (<ebm/token_sequence.h>): ar_tokens.h's sequences and
// ar_masks.h's decoding masks, for 4x4 and 9x9 boards. Settings {"order": "fixed" | "solver",
// "box": 2 | 3}; a checkpoint without "box" is 9x9.
#pragma once

#include "ebm/token_sequence.h"
#include "tasks/sudoku/ar_tokens.h"

namespace ebm::sudoku {

TokenSequencePtr make_token_sequence(ArOrder order, int box);
// From the task's parameters "order" (default fixed) and "box" (default 3). Throws
// std::invalid_argument naming a bad order or box.
TokenSequencePtr token_sequence_of(const TaskParameters& parameters);

}  // namespace ebm::sudoku
