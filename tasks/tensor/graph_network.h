// Size-agnostic networks of the graph tasks (connectivity, shortest-path): one message-passing
// *core* per task computes features of every answer unit (a node pair, a plan step at a node) from
// the graph, and, for an energy, from the candidate answer and the landscape; two read-outs turn the
// same core into the two models the IRED comparison needs:
//
//   GraphEnergy     a LandscapeEnergy of a categorical answer [B, V, K], a function of y = the answer's
//                   Euclidean projection onto the simplices (rows): the states a sampler holds on the
//                   simplices are left as they are, and the training objectives' noisy answers (off
//                   the simplices) are seen as the simplex points nearest to them, so that training
//                   and inference see the same kind of input. Square or linear head (as in
//                   ebm/learning/landscape_energy.h):
//                     square head  E = 1/2 sum_u sum_c f_uc^2   (>= 0, 0 at the minimum: IRED's), where
//                                  f_u = W h_u (C channels per unit), or with `reconstruct`
//                                  f_u = y_u - W h_u: the distance between the candidate and the
//                                  network's reconstruction D = W h of it, so dE/dy = (y - D)(I - dD/dy)
//                                  and the denoising target dE/dy = y~ - y* is met by D = y*;
//                     linear head  E = sum_u w . h_u + b        (unbounded, for contrastive training)
//                   The sums run over units (not means) so that dE/dy of one answer entry does not
//                   shrink with the number of units: a step size learned on 12-node graphs still
//                   fits 18-node ones.
//   GraphRegressor  the feed-forward baseline: logits_u = W h_u, reshaped to the answer's
//                   [V, K] (one pass, no answer input: the core sees an all-zero answer).
//
// Nothing depends on the node count: weights act per unit and aggregate with means and maxima over
// nodes, so a network trained on one graph size runs on any other (the harder split's larger graphs).
#pragma once

#include "ebm/learning/landscape_energy.h"

#include <nlohmann/json.hpp>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ebm::tensor {

// Features of every answer unit.
class GraphCore : public torch::nn::Module {
 public:
  using torch::nn::Module::Module;
  // condition [B, *condition_shape(n)]; answer [B, V, K] as energies see it (probabilities on the
  // simplices, or noisy one-hot rows in training), or undefined for the feed-forward network (read as
  // zeros); level [B, landscapes] one-hot, or undefined when the core has no landscape input
  // -> features [B, V, X, width()]: X = 1 when a unit is a variable (connectivity's pair), X = K when a
  // unit is a category (shortest-path's node at a step). Throws std::invalid_argument on bad shapes.
  virtual torch::Tensor features(const torch::Tensor& condition, const torch::Tensor& answer,
                                 const torch::Tensor& level) = 0;
  virtual int64_t width() const = 0;
};
using GraphCorePtr = std::shared_ptr<GraphCore>;

// Two-layer perceptron input -> hidden -> output with a SiLU between.
torch::nn::Sequential two_layer_mlp(int64_t input, int64_t hidden, int64_t output);

// Neighbour aggregation over a batch of graphs. adjacency [B, n, n] (0/1, a_ij = edge i -> j);
// x [B, M, n, H] (M feature sets per graph: plan steps, or 1) -> [B, M, n, H]:
//   out_neighbours=true   row i aggregates x_j over j with a_ij = 1 (successors of i)
//   out_neighbours=false  row i aggregates x_j over j with a_ji = 1 (predecessors of i)
// mean = sum / max(degree, 1); max = elementwise maximum, 0 for a node without such neighbours.
torch::Tensor neighbour_mean(const torch::Tensor& adjacency, const torch::Tensor& x, bool out_neighbours);
torch::Tensor neighbour_max(const torch::Tensor& adjacency, const torch::Tensor& x, bool out_neighbours);

// The shape fields every graph network's architecture holds: {"kind", "hidden", "layers", ...};
// throws std::invalid_argument naming a missing or bad field (an integer >= 1 expected).
int64_t architecture_int(const nlohmann::json& architecture, const char* field);
// Throws std::invalid_argument unless architecture["kind"] == kind.
void require_architecture_kind(const nlohmann::json& architecture, const std::string& kind);

class GraphEnergy : public LandscapeEnergy {
 public:
  // `channels`: C of the square head (the answer entries a unit carries). `reconstruct`: the square
  // head's f = y - W h (see above; ignored by the linear head). `architecture` is what architecture()
  // returns (the task's factory rebuilds the core from it).
  GraphEnergy(GraphCorePtr core, int64_t landscapes, EnergyHead head, int64_t channels, bool reconstruct,
              nlohmann::json architecture);
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  int64_t landscapes() const override { return landscapes_; }
  nlohmann::json architecture() const override { return architecture_; }
  std::string describe() const override;

 private:
  GraphCorePtr core_;
  int64_t landscapes_;
  EnergyHead head_;
  bool reconstruct_;
  torch::nn::Linear read_out_{nullptr};
  nlohmann::json architecture_;
};

// A GraphEnergy built from an architecture's energy fields: "landscapes" (an integer >= 1), "head"
// ("square" | "linear") and "reconstruct" (a boolean; missing = false). `canonical` holds the core's
// fields; it gains the energy fields and becomes architecture(). `core` builds the core for a number
// of landscapes. Throws std::invalid_argument naming a bad field.
std::shared_ptr<GraphEnergy> make_graph_energy(const nlohmann::json& architecture, nlohmann::json canonical,
                                               int64_t channels,
                                               const std::function<GraphCorePtr(int64_t landscapes)>& core);

class GraphRegressor : public Regressor {
 public:
  // `outputs`: logits per unit (K for a variable unit, 1 for a category unit).
  GraphRegressor(GraphCorePtr core, int64_t outputs, nlohmann::json architecture);
  torch::Tensor forward(const torch::Tensor& condition) override;  // -> logits [B, V, K]
  nlohmann::json architecture() const override { return architecture_; }

 private:
  GraphCorePtr core_;
  torch::nn::Linear read_out_{nullptr};
  nlohmann::json architecture_;
};

}  // namespace ebm::tensor
