#include "ebm/checkpoint_soundness.h"

#include <torch/torch.h>

#include <cstdio>

namespace ebm {

std::string implausible_magnitude(const torch::Tensor& tensor) {
  if (!tensor.is_floating_point() || tensor.numel() == 0) return "";
  const double max_abs = tensor.to(torch::kDouble).abs().max().item<double>();
  if (!(max_abs > kImplausibleWeight)) return "";
  char text[32];
  std::snprintf(text, sizeof(text), "%.3g", max_abs);
  return "has |w| up to " + std::string(text) + " (> 1e4)";
}

std::string tensor_problem(const torch::Tensor& tensor) {
  if (!tensor.is_floating_point() || tensor.numel() == 0) return "";
  const auto values = tensor.to(torch::kDouble);
  if (!torch::isfinite(values).all().item<bool>()) return "holds NaN or Inf";
  if (values.abs().max().item<double>() == 0.0 && tensor.numel() > 1) return "is all zero";
  return implausible_magnitude(tensor);
}

std::vector<std::string> weight_problems(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  std::vector<std::string> problems;
  for (const auto& [name, tensor] : tensors) {
    const std::string problem = tensor_problem(tensor);
    if (!problem.empty()) problems.push_back("tensor '" + name + "' " + problem);
  }
  return problems;
}

std::vector<std::string> metadata_problems(const nlohmann::json& metadata) {
  std::vector<std::string> problems;
  const auto kind = metadata.find("kind");
  if (kind == metadata.end() || !kind->is_string() || kind->get<std::string>().empty())
    problems.push_back("metadata has no 'kind' (which model this is)");
  const auto architecture = metadata.find("architecture");
  if (architecture == metadata.end() || !architecture->is_object()) {
    problems.push_back("metadata has no 'architecture' object (how to build the model)");
    return problems;
  }
  constexpr int64_t kMaxSize = int64_t{1} << 20;
  for (const char* field : {"layers", "hidden", "heads", "d_model", "d_ff", "vocab", "max_length", "box", "input",
                            "output", "landscapes", "plan_layers"}) {
    const auto value = architecture->find(field);
    if (value == architecture->end()) continue;
    const int64_t low = std::string(field) == "d_ff" ? 0 : 1;
    const bool ok = value->is_number_integer() && value->get<int64_t>() >= low && value->get<int64_t>() <= kMaxSize;
    if (!ok)
      problems.push_back("architecture field '" + std::string(field) + "' is " + value->dump() + ", not an integer in [" +
                         std::to_string(low) + ", " + std::to_string(kMaxSize) + "]");
  }
  return problems;
}

}  // namespace ebm
