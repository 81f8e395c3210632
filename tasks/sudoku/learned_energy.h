// A learned Sudoku energy: message passing over the constraint graph.
//
//   input per cell   [p_c (N), onehot(given_c) (N+1)]  -> Linear -> h_c (hidden)
//   each layer       h_c += W2 silu(W1 [h_c, mean_row(h), mean_col(h), mean_box(h)])
//                    (the means are over the cell's row, column and box: the rules' structure)
//   energy           E = sum_c softplus(w . h_c + b)  >= 0
// condition: givens [B, N*N] int64 (digit-1, or -1 for blank); answer: p [B, N*N, N].
// Gradient by autograd. Architecture fields go to the checkpoint's "architecture" metadata.
#pragma once

#include "ebm/energy.h"

#include <nlohmann/json.hpp>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>

namespace ebm::sudoku {

struct LearnedEnergyConfig {
  int64_t box = 3;
  int64_t hidden = 64;
  int64_t layers = 4;

  nlohmann::json to_json() const;
  static LearnedEnergyConfig from_json(const nlohmann::json& j);  // throws naming a bad field
  // Closed form of parameter_count(SudokuEnergyNet(config)), for checks before building it.
  int64_t parameter_count() const;
};

class SudokuEnergyNet : public Energy {
 public:
  explicit SudokuEnergyNet(const LearnedEnergyConfig& config);
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  std::string describe() const override;
  const LearnedEnergyConfig& config() const { return config_; }

 private:
  torch::Tensor unit_means(const torch::Tensor& h) const;  // [B, C, d] -> [B, C, 3d]
  LearnedEnergyConfig config_;
  torch::nn::Linear input_{nullptr}, readout_{nullptr};
  torch::nn::ModuleList first_, second_;
};

// Checkpoint kind of the learned energy.
inline constexpr const char* kLearnedEnergyKind = "sudoku-energy";

// Loads a learned energy from a checkpoint (architecture from its metadata) onto `device`, for
// inference: eval mode, parameters frozen (requires_grad off).
std::shared_ptr<SudokuEnergyNet> load_learned_energy(const std::string& path, const torch::Device& device);

}  // namespace ebm::sudoku
