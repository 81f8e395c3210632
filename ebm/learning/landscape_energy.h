// Learned conditional energies with a sequence of landscapes, and the feed-forward networks they are
// compared with.
//
// LandscapeEnergy: E_k(x, y) for landscapes k = 0 .. landscapes()-1, k = 0 the sharpest (the energy
// whose minimum is the answer), higher k smoother (trained on answers corrupted with more noise:
// IRED's annealed energy landscapes). set_landscape(k) chooses which one forward() computes; the
// annealing sampler (samplers/annealing.h, landscapes=true) walks from the smoothest to k = 0 as its
// budget is spent. A one-landscape energy is an ordinary conditional energy.
//
// Three read-outs (EnergyHead):
//   square   E = |f(x, y, k)|^2 / 2 >= 0 (IRED's choice: f = 0 at the minimum; then dE/dy = J^T f,
//            so f = y - y* is the ideal)
//   residual E = |y - g(x, y, k)|^2 / 2 >= 0: the square read-out with f = y - g. At initialisation
//            (g small) the landscape is already a bowl around g, and training bends it; learns from
//            far fewer examples than `square`, whose f must first grow an identity in y
//            (docs/IRED.md compares them)
//   linear   E = w . h + b, unbounded: no floor where gradients vanish, which is what contrastive
//            training needs (a squared or softplus read-out has a flat minimum at E = 0 where both
//            positive and negative energies can settle: the collapse seen with the Sudoku energy).
//
// MlpLandscapeEnergy: f (or g) = MLP([x, y, onehot(k)]) + S [x, y, onehot(k)] for flat conditions
// and answers (continuous tasks), S a linear skip without bias (square and residual heads only: a
// linear skip under the linear head would make E linear in y, without a minimum).
// Regressor: a feed-forward network x -> y (the "one pass" baseline); MlpRegressor is its MLP, with
// the same linear skip (y = MLP(x) + S x), so both baselines have the same building blocks.
#pragma once

#include "ebm/energy.h"

#include <nlohmann/json.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ebm {

enum class EnergyHead { Square, Residual, Linear };
EnergyHead parse_energy_head(const std::string& name);  // "square" | "residual" | "linear"; throws std::invalid_argument
const char* energy_head_name(EnergyHead head);

class LandscapeEnergy : public Energy {
 public:
  using Energy::Energy;
  virtual int64_t landscapes() const = 0;
  // Throws std::out_of_range unless 0 <= k < landscapes().
  void set_landscape(int64_t k);
  int64_t landscape() const { return landscape_; }
  // {"kind": ..., fields}: what a checkpoint records and the task's factory rebuilds from.
  virtual nlohmann::json architecture() const = 0;

 protected:
  int64_t landscape_ = 0;
};
using LandscapeEnergyPtr = std::shared_ptr<LandscapeEnergy>;

// A feed-forward prediction network: condition [B, ...] -> answer [B, *answer_shape] (real values,
// or logits per category for one-hot answers).
class Regressor : public torch::nn::Module {
 public:
  using torch::nn::Module::Module;
  virtual torch::Tensor forward(const torch::Tensor& condition) = 0;
  virtual nlohmann::json architecture() const = 0;
};
using RegressorPtr = std::shared_ptr<Regressor>;

struct MlpShape {
  int64_t input = 0;    // flattened condition size
  int64_t output = 0;   // flattened answer size
  int64_t hidden = 256;
  int64_t layers = 3;   // hidden layers (>= 1)

  nlohmann::json to_json() const;
  // Throws std::invalid_argument naming a missing or bad field.
  static MlpShape from_json(const nlohmann::json& j);
};

// f = MLP([x, y, onehot(k)]) + skip, `layers` hidden SiLU layers of width `hidden`; E from the head.
// condition [B, *] (flattened to `input`), answer [B, *] (flattened to `output`).
class MlpLandscapeEnergy : public LandscapeEnergy {
 public:
  MlpLandscapeEnergy(MlpShape shape, int64_t landscapes, EnergyHead head);
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  int64_t landscapes() const override { return landscapes_; }
  nlohmann::json architecture() const override;  // {"kind": "mlp-energy", shape, landscapes, head}
  std::string describe() const override;

 private:
  MlpShape shape_;
  int64_t landscapes_;
  EnergyHead head_;
  torch::nn::ModuleList layers_;
  torch::nn::Linear skip_{nullptr};
};

// y = MLP(x) + S x, `layers` hidden SiLU layers of width `hidden`. Output reshaped to `answer_shape`.
class MlpRegressor : public Regressor {
 public:
  MlpRegressor(MlpShape shape, std::vector<int64_t> answer_shape);
  torch::Tensor forward(const torch::Tensor& condition) override;
  nlohmann::json architecture() const override;  // {"kind": "mlp-regressor", shape, "answer_shape"}

 private:
  MlpShape shape_;
  std::vector<int64_t> answer_shape_;
  torch::nn::ModuleList layers_;
  torch::nn::Linear skip_{nullptr};
};

}  // namespace ebm
