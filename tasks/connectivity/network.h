// The connectivity networks: pair features refined by layers of row, column and path messages.
//
// Unit: the node pair (i, j), one answer variable with categories {not connected, connected}.
//   h_ij = MLP([a_ij, y_ij0, y_ij1, onehot(k)])                    (y, k only in the energy)
//   per layer:  z = LayerNorm(h)
//               h_ij += MLP([z_ij, mean_m z_im, mean_m z_mj, mean_m z_im * z_mj])
// The last term is a soft matrix product: a layer can join a path i -> m with a path m -> j, so L
// layers see paths of up to 2^L edges (4 layers: 16, more than any shortest path on 12 nodes and all
// but those of an 18-node path graph; the DNC generator's components have far smaller diameters).
//
// Architecture JSON: {"kind": "connectivity-energy" | "connectivity-regressor", "hidden": H,
// "layers": L, and for the energy "landscapes": K, "head": "square" | "linear"}.
#pragma once

#include "tasks/tensor/graph_network.h"

#include <torch/nn/modules/normalization.h>

#include <vector>

namespace ebm::connectivity {

// condition [B, n, n] adjacency; answer [B, n*n, 2] -> features [B, n*n, 1, hidden].
class PairCore : public tensor::GraphCore {
 public:
  // landscapes = 0: the feed-forward core (no answer, no landscape input).
  PairCore(int64_t hidden, int64_t layers, int64_t landscapes);
  torch::Tensor features(const torch::Tensor& condition, const torch::Tensor& answer,
                         const torch::Tensor& level) override;
  int64_t width() const override { return hidden_; }

 private:
  int64_t hidden_, landscapes_;
  torch::nn::Sequential embed_{nullptr};
  std::vector<torch::nn::LayerNorm> norms_;
  std::vector<torch::nn::Sequential> updates_;
};

nlohmann::json default_architecture(bool energy);
std::shared_ptr<tensor::GraphEnergy> make_energy(const nlohmann::json& architecture);
std::shared_ptr<tensor::GraphRegressor> make_regressor(const nlohmann::json& architecture);

}  // namespace ebm::connectivity
