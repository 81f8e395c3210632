#include "tasks/sudoku/ar_masks.h"

#include <torch/torch.h>

#include <stdexcept>
#include <string>

namespace ebm::sudoku {

namespace {

using torch::indexing::Slice;

// Row s of the fixed order: [rows, cells, vocab], the given digit alone at givens, digits elsewhere.
torch::Tensor fixed_table(const std::vector<Board>& puzzles, int64_t vocab) {
  const int n = puzzles.front().size(), cells = puzzles.front().cell_count();
  auto table = torch::zeros({static_cast<int64_t>(puzzles.size()), cells, vocab}, torch::kBool);
  auto t = table.accessor<bool, 3>();
  for (size_t r = 0; r < puzzles.size(); ++r)
    for (int c = 0; c < cells; ++c) {
      const int given = puzzles[r].cells[c];
      for (int d = 1; d <= n; ++d) t[r][c][d] = given == 0 || given == d;
    }
  return table;
}

torch::Tensor blank_cells(const std::vector<Board>& puzzles) {
  const int cells = puzzles.front().cell_count();
  auto blank = torch::zeros({static_cast<int64_t>(puzzles.size()), cells}, torch::kBool);
  auto b = blank.accessor<bool, 2>();
  for (size_t r = 0; r < puzzles.size(); ++r)
    for (int c = 0; c < cells; ++c) b[r][c] = puzzles[r].cells[c] == 0;
  return blank;
}

}  // namespace

StepMask ar_step_mask(ArOrder order, const std::vector<Board>& puzzles, const torch::Device& device) {
  if (puzzles.empty()) throw std::invalid_argument("ar mask: no puzzles");
  const int box = puzzles.front().box;
  require_ar_box(box);
  const int blanks = puzzles.front().cell_count() - count_givens(puzzles.front());
  for (size_t r = 0; r < puzzles.size(); ++r) {
    if (!puzzles[r].well_formed() || puzzles[r].box != box)
      throw std::invalid_argument("ar mask: puzzle " + std::to_string(r) + " is not a well-formed board of box " +
                                  std::to_string(box));
    if (order == ArOrder::Solver && puzzles[r].cell_count() - count_givens(puzzles[r]) != blanks)
      throw std::invalid_argument("ar mask: solver order needs puzzles of one blank count (answer length)");
  }
  const int64_t vocab = ar_vocab(box), cells = puzzles.front().cell_count();
  if (order == ArOrder::Fixed) {
    const torch::Tensor table = fixed_table(puzzles, vocab).to(device);
    return [table](int64_t s, const torch::Tensor&) { return table.select(1, s); };
  }
  auto digits = torch::zeros({vocab}, torch::kBool);
  digits.index_put_({Slice(1, box * box + 1)}, true);
  digits = digits.to(device);
  const torch::Tensor blank = blank_cells(puzzles).to(device);
  return [digits, blank, vocab, cells](int64_t s, const torch::Tensor& generated) {
    if (s % 2 == 1) return digits.unsqueeze(0).expand({generated.size(0), vocab});
    torch::Tensor open = blank.clone();
    if (s > 0) {
      // Cells written at the earlier even positions; a token that is not a cell goes to a spare column.
      torch::Tensor written = generated.index({Slice(), Slice(0, s, 2)}) - kArCellBase;
      written = torch::where((written >= 0) & (written < cells), written, torch::full_like(written, cells));
      const torch::Tensor taken = torch::zeros({open.size(0), cells + 1}, open.options())
                                      .scatter(1, written, torch::ones_like(written, open.options()));
      open = open & taken.narrow(1, 0, cells).logical_not();
    }
    auto mask = torch::zeros({open.size(0), vocab}, open.options());
    mask.narrow(1, kArCellBase, cells).copy_(open);
    return mask;
  };
}

}  // namespace ebm::sudoku
