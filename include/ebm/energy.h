// Energy: the problem side of ebm. An energy knows nothing of how it is minimised.
//
// Contract
//   forward(condition, answer) -> [B] energies, one per candidate, finite and >= 0 for the energies the
//   project ships (a sampler only needs them finite).
//     condition: [B, ...] task-defined tensor, or an undefined tensor for unconditional energies.
//     answer:    [B, *answer_shape], in the representation the answer space hands to energies
//                (real values, or probabilities on one simplex per variable).
//   The gradient with respect to the answer comes from autograd unless the energy overrides
//   closed_form_gradient(); either way callers go through energy_and_gradient().
//   Energies are torch::nn::Modules: parameters, buffers, .to(device), save/load all work.
#pragma once

#include "ebm/row_kernel.h"

#include <torch/nn/module.h>
#include <torch/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ebm {

struct EnergyAndGradient {
  torch::Tensor energy;    // [B]
  torch::Tensor gradient;  // same shape as the answer; undefined when not requested
};

class Energy : public torch::nn::Module {
 public:
  using torch::nn::Module::Module;
  ~Energy() override = default;

  // [B] energy per candidate.
  virtual torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) = 0;

  // Closed-form dE/d(answer), shape of `answer`, or an undefined tensor when autograd must be used.
  // An energy with a closed form overrides this, closed_form_energy_and_gradient() or both: each
  // one's default calls the other (this one's: the gradient of closed_form_energy_and_gradient()).
  virtual torch::Tensor closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer);
  virtual bool has_closed_form_gradient() const { return false; }
  // Energy and closed-form gradient together; override when they share work. Default: both calls.
  virtual EnergyAndGradient closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                            const torch::Tensor& answer);

  // The closed form as a kernel on one row of raw float32 memory (<ebm/row_kernel.h>), for samplers'
  // fused CPU steps, for answers of shape `answer_shape` (one row, no batch dimension) under
  // `condition` (all rows'); nullptr (the default) when the energy has none for them.
  virtual RowKernelPtr row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape);
  // Short human-readable description for reports ("quadratic(dim=4)").
  virtual std::string describe() const { return name(); }
};

using EnergyPtr = std::shared_ptr<Energy>;

// Evaluates E and (if want_gradient) dE/d(answer). Uses the closed form when the energy has one,
// else autograd. create_graph keeps the graph for training through the sampler (second order).
// Without create_graph the returned tensors are detached.
EnergyAndGradient energy_and_gradient(Energy& energy, const torch::Tensor& condition,
                                      const torch::Tensor& answer, bool want_gradient,
                                      bool create_graph = false);

// sum_k w_k E_k. Weights may change between steps (annealing of energy weights); a term with
// weight 0 is not evaluated. Has a closed-form gradient when every weighted term has one.
class WeightedSumEnergy : public Energy {
 public:
  WeightedSumEnergy() : Energy("WeightedSumEnergy") {}
  WeightedSumEnergy(std::vector<std::pair<EnergyPtr, double>> terms);

  void add_term(EnergyPtr term, double weight, std::string label = "");
  size_t num_terms() const { return terms_.size(); }
  double weight(size_t k) const { return terms_.at(k).weight; }
  void set_weight(size_t k, double w);
  const std::string& label(size_t k) const { return terms_.at(k).label; }
  Energy& term(size_t k) { return *terms_.at(k).energy; }

  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  torch::Tensor closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override;
  EnergyAndGradient closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                    const torch::Tensor& answer) override;
  // The weighted sum of the terms' kernels, at the weights of the moment it is made; nullptr unless
  // every term has one.
  RowKernelPtr row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) override;
  std::string describe() const override;

 private:
  struct Term {
    EnergyPtr energy;
    double weight;
    std::string label;
  };
  std::vector<Term> terms_;
};

// Trainable scalars of a module (the elements of all its parameters): an energy, a network, a recipe's model.
int64_t parameter_count(const torch::nn::Module& module);

}  // namespace ebm
