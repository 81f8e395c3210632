// Sudoku boards <-> tensors.
//
//   answer states   [B, N*N, N]   one simplex (or one-hot row) per cell, digit d at index d-1
//   givens          [B, N*N]      int64: digit-1 for a given, -1 for a blank
//   decoded         [B, N*N]      int64: digit-1 per cell (argmax of a state)
// The clamp of a batch fixes every given cell to its digit's one-hot row.
#pragma once

#include "ebm/answer_space.h"
#include "ebm/tasks/sudoku/board.h"

#include <torch/types.h>

#include <vector>

namespace ebm::sudoku {

// [B, N*N] givens of the puzzles (all of one box size; throws std::invalid_argument otherwise).
torch::Tensor encode_givens(const std::vector<Board>& puzzles);
// Categorical answer space for box size n: N*N variables with N categories.
AnswerSpace answer_space(int box, AnswerKind kind = AnswerKind::Categorical);
// The clamp fixing every given of `givens` [B, N*N].
Clamp givens_clamp(const AnswerSpace& space, const torch::Tensor& givens, const torch::TensorOptions& options);
// Boards from decoded digits [B, N*N] (values 0..N-1).
std::vector<Board> decode_boards(const torch::Tensor& decoded, int box);
// One-hot answers [B, N*N, N] of complete boards.
torch::Tensor one_hot_boards(const std::vector<Board>& boards, const torch::TensorOptions& options);

// decoded [B, N*N] digits 0..N-1 -> float [B, N*N, N] with 1 at each cell's digit: torch::one_hot
// without its range check, which reads the tensor's min and max on the host (a device sync). A value
// outside 0..N-1 gives an all-zero row.
torch::Tensor digit_indicators(const torch::Tensor& decoded, int64_t digits);

// Exact batched check, on decoded's device with no host read: row n is true when decoded[n] fills
// every unit with each digit once and keeps every given of givens[n]. decoded, givens: [B, N*N]
// int64; a digit outside 0..N-1 makes its row false.
torch::Tensor valid_completions(const torch::Tensor& decoded, const torch::Tensor& givens, int box);

// Any layout (layout.h): its units as a float matrix [U, N*N], 1 where unit u holds cell c; the digit
// counts per unit, states [B, N*N, N] -> [B, U, N] (membership on states' device); and the exact check
// of valid_completions under those units. The verifier's, never an energy's (DESIGN.md, "Learning").
torch::Tensor unit_membership(const Layout& layout);
torch::Tensor unit_digit_counts(const torch::Tensor& states, const torch::Tensor& membership);
torch::Tensor valid_completions(const torch::Tensor& decoded, const torch::Tensor& givens, const torch::Tensor& membership);

// Digit counts per unit: states [B, N*N, N] -> [B, 3N, N] (rows, then columns, then boxes).
torch::Tensor unit_digit_sums(const torch::Tensor& states, int box);
// The adjoint of unit_digit_sums: [B, 3N, N] -> [B, N*N, N], each cell receiving the sum of its
// three units' entries.
torch::Tensor spread_unit_values(const torch::Tensor& unit_values, int box);

// The pairs of cells that share a row, a column or a box: bool [N*N, N*N], symmetric, false on the
// diagonal (810 unordered pairs for 9x9). The truth a learned interaction graph is scored against.
torch::Tensor peer_pairs(int box);

}  // namespace ebm::sudoku
