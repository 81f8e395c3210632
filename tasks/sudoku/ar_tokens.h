// Tokens of the autoregressive (AR) Sudoku baseline, for 4x4 (box 2) and 9x9 (box 3) boards.
//
// Vocabulary (ar_vocab(box) = 11 + N*N ids, N = box*box: 27 for 4x4, 92 for 9x9):
//   0        blank (in the condition part) and padding
//   1..N     digits
//   10       SEP, between the condition and the answer
//   11..     cell positions: cell c (0..N*N-1, row-major) is token 11 + c (solver order only)
// Sequence = N*N condition tokens (the givens' digits, 0 for blanks) + SEP + the answer part:
//   fixed   the N*N solution digits, row-major                   length 2 N*N + 1 (163 for 9x9)
//   solver  for each BLANK cell, in the order a simple deductive solver fills it (deductive_order),
//           the pair (cell token, digit token)                  length N*N + 1 + 2 * blanks
// The model is prompted with the first N*N + 1 tokens (encode_ar_prompt) and generates the answer
// part. What decoding may write is ar_masks.h's; decode_ar_answer never repairs anything: what the
// model wrote is what is verified. 16x16 boards are refused (their digits would collide with SEP).
// token_sequence.h presents all this to the project's one AR baseline (ebm/learning/ar_baseline.h).
#pragma once

#include "ebm/tasks/sudoku/board.h"


#include <cstdint>
#include <string>
#include <vector>

namespace ebm::sudoku {

inline constexpr int64_t kArBlank = 0;      // blank / padding
inline constexpr int64_t kArSep = 10;       // separator
inline constexpr int64_t kArCellBase = 11;  // token of cell c = kArCellBase + c

enum class ArOrder { Fixed, Solver };

// Throws std::invalid_argument unless box is 2 or 3 (the boards the AR tokens can write).
void require_ar_box(int box);
// Token ids of the box's vocabulary: kArCellBase + N*N (27 for box 2, 92 for box 3).
int64_t ar_vocab(int box);
// Prompt tokens: N*N condition tokens + SEP (17, 82).
int64_t ar_prompt_length(int box);

// "fixed" / "solver" (exactly). Throws std::invalid_argument naming the text and the valid names.
ArOrder parse_ar_order(const std::string& name);
std::string ar_order_name(ArOrder order);

// Answer tokens to generate for a puzzle with `blanks` blank cells: N*N (fixed) or 2 * blanks (solver).
int64_t ar_answer_length(ArOrder order, int box, int blanks);
// Longest sequence of the order (what the model's max_length must hold): 163 (fixed), 244 (solver)
// for 9x9; 33, 49 for 4x4.
int64_t ar_max_length(ArOrder order, int box);

// The cells of `puzzle`'s blanks in the order the deductive labeller fills them. Repeatedly:
//   1. naked single: the lowest-index blank with exactly one candidate;
//   2. else hidden single: units scanned rows, then columns, then boxes (each from 0), digits 1..N
//      within a unit; the first (unit, digit) with exactly one possible blank cell;
//   3. else (stuck) the blank with the fewest candidates (ties: lowest index) gets the digit of
//      `solution` (labelling may use the known solution).
// The placed digit is always solution's; steps 1-2 are forced, so they agree with any completion.
// Throws std::invalid_argument unless both boards are well formed and of one size (4x4 or 9x9) and
// solution is complete and keeps the givens, or when a deduction contradicts `solution` (it is not
// a solution of the puzzle).
std::vector<int> deductive_order(const Board& puzzle, const Board& solution);

// The prompt tokens: condition + SEP. Throws std::invalid_argument unless well formed, 4x4 or 9x9.
std::vector<int64_t> encode_ar_prompt(const Board& puzzle);

// The whole training sequence (prompt + answer part) of (puzzle, solution). Throws as above.
std::vector<int64_t> encode_ar(const Board& puzzle, const Board& solution, ArOrder order);

// The board the generated answer tokens describe (prompt NOT included):
//   fixed   cell i = answer[i] when it is a digit 1..N, else blank (missing tokens too). Givens are
//           NOT copied from the puzzle: a board whose digit at a given differs from it is rejected
//           by the verifier ("given changed").
//   solver  consecutive (cell token, digit token) pairs are written onto a copy of `puzzle`; a pair
//           whose first token is not a cell, whose second is not a digit, or whose cell is not blank
//           (a given or already written) is skipped: its cell stays as it was. Trailing tokens beyond
//           the last full pair are ignored.
// Never repairs anything: blanks stay blank and the exact verifier rejects the board.
Board decode_ar_answer(const Board& puzzle, const std::vector<int64_t>& answer, ArOrder order);

}  // namespace ebm::sudoku
