#include "ebm/learning/objectives.h"

#include <torch/torch.h>

namespace ebm {

torch::Tensor denoising_gradient_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& noisy,
                                      const torch::Tensor& clean, const torch::Tensor& free_mask, double scale) {
  auto y = noisy.detach().requires_grad_(true);
  auto e = energy.forward(condition, y);
  auto gradient = torch::autograd::grad({e.sum()}, {y}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  auto error = (gradient - (y.detach() - clean) / scale).square();
  if (free_mask.defined()) return error.masked_select(free_mask).mean();
  return error.mean();
}

torch::Tensor contrastive_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& positives,
                               const torch::Tensor& negatives, double reg) {
  auto e_pos = energy.forward(condition, positives);
  auto e_neg = energy.forward(condition, negatives.detach());
  return e_pos.mean() - e_neg.mean() + reg * (e_pos.square().mean() + e_neg.square().mean());
}

}  // namespace ebm
