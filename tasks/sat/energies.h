// The clause-violation energy of CNF formulas (encoding.h gives the tensor layout).
//
//   E(y) = sum over clauses c of  prod over literals l of c of  P(l is false)  =  sum_c prod_l q[idx[c, l]]
//
// On one-hot states every factor is 0 or 1, so E counts the violated clauses (0 exactly on models). On
// probabilities it is the expected number of violated clauses when each variable is drawn independently.
// Each clause lists a variable once, so E is multilinear in y: the first-order change of a single
// variable's flip computed from the gradient is exact (what gwg's and dmala's proposals use).
// Closed-form gradient: dE/dq[j] = sum over the slots (c, l) with idx[c, l] = j of prod_{l' != l} q[idx[c, l']].
//
// On the CPU, outside autograd, both come from one loop over the clause index (clause_kernels.h);
// forward() with an answer that requires grad uses tensor ops, so autograd reaches it too.
//
// condition: int64 [B, C, L] clause index (encoding.h); answer: [B, V, 2]. Returns [B].
#pragma once

#include "ebm/energy.h"

namespace ebm::sat {

class ClauseViolationEnergy : public Energy {
 public:
  ClauseViolationEnergy() : Energy("ClauseViolationEnergy") {}
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  EnergyAndGradient closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                    const torch::Tensor& answer) override;
  // One [V, 2] row on its clause index (condition int64 [B, C, L] on the CPU): clause_row_energy.
  RowKernelPtr row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) override;
  std::string describe() const override { return "clauses"; }
};

}  // namespace ebm::sat
