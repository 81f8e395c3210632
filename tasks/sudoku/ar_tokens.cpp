#include "tasks/sudoku/ar_tokens.h"


#include <algorithm>
#include <stdexcept>

namespace ebm::sudoku {

namespace {

void require_board(const Board& b, const char* what) {
  if (!b.well_formed()) throw std::invalid_argument(std::string("ar tokens: ") + what + " is not a well-formed board");
  require_ar_box(b.box);
}

// Row/column/box digit masks of a board (bit d for digit d).
class Masks {
 public:
  explicit Masks(const Board& b) : box_(b.box), n_(b.size()), row_(n_), col_(n_), unit_box_(n_) {
    for (int c = 0; c < n_ * n_; ++c)
      if (b.cells[c] > 0) place(c, b.cells[c]);
  }
  void place(int c, int d) {
    row_[c / n_] |= 1 << d;
    col_[c % n_] |= 1 << d;
    unit_box_[box_of(c)] |= 1 << d;
  }
  // Digits (as bits 1..N) that no row, column or box of cell c holds yet.
  int candidates(int c) const {
    const int all = ((1 << (n_ + 1)) - 1) & ~1;
    return ~(row_[c / n_] | col_[c % n_] | unit_box_[box_of(c)]) & all;
  }
  // Cell k (0..N-1) of unit u (0..3N-1: rows, columns, boxes).
  int unit_cell(int u, int k) const {
    if (u < n_) return u * n_ + k;
    if (u < 2 * n_) return k * n_ + (u - n_);
    const int b = u - 2 * n_;
    return ((b / box_) * box_ + k / box_) * n_ + (b % box_) * box_ + k % box_;
  }

 private:
  int box_of(int c) const { return (c / n_ / box_) * box_ + (c % n_) / box_; }
  int box_, n_;
  std::vector<int> row_, col_, unit_box_;
};

int popcount(int x) { return __builtin_popcount(static_cast<unsigned>(x)); }
int lowest_digit(int mask) { return __builtin_ctz(static_cast<unsigned>(mask)); }

}  // namespace

void require_ar_box(int box) {
  if (box != 2 && box != 3)
    throw std::invalid_argument("ar tokens: the AR baseline handles 4x4 and 9x9 boards (box 2 or 3), got box " +
                                std::to_string(box));
}

int64_t ar_vocab(int box) {
  require_ar_box(box);
  return kArCellBase + int64_t(box) * box * box * box;
}

int64_t ar_prompt_length(int box) {
  require_ar_box(box);
  return int64_t(box) * box * box * box + 1;
}

ArOrder parse_ar_order(const std::string& name) {
  if (name == "fixed") return ArOrder::Fixed;
  if (name == "solver") return ArOrder::Solver;
  throw std::invalid_argument("ar tokens: unknown order '" + name + "' (expected fixed or solver)");
}

std::string ar_order_name(ArOrder order) { return order == ArOrder::Fixed ? "fixed" : "solver"; }

int64_t ar_answer_length(ArOrder order, int box, int blanks) {
  return order == ArOrder::Fixed ? ar_prompt_length(box) - 1 : 2 * int64_t(blanks);
}

int64_t ar_max_length(ArOrder order, int box) {
  const int64_t cells = ar_prompt_length(box) - 1;
  return cells + 1 + (order == ArOrder::Fixed ? cells : 2 * cells);
}

std::vector<int> deductive_order(const Board& puzzle, const Board& solution) {
  require_board(puzzle, "puzzle");
  require_board(solution, "solution");
  if (solution.box != puzzle.box) throw std::invalid_argument("ar tokens: puzzle and solution differ in size");
  if (!solution.complete()) throw std::invalid_argument("ar tokens: solution has blank cells");
  const int n = puzzle.size(), cells = puzzle.cell_count();
  for (int c = 0; c < cells; ++c)
    if (puzzle.cells[c] != 0 && puzzle.cells[c] != solution.cells[c])
      throw std::invalid_argument("ar tokens: solution changes the given at cell " + std::to_string(c));
  Board state = puzzle;
  Masks masks(state);
  std::vector<int> order;
  const int blanks = cells - count_givens(puzzle);
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
    for (int c = 0; c < cells && !placed; ++c) {
      if (state.cells[c] != 0) continue;
      const int cand = masks.candidates(c);
      if (popcount(cand) == 1) {
        place(c, lowest_digit(cand), true);
        placed = true;
      }
    }
    // 2. hidden singles: units rows, columns, boxes; digits 1..N
    for (int u = 0; u < 3 * n && !placed; ++u) {
      for (int d = 1; d <= n && !placed; ++d) {
        int where = -1, count = 0;
        bool present = false;
        for (int k = 0; k < n; ++k) {
          const int c = masks.unit_cell(u, k);
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
      int best = -1, best_count = n + 1;
      for (int c = 0; c < cells; ++c) {
        if (state.cells[c] != 0) continue;
        const int count = popcount(masks.candidates(c));
        if (count < best_count) {
          best = c;
          best_count = count;
        }
      }
      place(best, solution.cells[best], false);
    }
  }
  return order;
}

std::vector<int64_t> encode_ar_prompt(const Board& puzzle) {
  require_board(puzzle, "puzzle");
  std::vector<int64_t> tokens(puzzle.cells.begin(), puzzle.cells.end());
  tokens.push_back(kArSep);
  return tokens;
}

std::vector<int64_t> encode_ar(const Board& puzzle, const Board& solution, ArOrder order) {
  std::vector<int64_t> tokens = encode_ar_prompt(puzzle);
  if (order == ArOrder::Fixed) {
    require_board(solution, "solution");
    if (solution.box != puzzle.box) throw std::invalid_argument("ar tokens: puzzle and solution differ in size");
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

Board decode_ar_answer(const Board& puzzle, const std::vector<int64_t>& answer, ArOrder order) {
  require_board(puzzle, "puzzle");
  const int n = puzzle.size(), cells = puzzle.cell_count();
  Board board = puzzle;
  if (order == ArOrder::Fixed) {
    for (int c = 0; c < cells; ++c) {
      const int64_t t = c < static_cast<int>(answer.size()) ? answer[c] : 0;
      board.cells[c] = (t >= 1 && t <= n) ? static_cast<int>(t) : 0;
    }
    return board;
  }
  for (size_t i = 0; i + 1 < answer.size(); i += 2) {
    const int64_t cell = answer[i] - kArCellBase, digit = answer[i + 1];
    if (cell < 0 || cell >= cells || digit < 1 || digit > n) continue;
    if (board.cells[cell] != 0) continue;
    board.cells[cell] = static_cast<int>(digit);
  }
  return board;
}

}  // namespace ebm::sudoku
