// Sudoku energies on relaxed boards p [B, N*N, N] (one simplex per cell).
//
// SudokuConstraintEnergy (analytic):
//   E(p) = sum over the 3N units u and N digits d of (sum_{cells c in u} p[c, d] - 1)^2
//   Exactly 0 on every valid completion (each digit once per unit) and > 0 on any one-hot board
//   that breaks a rule. It is also 0 at some fractional points (e.g. p = 1/N everywhere), which is
//   why solving pairs it with a purity term (ebm::CategoricalPurityEnergy) whose weight is annealed.
//   Closed-form gradient: dE/dp[c, d] = 2 * sum over the units u of c of (S[u, d] - 1).
// The condition (givens) is not used: givens are clamped.
//
// The energies the task offers by name (term 1 is always the purity term that the default sampler
// anneals):
//   constraint  SudokuConstraintEnergy + purity
//   learned     the learned network (checkpoint) + purity
//   combined    constraint + purity + learned
//   pairwise    a pairwise energy learned from solved grids alone (<ebm/pairwise_energy.h>; `ebm train
//               sudoku --model pairwise`; shipped: models/sudoku-pairwise.ckpt) + purity
//   attention   an attention energy learned from solved examples, no rule or graph given
//               (<ebm/attention_energy.h>; `ebm train sudoku --model attention`) + purity
#pragma once

#include "ebm/energy.h"
#include "ebm/tasks/sudoku/layout.h"

#include <torch/types.h>

#include <string>

namespace ebm::sudoku {

class SudokuConstraintEnergy : public Energy {
 public:
  explicit SudokuConstraintEnergy(int box = 3) : Energy("SudokuConstraintEnergy"), box_(box) {}
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  torch::Tensor closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  EnergyAndGradient closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                    const torch::Tensor& answer) override;
  // The unit sums on one [N*N, N] row (fused CPU steps); nullptr for any other shape.
  RowKernelPtr row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) override;
  std::string describe() const override { return "sudoku-constraints"; }
  int box() const { return box_; }

 private:
  int box_;
  RowKernelPtr row_kernel_;
};

// The tuned default sampler spec for an energy kind.
std::string default_sampler_spec(const std::string& energy);

// The shipped learned energy's path: models/sudoku-energy.ckpt as shipped_model_file (<ebm/model_files.h>)
// finds it; "" when none exists.
std::string shipped_model_path();

// The energy of a kind (see above) for boards of box `box`, on `device`: with `learned` when given,
// else loaded from `model` (or the shipped model) when the kind needs it. Throws std::invalid_argument
// for an unknown kind, a missing model or a learned model of another box size. box 0: the size is not
// known yet (no puzzle read): a learned, pairwise or attention model of any board size is accepted and
// sets it; the constraint energy is built for 9x9.
EnergyPtr make_energy(const std::string& kind, int box, const std::string& model, const torch::Device& device,
                      EnergyPtr learned = nullptr);
// (That one, for standard Sudoku, checks a pairwise model's shape only, not the variant it learned:
// it serves the check that an energy can be built before any puzzle is read.)
// The same for the puzzles of `layout` (layout.h). A variant (Sudoku-X, jigsaw) has no hand-written
// energy: constraint, learned and combined are refused ("sudoku --variant x has no hand-written
// energy: use --energy pairwise ..."). A pairwise model is refused when the variant and layout its
// training data record ("training"."data": "variant", "layout"; absent = standard) differ from `layout`.
EnergyPtr make_energy(const std::string& kind, const Layout& layout, const std::string& model,
                      const torch::Device& device, EnergyPtr learned = nullptr);

}  // namespace ebm::sudoku
