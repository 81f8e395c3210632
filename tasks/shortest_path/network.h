// The shortest-path networks: node features propagated along the edges from the start and the goal,
// then a plan of node features per step, refined by messages between consecutive steps along edges.
//
// Unit: (step t, node i), one category of plan variable t (answer [T, n], T = kPlanSteps).
//   node encoder:  g_i = MLP([start_i, goal_i]);  per layer (`layers`, enough for a goal 4 moves away):
//                  z = LayerNorm(g);  g_i += MLP([z_i, mean/max of z over successors of i,
//                                                   mean/max of z over predecessors of i])
//   plan:          steps s = 0 .. T, s = 0 the start (y_0 = onehot(start)), s >= 1 the answer's rows;
//                  p_si = MLP([g_i, y_si, onehot(s), onehot(k)])         (y, k only in the energy)
//                  per plan layer (`plan_layers`): z = LayerNorm(p);
//                  p_si += MLP([z_si, mean/max over predecessors j of z_{s-1,j}, mean/max over
//                               successors j of z_{s+1,j}, z_{s-1,i}, z_{s+1,i}, mean_j z_sj])
//   features of the answer: p_si for s = 1 .. T.
// A move i -> j between steps s-1 and s is an edge, so the plan messages are where an energy can see
// whether consecutive steps follow the graph.
//
// Architecture JSON: {"kind": "shortest-path-energy" | "shortest-path-regressor", "hidden": H,
// "layers": L, "plan_layers": P, and for the energy "landscapes": K, "head": "square" | "linear"}.
#pragma once

#include "tasks/tensor/graph_network.h"

#include <torch/nn/modules/normalization.h>

#include <vector>

namespace ebm::shortest_path {

inline constexpr int64_t kPlanSteps = 8;  // T: the plan's length

// condition [B, n, n + 2] (adjacency rows, start, goal); answer [B, T, n] -> features [B, T, n, hidden].
class PathCore : public tensor::GraphCore {
 public:
  // landscapes = 0: the feed-forward core (no answer, no landscape input).
  PathCore(int64_t hidden, int64_t layers, int64_t plan_layers, int64_t landscapes);
  torch::Tensor features(const torch::Tensor& condition, const torch::Tensor& answer,
                         const torch::Tensor& level) override;
  int64_t width() const override { return hidden_; }

 private:
  torch::Tensor encode_nodes(const torch::Tensor& adjacency, const torch::Tensor& endpoints);

  int64_t hidden_, landscapes_;
  torch::nn::Sequential node_embed_{nullptr}, plan_embed_{nullptr};
  std::vector<torch::nn::LayerNorm> node_norms_, plan_norms_;
  std::vector<torch::nn::Sequential> node_updates_, plan_updates_;
};

nlohmann::json default_architecture(bool energy);
std::shared_ptr<tensor::GraphEnergy> make_energy(const nlohmann::json& architecture);
std::shared_ptr<tensor::GraphRegressor> make_regressor(const nlohmann::json& architecture);

}  // namespace ebm::shortest_path
