#include "tasks/sudoku/trial_and_error.h"

#include <bitset>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace ebm::sudoku {

namespace {

// The rows, columns and boxes of a standard board, and each cell's peers.
struct Geometry {
  int n = 9, cells = 81;
  std::vector<std::vector<int>> units;  // 3N units of N cells
  std::vector<std::vector<int>> peers;  // per cell: the cells sharing a unit with it

  explicit Geometry(int box) : n(box * box), cells(n * n), peers(size_t(cells)) {
    for (int r = 0; r < n; ++r) {
      std::vector<int> row, col, square;
      for (int i = 0; i < n; ++i) {
        row.push_back(r * n + i);
        col.push_back(i * n + r);
        square.push_back(((r / box) * box + i / box) * n + (r % box) * box + i % box);
      }
      units.push_back(row), units.push_back(col), units.push_back(square);
    }
    for (int c = 0; c < cells; ++c) {
      std::vector<bool> seen(size_t(cells), false);
      for (const auto& unit : units) {
        bool in_unit = false;
        for (int member : unit) in_unit = in_unit || member == c;
        if (!in_unit) continue;
        for (int member : unit)
          if (member != c && !seen[size_t(member)]) seen[size_t(member)] = true, peers[size_t(c)].push_back(member);
      }
    }
  }
};

// Candidates of every cell (bit d-1 for digit d) and the decided digits (0 = undecided).
struct Grid {
  std::vector<uint32_t> candidates;
  std::vector<int> value;
  int undecided = 0;
};

class Rater {
 public:
  explicit Rater(int box) : geometry_(box) {}

  // False when assigning `digit` to `cell` contradicts a decided peer.
  bool assign(Grid& grid, int cell, int digit) const {
    const uint32_t bit = 1u << (digit - 1);
    if (!(grid.candidates[size_t(cell)] & bit)) return false;
    grid.value[size_t(cell)] = digit;
    grid.candidates[size_t(cell)] = bit;
    --grid.undecided;
    for (int peer : geometry_.peers[size_t(cell)]) {
      if (grid.value[size_t(peer)] == digit) return false;
      grid.candidates[size_t(peer)] &= ~bit;
    }
    return true;
  }

  // Naked and hidden singles until nothing changes; false on a contradiction.
  bool singles(Grid& grid) const {
    const int n = geometry_.n;
    for (bool changed = true; changed;) {
      changed = false;
      for (int c = 0; c < geometry_.cells; ++c) {
        if (grid.value[size_t(c)] != 0) continue;
        const uint32_t left = grid.candidates[size_t(c)];
        if (left == 0) return false;
        if ((left & (left - 1)) == 0) {
          if (!assign(grid, c, __builtin_ctz(left) + 1)) return false;
          changed = true;
        }
      }
      for (const auto& unit : geometry_.units) {
        for (int d = 1; d <= n; ++d) {
          const uint32_t bit = 1u << (d - 1);
          int places = 0, place = -1;
          bool decided = false;
          for (int c : unit) {
            if (grid.value[size_t(c)] == d) decided = true;
            else if (grid.value[size_t(c)] == 0 && (grid.candidates[size_t(c)] & bit)) ++places, place = c;
          }
          if (decided) continue;
          if (places == 0) return false;
          if (places == 1) {
            if (!assign(grid, place, d)) return false;
            changed = true;
          }
        }
      }
    }
    return true;
  }

  // T&E(depth) on `grid` in place; false on a contradiction. Counts its own eliminations (not those of
  // the trials inside) into *eliminations when given.
  bool closure(Grid& grid, int depth, int* eliminations = nullptr) const {
    if (!singles(grid)) return false;
    if (depth == 0) return true;
    for (bool progress = true; progress && grid.undecided > 0;) {
      progress = false;
      for (int c = 0; c < geometry_.cells && grid.undecided > 0; ++c) {
        if (grid.value[size_t(c)] != 0) continue;
        for (int d = 1; d <= geometry_.n; ++d) {
          if (!(grid.candidates[size_t(c)] & (1u << (d - 1))) || grid.value[size_t(c)] != 0) continue;
          Grid trial = grid;
          if (assign(trial, c, d) && closure(trial, depth - 1)) continue;
          grid.candidates[size_t(c)] &= ~(1u << (d - 1));  // the assumption led to a contradiction
          progress = true;
          if (eliminations) ++*eliminations;
          if (!singles(grid)) return false;
        }
      }
    }
    return true;
  }

  // The puzzle's givens placed; false when they contradict each other.
  bool start(const Board& puzzle, Grid& grid) const {
    const uint32_t all = geometry_.n == 32 ? ~0u : (1u << geometry_.n) - 1;
    grid.candidates.assign(size_t(geometry_.cells), all);
    grid.value.assign(size_t(geometry_.cells), 0);
    grid.undecided = geometry_.cells;
    for (int c = 0; c < geometry_.cells; ++c)
      if (puzzle.cells[size_t(c)] != 0 && !assign(grid, c, puzzle.cells[size_t(c)])) return false;
    return true;
  }

 private:
  Geometry geometry_;
};

}  // namespace

TrialAndErrorRating rate_trial_and_error(const Board& puzzle, int max_depth) {
  if (puzzle.box < 2 || puzzle.box > 4) throw std::invalid_argument("T&E rating: box must be 2, 3 or 4");
  if (max_depth < 0 || max_depth > 2) throw std::invalid_argument("T&E rating: max_depth must be 0, 1 or 2");
  const Rater rater(puzzle.box);
  TrialAndErrorRating rating;
  Grid start;
  if (!rater.start(puzzle, start)) {
    rating.undecided_after_1 = -1;
    return rating;
  }
  for (int depth = 0; depth <= std::max(1, max_depth); ++depth) {
    Grid grid = start;
    const bool consistent = rater.closure(grid, depth, depth == 1 ? &rating.eliminations_1 : nullptr);
    if (depth == 1) {
      rating.undecided_after_1 = consistent ? grid.undecided : -1;
      rating.candidates_after_1 = 0;
      for (int c = 0; consistent && c < int(grid.value.size()); ++c)
        if (grid.value[size_t(c)] == 0) rating.candidates_after_1 += __builtin_popcount(grid.candidates[size_t(c)]);
    }
    if (consistent && grid.undecided == 0 && rating.depth < 0 && depth <= max_depth) rating.depth = depth;
    if (depth >= 1 && rating.depth >= 0) break;
  }
  return rating;
}

}  // namespace ebm::sudoku
