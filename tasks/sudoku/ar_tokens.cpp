#include "tasks/sudoku/ar_tokens.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace ebm::sudoku {

namespace {

constexpr int kN = 9;
constexpr int kCells = 81;

void require_9x9(const Board& b, const char* what) {
  if (!b.well_formed() || b.box != 3)
    throw std::invalid_argument(std::string("ar tokens: ") + what + " must be a well-formed 9x9 board");
}

int box_index(int cell) { return (cell / 27) * 3 + (cell % 9) / 3; }

// Row/column/box digit masks of the board (bit d for digit d).
struct Masks {
  int row[kN] = {}, col[kN] = {}, box[kN] = {};
  explicit Masks(const Board& b) {
    for (int c = 0; c < kCells; ++c)
      if (b.cells[c] > 0) place(c, b.cells[c]);
  }
  void place(int c, int d) {
    row[c / 9] |= 1 << d;
    col[c % 9] |= 1 << d;
    box[box_index(c)] |= 1 << d;
  }
  int candidates(int c) const { return ~(row[c / 9] | col[c % 9] | box[box_index(c)]) & 0x3FE; }
};

int popcount(int x) { return __builtin_popcount(static_cast<unsigned>(x)); }
int lowest_digit(int mask) { return __builtin_ctz(static_cast<unsigned>(mask)); }

// Cell k (0..8) of unit u (0..26: rows, columns, boxes).
int unit_cell(int u, int k) {
  if (u < 9) return u * 9 + k;
  if (u < 18) return k * 9 + (u - 9);
  const int b = u - 18;
  return ((b / 3) * 3 + k / 3) * 9 + (b % 3) * 3 + k % 3;
}

}  // namespace

ArOrder parse_ar_order(const std::string& name) {
  if (name == "fixed") return ArOrder::fixed;
  if (name == "solver") return ArOrder::solver;
  throw std::invalid_argument("ar tokens: unknown order '" + name + "' (expected fixed or solver)");
}

std::string ar_order_name(ArOrder order) { return order == ArOrder::fixed ? "fixed" : "solver"; }

int64_t ar_answer_length(ArOrder order, int blanks) { return order == ArOrder::fixed ? kCells : 2 * blanks; }

int64_t ar_max_length(ArOrder order) { return kArPromptLength + (order == ArOrder::fixed ? kCells : 2 * kCells); }

std::vector<int> deductive_order(const Board& puzzle, const Board& solution) {
  require_9x9(puzzle, "puzzle");
  require_9x9(solution, "solution");
  if (!solution.complete()) throw std::invalid_argument("ar tokens: solution has blank cells");
  for (int c = 0; c < kCells; ++c)
    if (puzzle.cells[c] != 0 && puzzle.cells[c] != solution.cells[c])
      throw std::invalid_argument("ar tokens: solution changes the given at cell " + std::to_string(c));
  Board state = puzzle;
  Masks masks(state);
  std::vector<int> order;
  int blanks = kCells - count_givens(puzzle);
  order.reserve(blanks);
  auto place = [&](int cell, int digit, bool deduced) {
    if (deduced && digit != solution.cells[cell])
      throw std::invalid_argument("ar tokens: the solution contradicts a forced deduction at cell " +
                                  std::to_string(cell) + " (not a solution of the puzzle)");
    state.cells[cell] = solution.cells[cell];
    masks.place(cell, solution.cells[cell]);
    order.push_back(cell);
  };
  while (static_cast<int>(order.size()) < blanks) {
    bool placed = false;
    // 1. naked singles, lowest index first
    for (int c = 0; c < kCells && !placed; ++c) {
      if (state.cells[c] != 0) continue;
      const int cand = masks.candidates(c);
      if (popcount(cand) == 1) {
        place(c, lowest_digit(cand), true);
        placed = true;
      }
    }
    // 2. hidden singles: units rows, columns, boxes; digits 1..9
    for (int u = 0; u < 27 && !placed; ++u) {
      for (int d = 1; d <= kN && !placed; ++d) {
        int where = -1, count = 0;
        bool present = false;
        for (int k = 0; k < kN; ++k) {
          const int c = unit_cell(u, k);
          if (state.cells[c] == d) present = true;
          if (state.cells[c] == 0 && (masks.candidates(c) >> d & 1)) {
            ++count;
            where = c;
          }
        }
        if (!present && count == 1) {
          place(where, d, true);
          placed = true;
        }
      }
    }
    // 3. stuck: fewest candidates (ties lowest index), the known solution's digit
    if (!placed) {
      int best = -1, best_count = kN + 1;
      for (int c = 0; c < kCells; ++c) {
        if (state.cells[c] != 0) continue;
        const int n = popcount(masks.candidates(c));
        if (n < best_count) {
          best = c;
          best_count = n;
        }
      }
      place(best, solution.cells[best], false);
    }
  }
  return order;
}

std::vector<int64_t> encode_ar_prompt(const Board& puzzle) {
  require_9x9(puzzle, "puzzle");
  std::vector<int64_t> tokens(puzzle.cells.begin(), puzzle.cells.end());
  tokens.push_back(kArSep);
  return tokens;
}

std::vector<int64_t> encode_ar(const Board& puzzle, const Board& solution, ArOrder order) {
  std::vector<int64_t> tokens = encode_ar_prompt(puzzle);
  if (order == ArOrder::fixed) {
    require_9x9(solution, "solution");
    if (!solution.complete()) throw std::invalid_argument("ar tokens: solution has blank cells");
    tokens.insert(tokens.end(), solution.cells.begin(), solution.cells.end());
  } else {
    for (int c : deductive_order(puzzle, solution)) {
      tokens.push_back(kArCellBase + c);
      tokens.push_back(solution.cells[c]);
    }
  }
  return tokens;
}

ArBatch encode_ar_batch(const std::vector<Board>& puzzles, const std::vector<Board>& solutions, ArOrder order) {
  if (puzzles.empty() || puzzles.size() != solutions.size())
    throw std::invalid_argument("ar tokens: batch needs as many solutions as puzzles, at least one");
  std::vector<std::vector<int64_t>> rows;
  size_t longest = 0;
  for (size_t i = 0; i < puzzles.size(); ++i) {
    rows.push_back(encode_ar(puzzles[i], solutions[i], order));
    longest = std::max(longest, rows.back().size());
  }
  const auto B = static_cast<int64_t>(rows.size());
  ArBatch batch;
  batch.tokens = torch::zeros({B, static_cast<int64_t>(longest)}, torch::kLong);
  batch.lengths = torch::zeros({B}, torch::kLong);
  auto t = batch.tokens.accessor<int64_t, 2>();
  auto l = batch.lengths.accessor<int64_t, 1>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& row = rows[b];
    for (size_t i = 0; i < row.size(); ++i) t[b][static_cast<int64_t>(i)] = row[i];
    l[b] = static_cast<int64_t>(row.size());
  }
  return batch;
}

Board decode_ar_answer(const Board& puzzle, const std::vector<int64_t>& answer, ArOrder order) {
  require_9x9(puzzle, "puzzle");
  Board board = puzzle;
  if (order == ArOrder::fixed) {
    for (int c = 0; c < kCells; ++c) {
      const int64_t t = c < static_cast<int>(answer.size()) ? answer[c] : 0;
      board.cells[c] = (t >= 1 && t <= 9) ? static_cast<int>(t) : 0;
    }
    return board;
  }
  for (size_t i = 0; i + 1 < answer.size(); i += 2) {
    const int64_t cell = answer[i] - kArCellBase, digit = answer[i + 1];
    if (cell < 0 || cell >= kCells || digit < 1 || digit > 9) continue;
    if (board.cells[cell] != 0) continue;
    board.cells[cell] = static_cast<int>(digit);
  }
  return board;
}

torch::Tensor ar_allowed_mask(ArOrder order, int64_t steps) {
  if (steps < 1) throw std::invalid_argument("ar tokens: allowed mask needs steps >= 1");
  auto mask = torch::zeros({steps, kArVocab}, torch::kBool);
  using torch::indexing::Slice;
  if (order == ArOrder::fixed) {
    mask.index_put_({Slice(), Slice(1, 10)}, true);
  } else {
    mask.index_put_({Slice(0, torch::indexing::None, 2), Slice(kArCellBase, kArVocab)}, true);
    mask.index_put_({Slice(1, torch::indexing::None, 2), Slice(1, 10)}, true);
  }
  return mask;
}

}  // namespace ebm::sudoku
