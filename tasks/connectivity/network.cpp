#include "tasks/connectivity/network.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::connectivity {

namespace {

constexpr const char* kEnergyKind = "connectivity-energy";
constexpr const char* kRegressorKind = "connectivity-regressor";

}  // namespace

PairCore::PairCore(int64_t hidden, int64_t layers, int64_t landscapes)
    : tensor::GraphCore("PairCore"), hidden_(hidden), landscapes_(landscapes) {
  embed_ = register_module("embed", tensor::two_layer_mlp(3 + landscapes, hidden, hidden));
  for (int64_t l = 0; l < layers; ++l) {
    norms_.push_back(register_module("norm" + std::to_string(l), torch::nn::LayerNorm(torch::nn::LayerNormOptions({hidden}))));
    updates_.push_back(register_module("update" + std::to_string(l), tensor::two_layer_mlp(4 * hidden, hidden, hidden)));
  }
}

torch::Tensor PairCore::features(const torch::Tensor& condition, const torch::Tensor& answer, const torch::Tensor& level) {
  if (condition.dim() != 3 || condition.size(1) != condition.size(2))
    throw std::invalid_argument("connectivity network: the condition must be adjacency matrices [B, n, n]");
  const int64_t rows = condition.size(0), n = condition.size(1);
  auto y = answer.defined() ? answer : torch::zeros({rows, n * n, 2}, condition.options());
  if (y.dim() != 3 || y.size(1) != n * n || y.size(2) != 2)
    throw std::invalid_argument("connectivity network: the answer must be [B, n*n, 2] for n = " + std::to_string(n));
  std::vector<torch::Tensor> inputs = {condition.unsqueeze(-1), y.reshape({rows, n, n, 2})};
  if (landscapes_ > 0) inputs.push_back(level.reshape({rows, 1, 1, landscapes_}).expand({rows, n, n, landscapes_}));
  auto h = embed_->forward(torch::cat(inputs, -1));  // [B, n, n, H]
  for (size_t l = 0; l < updates_.size(); ++l) {
    auto z = norms_[l]->forward(h);
    auto row = z.mean(2, /*keepdim=*/true).expand_as(z);  // mean_m z_im
    auto column = z.mean(1, /*keepdim=*/true).expand_as(z);  // mean_m z_mj
    auto channels_first = z.permute({0, 3, 1, 2});  // [B, H, n, n]
    auto paths = torch::matmul(channels_first, channels_first).permute({0, 2, 3, 1}) / double(n);
    h = h + updates_[l]->forward(torch::cat({z, row, column, paths}, -1));
  }
  return h.reshape({rows, n * n, 1, hidden_});
}

nlohmann::json default_architecture(bool energy) {
  if (!energy) return {{"kind", kRegressorKind}, {"hidden", 32}, {"layers", 4}};
  return {{"kind", kEnergyKind}, {"hidden", 32}, {"layers", 4}, {"landscapes", 10}, {"head", "square"}, {"reconstruct", true}};
}

std::shared_ptr<tensor::GraphEnergy> make_energy(const nlohmann::json& architecture) {
  tensor::require_architecture_kind(architecture, kEnergyKind);
  const int64_t hidden = tensor::architecture_int(architecture, "hidden");
  const int64_t layers = tensor::architecture_int(architecture, "layers");
  return tensor::make_graph_energy(architecture, {{"kind", kEnergyKind}, {"hidden", hidden}, {"layers", layers}}, 2,
                                   [&](int64_t landscapes) { return std::make_shared<PairCore>(hidden, layers, landscapes); });
}

std::shared_ptr<tensor::GraphRegressor> make_regressor(const nlohmann::json& architecture) {
  tensor::require_architecture_kind(architecture, kRegressorKind);
  const int64_t hidden = tensor::architecture_int(architecture, "hidden");
  const int64_t layers = tensor::architecture_int(architecture, "layers");
  nlohmann::json canonical = {{"kind", kRegressorKind}, {"hidden", hidden}, {"layers", layers}};
  return std::make_shared<tensor::GraphRegressor>(std::make_shared<PairCore>(hidden, layers, 0), 2, canonical);
}

}  // namespace ebm::connectivity
