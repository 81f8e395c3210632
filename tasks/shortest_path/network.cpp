#include "tasks/shortest_path/network.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::shortest_path {

namespace {

constexpr const char* kEnergyKind = "shortest-path-energy";
constexpr const char* kRegressorKind = "shortest-path-regressor";

torch::nn::LayerNorm layer_norm(int64_t width) { return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width})); }

// x [B, S, n, H] moved one step later (row s holds x_{s-1}; row 0 zeros) or earlier (row s holds
// x_{s+1}; the last row zeros).
torch::Tensor shift_steps(const torch::Tensor& x, bool later) {
  const int64_t steps = x.size(1);
  auto zeros = torch::zeros_like(x.narrow(1, 0, 1));
  if (later) return torch::cat({zeros, x.narrow(1, 0, steps - 1)}, 1);
  return torch::cat({x.narrow(1, 1, steps - 1), zeros}, 1);
}

// Every parsed field of an architecture, canonical (unknown fields dropped).
struct PathShape {
  int64_t hidden, layers, plan_layers;
  explicit PathShape(const nlohmann::json& a)
      : hidden(tensor::architecture_int(a, "hidden")), layers(tensor::architecture_int(a, "layers")),
        plan_layers(tensor::architecture_int(a, "plan_layers")) {}
  nlohmann::json to_json(const char* kind) const {
    return {{"kind", kind}, {"hidden", hidden}, {"layers", layers}, {"plan_layers", plan_layers}};
  }
};

}  // namespace

PathCore::PathCore(int64_t hidden, int64_t layers, int64_t plan_layers, int64_t landscapes)
    : tensor::GraphCore("PathCore"), hidden_(hidden), landscapes_(landscapes) {
  node_embed_ = register_module("node_embed", tensor::two_layer_mlp(2, hidden, hidden));
  for (int64_t l = 0; l < layers; ++l) {
    node_norms_.push_back(register_module("node_norm" + std::to_string(l), layer_norm(hidden)));
    node_updates_.push_back(register_module("node_update" + std::to_string(l), tensor::two_layer_mlp(5 * hidden, hidden, hidden)));
  }
  plan_embed_ = register_module("plan_embed", tensor::two_layer_mlp(hidden + 1 + (kPlanSteps + 1) + landscapes, hidden, hidden));
  for (int64_t l = 0; l < plan_layers; ++l) {
    plan_norms_.push_back(register_module("plan_norm" + std::to_string(l), layer_norm(hidden)));
    plan_updates_.push_back(register_module("plan_update" + std::to_string(l), tensor::two_layer_mlp(8 * hidden, hidden, hidden)));
  }
}

torch::Tensor PathCore::encode_nodes(const torch::Tensor& adjacency, const torch::Tensor& endpoints) {
  auto g = node_embed_->forward(endpoints).unsqueeze(1);  // [B, 1, n, H]
  for (size_t l = 0; l < node_updates_.size(); ++l) {
    auto z = node_norms_[l]->forward(g);
    g = g + node_updates_[l]->forward(torch::cat(
                {z, tensor::neighbour_mean(adjacency, z, true), tensor::neighbour_max(adjacency, z, true),
                 tensor::neighbour_mean(adjacency, z, false), tensor::neighbour_max(adjacency, z, false)},
                -1));
  }
  return g;
}

torch::Tensor PathCore::features(const torch::Tensor& condition, const torch::Tensor& answer, const torch::Tensor& level) {
  if (condition.dim() != 3 || condition.size(2) != condition.size(1) + 2)
    throw std::invalid_argument("shortest-path network: the condition must be [B, n, n + 2]");
  const int64_t rows = condition.size(0), n = condition.size(1), steps = kPlanSteps + 1;
  auto adjacency = condition.narrow(2, 0, n);
  auto start = condition.select(2, n);
  auto y = answer.defined() ? answer : torch::zeros({rows, kPlanSteps, n}, condition.options());
  if (y.dim() != 3 || y.size(1) != kPlanSteps || y.size(2) != n)
    throw std::invalid_argument("shortest-path network: the answer must be [B, " + std::to_string(kPlanSteps) +
                                ", n] for n = " + std::to_string(n));
  auto nodes = encode_nodes(adjacency, condition.narrow(2, n, 2));  // [B, 1, n, H]
  auto plan = torch::cat({start.unsqueeze(1), y}, 1).unsqueeze(-1);  // [B, S, n, 1]
  auto position = torch::eye(steps, condition.options()).reshape({1, steps, 1, steps});
  std::vector<torch::Tensor> inputs = {nodes.expand({rows, steps, n, hidden_}), plan,
                                       position.expand({rows, steps, n, steps})};
  if (landscapes_ > 0) inputs.push_back(level.reshape({rows, 1, 1, landscapes_}).expand({rows, steps, n, landscapes_}));
  auto p = plan_embed_->forward(torch::cat(inputs, -1));  // [B, S, n, H]
  for (size_t l = 0; l < plan_updates_.size(); ++l) {
    auto z = plan_norms_[l]->forward(p);
    auto before = shift_steps(z, /*later=*/true), after = shift_steps(z, /*later=*/false);
    p = p + plan_updates_[l]->forward(torch::cat(
                {z, tensor::neighbour_mean(adjacency, before, false), tensor::neighbour_max(adjacency, before, false),
                 tensor::neighbour_mean(adjacency, after, true), tensor::neighbour_max(adjacency, after, true), before,
                 after, z.mean(2, /*keepdim=*/true).expand_as(z)},
                -1));
  }
  return p.narrow(1, 1, kPlanSteps);
}

nlohmann::json default_architecture(bool energy) {
  nlohmann::json j = {{"kind", energy ? kEnergyKind : kRegressorKind}, {"hidden", 32}, {"layers", 4}, {"plan_layers", 3}};
  if (energy) {
    j["landscapes"] = 10;
    j["head"] = "square";
    j["reconstruct"] = true;
  }
  return j;
}

std::shared_ptr<tensor::GraphEnergy> make_energy(const nlohmann::json& architecture) {
  tensor::require_architecture_kind(architecture, kEnergyKind);
  const PathShape shape(architecture);
  return tensor::make_graph_energy(architecture, shape.to_json(kEnergyKind), 1, [&](int64_t landscapes) {
    return std::make_shared<PathCore>(shape.hidden, shape.layers, shape.plan_layers, landscapes);
  });
}

std::shared_ptr<tensor::GraphRegressor> make_regressor(const nlohmann::json& architecture) {
  tensor::require_architecture_kind(architecture, kRegressorKind);
  const PathShape shape(architecture);
  auto core = std::make_shared<PathCore>(shape.hidden, shape.layers, shape.plan_layers, 0);
  return std::make_shared<tensor::GraphRegressor>(core, 1, shape.to_json(kRegressorKind));
}

}  // namespace ebm::shortest_path
