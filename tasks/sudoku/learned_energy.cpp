#include "tasks/sudoku/learned_energy.h"

#include "ebm/checkpoint.h"
#include "ebm/learning/frozen_model.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::sudoku {

nlohmann::json LearnedEnergyConfig::to_json() const {
  return {{"model", "sudoku-message-passing"}, {"box", box}, {"hidden", hidden}, {"layers", layers}};
}

LearnedEnergyConfig LearnedEnergyConfig::from_json(const nlohmann::json& j) {
  LearnedEnergyConfig c;
  auto field = [&](const char* name, int64_t& out, int64_t low, int64_t high) {
    if (!j.contains(name) || !j[name].is_number_integer())
      throw std::invalid_argument(std::string("learned energy architecture: field '") + name + "' missing or not an integer");
    out = j[name].get<int64_t>();
    if (out < low || out > high)
      throw std::invalid_argument(std::string("learned energy architecture: field '") + name + "' = " +
                                  std::to_string(out) + " is outside [" + std::to_string(low) + ", " +
                                  std::to_string(high) + "]");
  };
  field("box", c.box, 2, 4);
  field("hidden", c.hidden, 1, 4096);
  field("layers", c.layers, 0, 64);
  return c;
}

int64_t LearnedEnergyConfig::parameter_count() const {
  const int64_t n = box * box, d = hidden;
  return (2 * n + 1) * d + d                               // input
         + layers * ((4 * d * 2 * d + 2 * d) + (2 * d * d + d))  // first, second
         + d + 1;                                          // readout
}

SudokuEnergyNet::SudokuEnergyNet(const LearnedEnergyConfig& config) : Energy("SudokuEnergyNet"), config_(config) {
  const int64_t n = config.box * config.box, d = config.hidden;
  input_ = register_module("input", torch::nn::Linear(2 * n + 1, d));
  for (int64_t l = 0; l < config.layers; ++l) {
    first_->push_back(torch::nn::Linear(4 * d, 2 * d));
    second_->push_back(torch::nn::Linear(2 * d, d));
  }
  register_module("first", first_);
  register_module("second", second_);
  readout_ = register_module("readout", torch::nn::Linear(d, 1));
  torch::NoGradGuard no_grad;
  for (auto& m : *second_) {
    // Residual branches start small so the untrained network is near the identity.
    m->as<torch::nn::Linear>()->weight.mul_(0.1);
  }
}

torch::Tensor SudokuEnergyNet::unit_means(const torch::Tensor& h) const {
  const int64_t b = h.size(0), box = config_.box, n = box * box, d = h.size(2);
  auto grid = h.view({b, n, n, d});
  auto rows = grid.mean(2, true).expand({b, n, n, d});
  auto cols = grid.mean(1, true).expand({b, n, n, d});
  auto boxes = grid.view({b, box, box, box, box, d}).mean({2, 4}, true).expand({b, box, box, box, box, d});
  return torch::cat({rows.reshape({b, n * n, d}), cols.reshape({b, n * n, d}), boxes.reshape({b, n * n, d})}, -1);
}

torch::Tensor SudokuEnergyNet::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  const int64_t n = config_.box * config_.box;
  if (!condition.defined() || condition.dim() != 2 || condition.size(1) != n * n || condition.size(0) != answer.size(0))
    throw std::invalid_argument("SudokuEnergyNet: condition must be the givens [B, " + std::to_string(n * n) + "]");
  auto given = torch::one_hot(condition.to(torch::kLong) + 1, n + 1).to(answer.scalar_type());
  auto h = input_->forward(torch::cat({answer, given}, -1));
  for (size_t l = 0; l < first_->size(); ++l) {
    auto mixed = torch::cat({h, unit_means(h)}, -1);
    h = h + second_[l]->as<torch::nn::Linear>()->forward(
                torch::silu(first_[l]->as<torch::nn::Linear>()->forward(mixed)));
  }
  return torch::softplus(readout_->forward(h)).squeeze(-1).sum(-1);
}

std::string SudokuEnergyNet::describe() const {
  return "sudoku-net(hidden=" + std::to_string(config_.hidden) + ", layers=" + std::to_string(config_.layers) + ")";
}

std::shared_ptr<SudokuEnergyNet> load_learned_energy(const std::string& path, const torch::Device& device) {
  return load_frozen_model<SudokuEnergyNet, LearnedEnergyConfig>(path, kLearnedEnergyKind, device);
}

}  // namespace ebm::sudoku
