// The conflict (Potts) energy of graph colouring on states y [B, V, K] (one simplex, or one-hot row,
// of K colours per vertex):
//
//   E(y) = sum over edges (u, v) of <y_u, y_v>
//
// On a one-hot state it counts the edges whose ends share a colour, so E = 0 exactly on proper
// colourings. On relaxed states E = 0 forces the supports of adjacent vertices apart, so the argmax
// of any zero-energy state is a proper colouring too.
// Closed-form gradient: dE/dy = A y (A the adjacency matrix), computed from the edge list:
//   g[u] += y[v], g[v] += y[u] for every edge. E = 1/2 sum(y * g).
//
// Condition: int64 [B, E_max, 2] padded edge lists (encoding.h): 0-based ends u, v of each edge;
// padding rows are (V, V), which point at a zero row appended to y and so add nothing.
#pragma once

#include "ebm/energy.h"

namespace ebm::coloring {

class ConflictEnergy : public Energy {
 public:
  ConflictEnergy() : Energy("ConflictEnergy") {}
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  torch::Tensor closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  EnergyAndGradient closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                    const torch::Tensor& answer) override;
  // The conflicts of one [V, K] row on its padded edge list (condition int64 [B, E_max, 2], CPU).
  RowKernelPtr row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) override;
  std::string describe() const override { return "coloring-conflicts"; }
};

}  // namespace ebm::coloring
