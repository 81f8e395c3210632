#include "ebm/checkpoint_soundness.h"

#include <torch/torch.h>

#include <cstdio>

namespace ebm {

std::string tensor_problem(const torch::Tensor& tensor) {
  if (!tensor.is_floating_point() || tensor.numel() == 0) return "";
  const auto values = tensor.to(torch::kDouble);
  if (!torch::isfinite(values).all().item<bool>()) return "holds NaN or Inf";
  const double max_abs = values.abs().max().item<double>();
  if (max_abs == 0.0 && tensor.numel() > 1) return "is all zero";
  if (max_abs > kImplausibleWeight) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.3g", max_abs);
    return "has |w| up to " + std::string(text) + " (> 1e4)";
  }
  return "";
}

std::vector<std::string> weight_problems(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  std::vector<std::string> problems;
  for (const auto& [name, tensor] : tensors) {
    const std::string problem = tensor_problem(tensor);
    if (!problem.empty()) problems.push_back("tensor '" + name + "' " + problem);
  }
  return problems;
}

}  // namespace ebm
