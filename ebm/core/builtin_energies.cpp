#include "ebm/builtin_energies.h"

#include "ebm/device.h"
#include "ebm/runtime/fused_loops.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm {

QuadraticEnergy::QuadraticEnergy(torch::Tensor precision, torch::Tensor mean) : Energy("QuadraticEnergy") {
  if (precision.dim() != 2 || precision.size(0) != precision.size(1) || mean.dim() != 1 ||
      mean.size(0) != precision.size(0))
    throw std::invalid_argument("QuadraticEnergy: precision must be [D, D] and mean [D]");
  precision_ = register_buffer("precision", precision);
  mean_ = register_buffer("mean", mean);
}

torch::Tensor QuadraticEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  auto centred = answer - mean_;
  return 0.5 * (centred.matmul(precision_) * centred).sum(1);
}

torch::Tensor QuadraticEnergy::closed_form_gradient(const torch::Tensor&, const torch::Tensor& answer) {
  return (answer - mean_).matmul(precision_);
}

std::string QuadraticEnergy::describe() const { return "quadratic(dim=" + std::to_string(mean_.size(0)) + ")"; }

torch::Tensor DoubleWellEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  auto first = answer.select(1, 0);
  auto wells = height_ * (first.square() - 1.0).square();
  if (answer.size(1) == 1) return wells;
  return wells + 0.5 * answer.narrow(1, 1, answer.size(1) - 1).square().sum(1);
}

torch::Tensor DoubleWellEnergy::closed_form_gradient(const torch::Tensor&, const torch::Tensor& answer) {
  auto gradient = answer.clone();
  auto first = answer.select(1, 0);
  gradient.select(1, 0).copy_(4.0 * height_ * first * (first.square() - 1.0));
  return gradient;
}

std::string DoubleWellEnergy::describe() const { return "double-well(height=" + std::to_string(height_) + ")"; }

PottsEnergy::PottsEnergy(torch::Tensor couplings, torch::Tensor fields) : Energy("PottsEnergy") {
  if (fields.dim() != 2 || couplings.dim() != 4 || couplings.size(0) != fields.size(0) ||
      couplings.size(1) != fields.size(1) || couplings.size(2) != fields.size(0) || couplings.size(3) != fields.size(1))
    throw std::invalid_argument("PottsEnergy: couplings must be [V, K, V, K] and fields [V, K]");
  variables_ = fields.size(0);
  categories_ = fields.size(1);
  // Keep u < v blocks only, so each pair counts once.
  auto upper = torch::ones({variables_, variables_}).triu(1).view({variables_, 1, variables_, 1});
  couplings_ = register_buffer("couplings", couplings * upper.to(couplings.dtype()));
  fields_ = register_buffer("fields", fields);
}

std::shared_ptr<PottsEnergy> PottsEnergy::random(int64_t variables, int64_t categories, double scale, uint64_t seed) {
  auto gen = make_generator(seed, torch::kCPU);
  auto j = torch::randn({variables, categories, variables, categories}, gen) * scale;
  auto b = torch::randn({variables, categories}, gen) * scale;
  return std::make_shared<PottsEnergy>(j, b);
}

torch::Tensor PottsEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  auto flat = answer.flatten(1);  // [B, V*K]
  auto j = couplings_.view({variables_ * categories_, variables_ * categories_});
  auto pair = (flat.matmul(j) * flat).sum(1);
  auto field = (answer * fields_).sum({1, 2});
  return -pair - field;
}

std::string PottsEnergy::describe() const {
  return "potts(V=" + std::to_string(variables_) + ", K=" + std::to_string(categories_) + ")";
}

torch::Tensor PottsEnergy::exact_distribution(double temperature) const {
  int64_t states = 1;
  for (int64_t v = 0; v < variables_; ++v) states *= categories_;
  auto index = torch::arange(states);
  std::vector<torch::Tensor> digits(variables_);
  auto rest = index.clone();
  for (int64_t v = variables_ - 1; v >= 0; --v) {
    digits[v] = rest.remainder(categories_);
    rest = rest.div(categories_, "floor");
  }
  auto one_hot = torch::one_hot(torch::stack(digits, 1), categories_).to(fields_.dtype());
  auto energy = const_cast<PottsEnergy*>(this)->forward({}, one_hot);
  return torch::softmax(-energy.to(torch::kDouble) / temperature, 0);
}

torch::Tensor CategoricalPurityEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  return (1.0 - answer.square().sum(-1)).sum(-1);
}

torch::Tensor CategoricalPurityEnergy::closed_form_gradient(const torch::Tensor&, const torch::Tensor& answer) {
  return answer * -2.0;
}

namespace {

class PurityRowKernel : public RowEnergyKernel {
 public:
  PurityRowKernel(int64_t variables, int64_t categories) : variables_(variables), categories_(categories) {}
  double accumulate(int64_t, const float* answer, float weight, float* gradient) const override {
    return fused::purity_accumulate(answer, variables_, categories_, weight, gradient);
  }

 private:
  int64_t variables_, categories_;
};

}  // namespace

RowKernelPtr CategoricalPurityEnergy::row_kernel(const torch::Tensor&, torch::IntArrayRef answer_shape) {
  if (answer_shape.size() != 2) return nullptr;  // [variables, categories]: forward's sum over both
  return std::make_shared<PurityRowKernel>(answer_shape[0], answer_shape[1]);
}

MlpEnergy::MlpEnergy(int64_t dimension, int64_t hidden, uint64_t seed)
    : Energy("MlpEnergy"), dimension_(dimension), hidden_(hidden) {
  auto gen = make_generator(seed, torch::kCPU);
  layer_ = register_module("layer", torch::nn::Linear(dimension, hidden));
  torch::NoGradGuard no_grad;
  layer_->weight.copy_(torch::randn({hidden, dimension}, gen) / std::sqrt(double(dimension)));
  layer_->bias.copy_(torch::randn({hidden}, gen) * 0.1);
  readout_ = register_parameter("readout", torch::randn({hidden}, gen) / std::sqrt(double(hidden)));
  // A fixed energy: samplers need dE/dy only, so autograd skips the weights' gradients.
  for (auto& p : parameters()) p.requires_grad_(false);
}

torch::Tensor MlpEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  auto flat = answer.flatten(1);
  return torch::tanh(layer_->forward(flat)).matmul(readout_) + 0.5 * flat.square().sum(1);
}

std::string MlpEnergy::describe() const {
  return "mlp(dim=" + std::to_string(dimension_) + ", hidden=" + std::to_string(hidden_) + ")";
}

}  // namespace ebm
