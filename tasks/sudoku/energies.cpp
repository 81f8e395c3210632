#include "tasks/sudoku/energies.h"

#include "tasks/sudoku/encoding.h"

#include <torch/torch.h>

namespace ebm::sudoku {

torch::Tensor SudokuConstraintEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  auto residual = unit_digit_sums(answer, box_) - 1.0;
  return residual.square().sum({1, 2});
}

torch::Tensor SudokuConstraintEnergy::closed_form_gradient(const torch::Tensor&, const torch::Tensor& answer) {
  auto residual = unit_digit_sums(answer, box_) - 1.0;
  return spread_unit_values(residual * 2.0, box_);
}

EnergyAndGradient SudokuConstraintEnergy::closed_form_energy_and_gradient(const torch::Tensor&,
                                                                          const torch::Tensor& answer) {
  auto residual = unit_digit_sums(answer, box_) - 1.0;
  return {residual.square().sum({1, 2}), spread_unit_values(residual * 2.0, box_)};
}

}  // namespace ebm::sudoku
