#include "tasks/sudoku/encoding.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace ebm::sudoku {

torch::Tensor encode_givens(const std::vector<Board>& puzzles) {
  if (puzzles.empty()) throw std::invalid_argument("encode_givens: no puzzles");
  const int box = puzzles.front().box, cells = puzzles.front().cell_count();
  auto givens = torch::empty({static_cast<int64_t>(puzzles.size()), cells}, torch::kLong);
  auto a = givens.accessor<int64_t, 2>();
  for (size_t b = 0; b < puzzles.size(); ++b) {
    if (puzzles[b].box != box) throw std::invalid_argument("encode_givens: puzzles of different sizes in one batch");
    for (int c = 0; c < cells; ++c) a[b][c] = puzzles[b].cells[c] - 1;
  }
  return givens;
}

AnswerSpace answer_space(int box, AnswerKind kind) {
  const int64_t n = box * box;
  return kind == AnswerKind::OneHot ? AnswerSpace::one_hot(n * n, n) : AnswerSpace::categorical(n * n, n);
}

Clamp givens_clamp(const AnswerSpace& space, const torch::Tensor& givens, const torch::TensorOptions& options) {
  return Clamp::categorical(space, givens, options);
}

std::vector<Board> decode_boards(const torch::Tensor& decoded, int box) {
  auto cpu = decoded.to(torch::kCPU).to(torch::kLong).contiguous();
  auto a = cpu.accessor<int64_t, 2>();
  std::vector<Board> boards;
  for (int64_t b = 0; b < cpu.size(0); ++b) {
    Board board(box);
    for (int c = 0; c < board.cell_count(); ++c) board.cells[c] = static_cast<int>(a[b][c]) + 1;
    boards.push_back(board);
  }
  return boards;
}

torch::Tensor one_hot_boards(const std::vector<Board>& boards, const torch::TensorOptions& options) {
  auto digits = encode_givens(boards);
  if ((digits < 0).any().item<bool>()) throw std::invalid_argument("one_hot_boards: boards must be complete");
  return torch::one_hot(digits, boards.front().size()).to(options);
}

torch::Tensor unit_digit_sums(const torch::Tensor& states, int box) {
  const int64_t n = box * box, b = states.size(0);
  auto grid = states.view({b, n, n, n});                       // [B, row, col, digit]
  auto rows = grid.sum(2);                                     // [B, row, digit]
  auto cols = grid.sum(1);                                     // [B, col, digit]
  auto boxes = grid.view({b, box, box, box, box, n}).sum({2, 4}).reshape({b, n, n});  // [B, box, digit]
  return torch::cat({rows, cols, boxes}, 1);
}

torch::Tensor spread_unit_values(const torch::Tensor& unit_values, int box) {
  const int64_t n = box * box, b = unit_values.size(0);
  auto rows = unit_values.narrow(1, 0, n).view({b, n, 1, n});
  auto cols = unit_values.narrow(1, n, n).view({b, 1, n, n});
  auto boxes = unit_values.narrow(1, 2 * n, n).view({b, box, 1, box, 1, n});
  auto grid = (rows + cols).view({b, box, box, box, box, n}) + boxes;
  return grid.reshape({b, n * n, n});
}

torch::Tensor digit_indicators(const torch::Tensor& decoded, int64_t digits) {
  auto digit = torch::arange(digits, torch::TensorOptions().dtype(torch::kLong).device(decoded.device()));
  return (decoded.to(torch::kLong).unsqueeze(-1) == digit).to(torch::kFloat);
}

torch::Tensor valid_completions(const torch::Tensor& decoded, const torch::Tensor& givens, int box) {
  const int64_t n = box * box;
  auto counts = unit_digit_sums(digit_indicators(decoded, n), box);
  auto units_ok = (counts == 1.0).flatten(1).all(1);
  auto g = givens.to(decoded.device());
  auto givens_ok = ((g < 0) | (g == decoded)).all(1);
  return units_ok & givens_ok;
}

torch::Tensor unit_membership(const Layout& layout) {
  const int64_t cells = int64_t(layout.size()) * layout.size();
  auto membership = torch::zeros({static_cast<int64_t>(layout.units.size()), cells}, torch::kFloat);
  auto a = membership.accessor<float, 2>();
  for (size_t u = 0; u < layout.units.size(); ++u)
    for (int cell : layout.units[u].cells) a[u][cell] = 1.0f;
  return membership;
}

torch::Tensor unit_digit_counts(const torch::Tensor& states, const torch::Tensor& membership) {
  return torch::matmul(membership.to(states.device()), states);
}

torch::Tensor valid_completions(const torch::Tensor& decoded, const torch::Tensor& givens, const torch::Tensor& membership) {
  const int64_t n = membership.size(0) > 0 ? static_cast<int64_t>(std::lround(std::sqrt(double(membership.size(1))))) : 0;
  auto counts = unit_digit_counts(digit_indicators(decoded, n), membership);
  auto units_ok = (counts == 1.0).flatten(1).all(1);
  auto g = givens.to(decoded.device());
  auto givens_ok = ((g < 0) | (g == decoded)).all(1);
  return units_ok & givens_ok;
}

torch::Tensor peer_pairs(int box) {
  const int64_t side = int64_t(box) * box, cells = side * side;
  auto cell = torch::arange(cells);
  auto row = cell.div(side, "floor"), column = cell.remainder(side);
  auto box_index = row.div(box, "floor") * box + column.div(box, "floor");
  auto same = [](const torch::Tensor& key) { return key.unsqueeze(1) == key.unsqueeze(0); };
  return (same(row) | same(column) | same(box_index)) & torch::eye(cells, torch::kBool).logical_not();
}

}  // namespace ebm::sudoku
