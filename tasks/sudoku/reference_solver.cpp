#include "tasks/sudoku/reference_solver.h"

#include <algorithm>
#include <stdexcept>
#include <utility>
#include <vector>

namespace ebm::sudoku {

namespace {

// Dancing links over index arrays. Node 0 is the root, nodes 1..columns are column headers, the rest
// are the four nodes of each candidate row.
class Dlx {
 public:
  Dlx(const Board& puzzle, const ReferenceOptions& options, const Layout& layout)
      : puzzle_(puzzle), options_(options), n_(puzzle.size()), units_(layout.units.size()),
        units_of_cell_(layout.cell_units) {}

  ReferenceResult run() {
    result_.first = Board(puzzle_.box);
    if (build()) {
      stack_.assign(n_ * n_, 0);
      rows_.resize(n_ * n_ * n_ + 1);
      search(0);
    }
    if (result_.solutions == 0) result_.first = Board(puzzle_.box);
    return result_;
  }

 private:
  // Column (0-based) of constraint k of candidate (cell, d): k = 0 the cell, k >= 1 its (k-1)-th unit
  // has digit d.
  int constraint(int cell, int d, int k) const {
    if (k == 0) return cell;
    return n_ * n_ + units_of_cell_[cell][k - 1] * n_ + d;
  }
  int constraints_of(int cell) const { return 1 + static_cast<int>(units_of_cell_[cell].size()); }

  // Links the columns the givens leave open and the candidates compatible with the givens (less the
  // forbidden one). False when the givens contradict each other.
  bool build() {
    const int cells = n_ * n_, columns = cells + units_ * n_;
    size_t widest = 0;
    for (const auto& units : units_of_cell_) widest = std::max(widest, units.size());
    std::vector<char> satisfied(columns, 0);
    for (int cell = 0; cell < cells; ++cell) {
      const int d = puzzle_.cells[cell];
      if (d == 0) continue;
      if (cell == options_.forbid_cell && d == options_.forbid_digit) return false;
      for (int k = 0; k < constraints_of(cell); ++k) {
        char& used = satisfied[constraint(cell, d - 1, k)];
        if (used) return false;
        used = 1;
      }
      result_.first.cells[cell] = d;
    }

    const int max_nodes = 1 + columns + (1 + static_cast<int>(widest)) * cells * n_;
    left_.resize(max_nodes);
    right_.resize(max_nodes);
    up_.resize(max_nodes);
    down_.resize(max_nodes);
    column_.resize(max_nodes);
    candidate_.resize(max_nodes);
    size_.assign(columns + 1, 0);
    int last = 0;
    for (int c = 0; c <= columns; ++c) {
      up_[c] = down_[c] = column_[c] = c;
      if (c > 0 && satisfied[c - 1]) continue;
      left_[c] = last;
      right_[last] = c;
      last = c;
    }
    right_[last] = 0;
    left_[0] = last;

    int next = columns + 1;
    for (int cell = 0; cell < cells; ++cell) {
      if (puzzle_.cells[cell] != 0) continue;
      for (int d = 0; d < n_; ++d) {
        if (cell == options_.forbid_cell && d + 1 == options_.forbid_digit) continue;
        const int count = constraints_of(cell);
        bool blocked = false;
        for (int k = 1; k < count && !blocked; ++k) blocked = satisfied[constraint(cell, d, k)];
        if (blocked) continue;
        const int first = next;
        for (int k = 0; k < count; ++k) {
          const int node = next++;
          const int col = 1 + constraint(cell, d, k);
          column_[node] = col;
          candidate_[node] = cell * n_ + d;
          up_[node] = up_[col];
          down_[node] = col;
          down_[up_[col]] = node;
          up_[col] = node;
          ++size_[col];
          left_[node] = k == 0 ? first + count - 1 : node - 1;
          right_[node] = k == count - 1 ? first : node + 1;
        }
      }
    }
    return true;
  }

  void cover(int col) {
    right_[left_[col]] = right_[col];
    left_[right_[col]] = left_[col];
    for (int i = down_[col]; i != col; i = down_[i]) {
      for (int j = right_[i]; j != i; j = right_[j]) {
        down_[up_[j]] = down_[j];
        up_[down_[j]] = up_[j];
        --size_[column_[j]];
      }
    }
  }

  void uncover(int col) {
    for (int i = up_[col]; i != col; i = up_[i]) {
      for (int j = left_[i]; j != i; j = left_[j]) {
        ++size_[column_[j]];
        down_[up_[j]] = j;
        up_[down_[j]] = j;
      }
    }
    right_[left_[col]] = col;
    left_[right_[col]] = col;
  }

  bool stop() const {
    return result_.solutions >= options_.max_solutions || result_.hit_node_limit;
  }

  void record(int depth) {
    if (result_.solutions++ > 0) return;
    for (int k = 0; k < depth; ++k) {
      const int cand = candidate_[stack_[k]];
      result_.first.cells[cand / n_] = cand % n_ + 1;
    }
  }

  void search(int depth) {
    if (right_[0] == 0) {
      record(depth);
      return;
    }
    int best = right_[0];
    for (int c = right_[best]; c != 0 && size_[best] > 1; c = right_[c]) {
      if (size_[c] < size_[best]) best = c;
    }
    if (size_[best] == 0) return;
    if (size_[best] > 1) ++result_.guesses;
    cover(best);

    // The rows of `best` go on a shared stack: the deeper levels only use the part above them.
    int* rows = rows_.data() + rows_top_;
    int count = 0;
    for (int i = down_[best]; i != best; i = down_[i]) rows[count++] = i;
    rows_top_ += count;
    if (options_.rng) {
      for (int k = count; k > 1; --k) std::swap(rows[k - 1], rows[(*options_.rng)() % k]);
    }
    for (int r = 0; r < count; ++r) {
      const int i = rows[r];
      if (options_.max_nodes > 0 && result_.nodes >= options_.max_nodes) {
        result_.hit_node_limit = true;
        break;
      }
      ++result_.nodes;
      stack_[depth] = i;
      for (int j = right_[i]; j != i; j = right_[j]) cover(column_[j]);
      search(depth + 1);
      for (int j = left_[i]; j != i; j = left_[j]) uncover(column_[j]);
      if (stop()) break;
    }
    rows_top_ -= count;
    uncover(best);
  }

  const Board& puzzle_;
  const ReferenceOptions& options_;
  int n_ = 0;
  int units_ = 0;
  const std::vector<std::vector<int>>& units_of_cell_;
  std::vector<int> left_, right_, up_, down_, column_, candidate_, size_;
  std::vector<int> stack_;
  std::vector<int> rows_;
  int rows_top_ = 0;
  ReferenceResult result_;
};

}  // namespace

ReferenceResult reference_solve(const Board& puzzle, const ReferenceOptions& options) {
  if (!puzzle.well_formed()) throw std::invalid_argument("sudoku solve: puzzle is malformed");
  if (options.max_solutions < 1) throw std::invalid_argument("sudoku solve: max_solutions must be >= 1");
  if (!options.layout) return Dlx(puzzle, options, shared_standard_layout(puzzle.box)).run();
  if (options.layout->box != puzzle.box)
    throw std::invalid_argument("sudoku solve: the layout is " + std::to_string(options.layout->size()) + "x" +
                                std::to_string(options.layout->size()) + ", the puzzle " +
                                std::to_string(puzzle.size()) + "x" + std::to_string(puzzle.size()));
  return Dlx(puzzle, options, *options.layout).run();
}

ReferenceResult reference_solve(const Board& puzzle, int max_solutions) {
  ReferenceOptions options;
  options.max_solutions = max_solutions;
  return reference_solve(puzzle, options);
}

int count_solutions(const Board& puzzle, int cap) {
  return reference_solve(puzzle, cap).solutions;
}

Board random_grid(int box, std::mt19937_64& rng) { return random_grid(shared_standard_layout(box), rng); }

Board random_grid(const Layout& layout, std::mt19937_64& rng) {
  const Board blank(layout.box);
  ReferenceOptions options;
  options.rng = &rng;
  options.layout = &layout;
  // A shuffled search is occasionally led into a long dead end (16x16, jigsaws); restart those.
  options.max_nodes = 16L * blank.cell_count();
  // After kBoundedTries, one unbounded search settles it (a layout with no complete grid is refused).
  constexpr int kBoundedTries = 256;
  for (int attempt = 0;; ++attempt) {
    if (attempt == kBoundedTries) options.max_nodes = 0;
    ReferenceResult result = reference_solve(blank, options);
    if (result.solved()) return result.first;
    if (options.max_nodes == 0)
      throw std::invalid_argument("sudoku layout " + layout.describe() + " admits no complete grid");
  }
}

long reference_guesses(const Board& puzzle) { return reference_solve(puzzle, 2).guesses; }

}  // namespace ebm::sudoku
