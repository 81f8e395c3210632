#include "tasks/coloring/energies.h"

#include <torch/torch.h>

namespace ebm::coloring {

namespace {

// The state with colours first and a zero vertex appended: [B, K, V+1] (gathers and scatters along the
// last, contiguous dimension are about twice as fast as along the vertex dimension of [B, V, K]).
torch::Tensor colours_first(const torch::Tensor& y) {
  return torch::cat({y.transpose(1, 2), torch::zeros({y.size(0), y.size(2), 1}, y.options())}, 2);
}

// One end of every edge slot, broadcast over the K colours: [B, K, E_max].
torch::Tensor edge_end(const torch::Tensor& edges, int64_t end, int64_t colors) {
  return edges.select(2, end).unsqueeze(1).expand({edges.size(0), colors, edges.size(1)});
}

// A y [B, V, K] from the padded edge lists `edges` [B, E_max, 2].
torch::Tensor neighbour_sums(const torch::Tensor& edges, const torch::Tensor& y) {
  const int64_t colors = y.size(2);
  auto padded = colours_first(y);
  auto u = edge_end(edges, 0, colors), v = edge_end(edges, 1, colors);
  auto sums = torch::zeros_like(padded);
  sums.scatter_add_(2, u, padded.gather(2, v)).scatter_add_(2, v, padded.gather(2, u));
  return sums.narrow(2, 0, y.size(1)).transpose(1, 2);
}

// Row r's edges (u, v) with u < V (padding (V, V) skipped): E += <y_u, y_v>, g_u += w y_v, g_v += w y_u.
class ConflictRowKernel : public RowEnergyKernel {
 public:
  ConflictRowKernel(torch::Tensor edges, int64_t vertices, int64_t colors)
      : edges_(std::move(edges)), vertices_(vertices), colors_(colors) {}
  double accumulate(int64_t row, const float* y, float weight, float* gradient) const override {
    const int64_t slots = edges_.size(1);
    const int64_t* edge = edges_.data_ptr<int64_t>() + row * slots * 2;
    double energy = 0.0;
    for (int64_t e = 0; e < slots; ++e) {
      const int64_t u = edge[2 * e], v = edge[2 * e + 1];
      if (u >= vertices_ || v >= vertices_) continue;
      const float* yu = y + u * colors_;
      const float* yv = y + v * colors_;
      float* gu = gradient + u * colors_;
      float* gv = gradient + v * colors_;
      for (int64_t k = 0; k < colors_; ++k) {
        energy += double(yu[k]) * yv[k];
        gu[k] += weight * yv[k];
        gv[k] += weight * yu[k];
      }
    }
    return energy;
  }

 private:
  torch::Tensor edges_;  // int64 [B, E_max, 2], contiguous on the CPU (held: the kernel reads it)
  int64_t vertices_, colors_;
};

}  // namespace

RowKernelPtr ConflictEnergy::row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) {
  if (answer_shape.size() != 2 || !condition.defined() || condition.dim() != 3 || condition.size(2) != 2 ||
      !condition.device().is_cpu() || condition.scalar_type() != torch::kLong)
    return nullptr;
  return std::make_shared<ConflictRowKernel>(condition.contiguous(), answer_shape[0], answer_shape[1]);
}

torch::Tensor ConflictEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  const int64_t colors = answer.size(2);
  auto padded = colours_first(answer);
  return (padded.gather(2, edge_end(condition, 0, colors)) * padded.gather(2, edge_end(condition, 1, colors))).sum({1, 2});
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
