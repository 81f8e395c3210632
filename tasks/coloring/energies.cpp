#include "tasks/coloring/energies.h"

#include <torch/torch.h>

namespace ebm::coloring {

namespace {

// A y [B, V, K] from the padded edge lists `edges` [B, E_max, 2].
torch::Tensor neighbour_sums(const torch::Tensor& edges, const torch::Tensor& y) {
  const int64_t rows = y.size(0), vertices = y.size(1), colors = y.size(2), slots = edges.size(1);
  auto padded = torch::cat({y, torch::zeros({rows, 1, colors}, y.options())}, 1);  // [B, V+1, K]
  auto u = edges.select(2, 0).unsqueeze(2).expand({rows, slots, colors});
  auto v = edges.select(2, 1).unsqueeze(2).expand({rows, slots, colors});
  auto sums = torch::zeros_like(padded);
  sums.scatter_add_(1, u, padded.gather(1, v)).scatter_add_(1, v, padded.gather(1, u));
  return sums.narrow(1, 0, vertices);
}

}  // namespace

torch::Tensor ConflictEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  const int64_t rows = answer.size(0), colors = answer.size(2), slots = condition.size(1);
  auto padded = torch::cat({answer, torch::zeros({rows, 1, colors}, answer.options())}, 1);
  auto u = condition.select(2, 0).unsqueeze(2).expand({rows, slots, colors});
  auto v = condition.select(2, 1).unsqueeze(2).expand({rows, slots, colors});
  return (padded.gather(1, u) * padded.gather(1, v)).sum({1, 2});
}

torch::Tensor ConflictEnergy::closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) {
  return neighbour_sums(condition, answer);
}

EnergyAndGradient ConflictEnergy::closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                                  const torch::Tensor& answer) {
  auto gradient = neighbour_sums(condition, answer);
  return {(answer * gradient).sum({1, 2}) * 0.5, gradient};
}

}  // namespace ebm::coloring
