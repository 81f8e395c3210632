#include "ebm/energy.h"

#include <torch/autograd.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ebm {

EnergyAndGradient energy_and_gradient(Energy& energy, const torch::Tensor& condition,
                                      const torch::Tensor& answer, bool want_gradient,
                                      bool create_graph) {
  EnergyAndGradient out;
  if (!want_gradient) {
    if (create_graph) {
      out.energy = energy.forward(condition, answer);
    } else {
      torch::NoGradGuard no_grad;
      out.energy = energy.forward(condition, answer);
    }
    return out;
  }
  if (energy.has_closed_form_gradient() && !create_graph) {
    torch::NoGradGuard no_grad;
    return energy.closed_form_energy_and_gradient(condition, answer);
  }
  torch::AutoGradMode grad_mode(true);
  torch::Tensor y = create_graph && answer.requires_grad() ? answer : answer.detach().requires_grad_(true);
  torch::Tensor e = energy.forward(condition, y);
  // d(sum E)/dy with grad_outputs = 1 per candidate: the same as grad of e.sum(), one op fewer.
  auto grads = torch::autograd::grad({e}, {y}, /*grad_outputs=*/{torch::ones_like(e)}, /*retain_graph=*/create_graph,
                                     /*create_graph=*/create_graph, /*allow_unused=*/true);
  out.gradient = grads[0].defined() ? grads[0] : torch::zeros_like(y);
  out.energy = e;
  if (!create_graph) {
    out.energy = out.energy.detach();
    out.gradient = out.gradient.detach();
  }
  return out;
}

torch::Tensor Energy::closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) {
  return has_closed_form_gradient() ? closed_form_energy_and_gradient(condition, answer).gradient : torch::Tensor();
}

EnergyAndGradient Energy::closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                          const torch::Tensor& answer) {
  return {forward(condition, answer), closed_form_gradient(condition, answer)};
}

RowKernelPtr Energy::row_kernel(const torch::Tensor&, torch::IntArrayRef) { return nullptr; }

namespace {

// sum_k w_k E_k on one row, the weights fixed when it was made; terms of weight 0 are skipped, as the
// tensor path skips them.
class WeightedSumRowKernel : public RowEnergyKernel {
 public:
  explicit WeightedSumRowKernel(std::vector<std::pair<RowKernelPtr, double>> terms) : terms_(std::move(terms)) {}
  double accumulate(int64_t row, const float* answer, float weight, float* gradient) const override {
    double energy = 0.0;
    for (const auto& [kernel, term_weight] : terms_)
      if (term_weight != 0.0)
        energy += term_weight * kernel->accumulate(row, answer, float(weight * term_weight), gradient);
    return energy;
  }

 private:
  std::vector<std::pair<RowKernelPtr, double>> terms_;
};

}  // namespace

RowKernelPtr WeightedSumEnergy::row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) {
  std::vector<std::pair<RowKernelPtr, double>> kernels;
  for (auto& t : terms_) {
    auto kernel = t.energy->row_kernel(condition, answer_shape);
    if (!kernel) return nullptr;
    kernels.emplace_back(std::move(kernel), t.weight);
  }
  return std::make_shared<WeightedSumRowKernel>(std::move(kernels));
}

WeightedSumEnergy::WeightedSumEnergy(std::vector<std::pair<EnergyPtr, double>> terms)
    : Energy("WeightedSumEnergy") {
  for (auto& [term, w] : terms) add_term(term, w);
}

void WeightedSumEnergy::add_term(EnergyPtr term, double weight, std::string label) {
  if (!term) throw std::invalid_argument("WeightedSumEnergy: null energy term");
  if (!std::isfinite(weight)) throw std::invalid_argument("WeightedSumEnergy: weight must be finite");
  if (label.empty()) label = term->name();
  register_module("term" + std::to_string(terms_.size()), term);
  terms_.push_back({std::move(term), weight, std::move(label)});
}

void WeightedSumEnergy::set_weight(size_t k, double w) {
  if (k >= terms_.size())
    throw std::out_of_range("WeightedSumEnergy: term " + std::to_string(k) + " does not exist (have " +
                            std::to_string(terms_.size()) + ")");
  if (!std::isfinite(w)) throw std::invalid_argument("WeightedSumEnergy: weight must be finite");
  terms_[k].weight = w;
}

torch::Tensor WeightedSumEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  torch::Tensor total;
  for (auto& t : terms_) {
    if (t.weight == 0.0) continue;
    torch::Tensor e = t.energy->forward(condition, answer) * t.weight;
    total = total.defined() ? total + e : e;
  }
  if (!total.defined()) total = torch::zeros({answer.size(0)}, answer.options());
  return total;
}

bool WeightedSumEnergy::has_closed_form_gradient() const {
  for (const auto& t : terms_)
    if (t.weight != 0.0 && !t.energy->has_closed_form_gradient()) return false;
  return true;
}

torch::Tensor WeightedSumEnergy::closed_form_gradient(const torch::Tensor& condition,
                                                      const torch::Tensor& answer) {
  torch::Tensor total = torch::zeros_like(answer);
  for (auto& t : terms_) {
    if (t.weight == 0.0) continue;
    torch::Tensor g = t.energy->closed_form_gradient(condition, answer);
    if (!g.defined()) return {};
    total.add_(g, t.weight);
  }
  return total;
}

EnergyAndGradient WeightedSumEnergy::closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                                     const torch::Tensor& answer) {
  EnergyAndGradient total;
  for (auto& t : terms_) {
    if (t.weight == 0.0) continue;
    auto term = t.energy->closed_form_energy_and_gradient(condition, answer);
    if (!total.energy.defined()) {
      total.energy = term.energy * t.weight;
      total.gradient = term.gradient * t.weight;
    } else {
      total.energy.add_(term.energy, t.weight);
      total.gradient.add_(term.gradient, t.weight);
    }
  }
  if (!total.energy.defined()) total = {torch::zeros({answer.size(0)}, answer.options()), torch::zeros_like(answer)};
  return total;
}

std::string WeightedSumEnergy::describe() const {
  std::ostringstream s;
  for (size_t k = 0; k < terms_.size(); ++k) {
    if (k) s << " + ";
    s << terms_[k].weight << "*" << terms_[k].energy->describe();
  }
  return s.str();
}

int64_t parameter_count(const torch::nn::Module& module) {
  int64_t count = 0;
  for (const auto& p : module.parameters()) count += p.numel();
  return count;
}

}  // namespace ebm
