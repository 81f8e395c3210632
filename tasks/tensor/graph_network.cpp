#include "tasks/tensor/graph_network.h"

#include "ebm/answer_space.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::tensor {

torch::nn::Sequential two_layer_mlp(int64_t input, int64_t hidden, int64_t output) {
  return torch::nn::Sequential(torch::nn::Linear(input, hidden), torch::nn::SiLU(), torch::nn::Linear(hidden, output));
}

namespace {

// [B, n, n] -> the matrix whose row i marks the neighbours row i aggregates over, as [B, 1, n, n].
torch::Tensor neighbour_mask(const torch::Tensor& adjacency, bool out_neighbours) {
  auto a = out_neighbours ? adjacency : adjacency.transpose(1, 2);
  return a.unsqueeze(1);
}

}  // namespace

torch::Tensor neighbour_mean(const torch::Tensor& adjacency, const torch::Tensor& x, bool out_neighbours) {
  auto mask = neighbour_mask(adjacency, out_neighbours).to(x.dtype());
  auto degree = mask.sum(-1, /*keepdim=*/true).clamp_min(1.0);  // [B, 1, n, 1]
  return torch::matmul(mask, x) / degree;
}

torch::Tensor neighbour_max(const torch::Tensor& adjacency, const torch::Tensor& x, bool out_neighbours) {
  auto mask = neighbour_mask(adjacency, out_neighbours).unsqueeze(-1) > 0.5;  // [B, 1, n, n, 1]
  auto candidates = torch::where(mask, x.unsqueeze(2), torch::full({}, -1e9, x.options()));  // [B, M, n(i), n(j), H]
  auto best = std::get<0>(candidates.max(3));
  return torch::where(mask.any(3), best, torch::zeros_like(best));
}

int64_t architecture_int(const nlohmann::json& architecture, const char* field) {
  if (!architecture.contains(field) || !architecture[field].is_number_integer() || architecture[field].get<int64_t>() < 1)
    throw std::invalid_argument(std::string("architecture: '") + field + "' must be an integer >= 1");
  return architecture[field].get<int64_t>();
}

void require_architecture_kind(const nlohmann::json& architecture, const std::string& kind) {
  if (architecture.value("kind", "") != kind)
    throw std::invalid_argument("architecture kind must be '" + kind + "', got " +
                                architecture.value("kind", nlohmann::json()).dump());
}

GraphEnergy::GraphEnergy(GraphCorePtr core, int64_t landscapes, EnergyHead head, int64_t channels, bool reconstruct,
                         nlohmann::json architecture)
    : LandscapeEnergy("GraphEnergy"), core_(std::move(core)), landscapes_(landscapes), head_(head),
      reconstruct_(reconstruct && head == EnergyHead::Square), architecture_(std::move(architecture)) {
  if (landscapes < 1) throw std::invalid_argument("graph energy: landscapes must be >= 1");
  register_module("core", core_);
  read_out_ = register_module("read_out", torch::nn::Linear(core_->width(), head == EnergyHead::Square ? channels : 1));
}

torch::Tensor GraphEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  const int64_t rows = answer.size(0);
  auto level = torch::zeros({rows, landscapes_}, answer.options());
  level.select(1, landscape_).fill_(1.0);
  auto on_simplex = project_to_simplex(answer);
  auto f = read_out_->forward(core_->features(condition.to(answer.dtype()), on_simplex, level));  // [B, V, X, C]
  if (head_ == EnergyHead::Linear) return f.reshape({rows, -1}).sum(1);
  if (reconstruct_) f = answer.reshape(f.sizes()) - f;
  return 0.5 * f.pow(2).reshape({rows, -1}).sum(1);
}

std::string GraphEnergy::describe() const {
  return architecture_.value("kind", std::string("graph-energy")) + "(hidden " +
         std::to_string(core_->width()) + ", " + std::to_string(landscapes_) + " landscapes, " +
         energy_head_name(head_) + " head" + (reconstruct_ ? ", f = y - reconstruction" : "") + ")";
}

std::shared_ptr<GraphEnergy> make_graph_energy(const nlohmann::json& architecture, nlohmann::json canonical,
                                               int64_t channels,
                                               const std::function<GraphCorePtr(int64_t landscapes)>& core) {
  const int64_t landscapes = architecture_int(architecture, "landscapes");
  const EnergyHead head = parse_energy_head(architecture.value("head", ""));
  const auto reconstruct = architecture.value("reconstruct", nlohmann::json(false));
  if (!reconstruct.is_boolean()) throw std::invalid_argument("architecture: 'reconstruct' must be true or false");
  canonical["landscapes"] = landscapes;
  canonical["head"] = energy_head_name(head);
  const bool reconstructs = reconstruct.get<bool>() && head == EnergyHead::Square;  // the linear head has no f
  canonical["reconstruct"] = reconstructs;
  return std::make_shared<GraphEnergy>(core(landscapes), landscapes, head, channels, reconstructs, canonical);
}

GraphRegressor::GraphRegressor(GraphCorePtr core, int64_t outputs, nlohmann::json architecture)
    : Regressor("GraphRegressor"), core_(std::move(core)), architecture_(std::move(architecture)) {
  register_module("core", core_);
  read_out_ = register_module("read_out", torch::nn::Linear(core_->width(), outputs));
}

torch::Tensor GraphRegressor::forward(const torch::Tensor& condition) {
  auto logits = read_out_->forward(core_->features(condition.to(torch::kFloat), {}, {}));
  return logits.reshape({logits.size(0), logits.size(1), -1});
}

}  // namespace ebm::tensor
