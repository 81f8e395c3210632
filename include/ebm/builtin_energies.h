// Built-in energies with known minima and known Boltzmann distributions: the known-answer
// problems of the test suite, the demo and the benchmark. All are unconditional (condition is
// ignored) and take answers [B, *shape].
#pragma once

#include "ebm/energy.h"

#include <torch/nn/modules/linear.h>

namespace ebm {

// E(y) = 1/2 (y - mu)^T A (y - mu), A symmetric positive definite [D, D], mu [D]. Minimum 0 at mu;
// at temperature 1 its Boltzmann distribution is N(mu, A^-1). Closed-form gradient A (y - mu).
class QuadraticEnergy : public Energy {
 public:
  QuadraticEnergy(torch::Tensor precision, torch::Tensor mean);
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  torch::Tensor closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  std::string describe() const override;
  const torch::Tensor& precision() const { return precision_; }
  const torch::Tensor& mean() const { return mean_; }

 private:
  torch::Tensor precision_, mean_;
};

// Two wells along the first coordinate, a quadratic bowl in the others:
//   E(y) = height * (y_0^2 - 1)^2 + 1/2 * sum_{i>0} y_i^2
// Minima 0 at y = (+-1, 0, ...), barrier `height` at y_0 = 0. Closed-form gradient.
class DoubleWellEnergy : public Energy {
 public:
  explicit DoubleWellEnergy(double height) : Energy("DoubleWellEnergy"), height_(height) {}
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  torch::Tensor closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  std::string describe() const override;

 private:
  double height_;
};

// Pairwise categorical (Potts-like) energy on V variables with K categories, answers [B, V, K]
// (one-hot, or probabilities for a relaxed mean-field value):
//   E(y) = -sum_{u<v} y_u^T J_uv y_v - sum_v b_v^T y_v
// J [V, K, V, K] (only u != v blocks are used), b [V, K]. Gradient by autograd. With one-hot
// answers its Boltzmann distribution is small enough to enumerate exactly (K^V states).
class PottsEnergy : public Energy {
 public:
  PottsEnergy(torch::Tensor couplings, torch::Tensor fields);
  // Random couplings N(0, scale^2) and fields N(0, scale^2), seeded.
  static std::shared_ptr<PottsEnergy> random(int64_t variables, int64_t categories, double scale, uint64_t seed);
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  std::string describe() const override;
  // Exact Boltzmann probabilities at temperature t of every state, states enumerated with
  // variable 0 as the most significant digit: [K^V].
  torch::Tensor exact_distribution(double temperature) const;

 private:
  torch::Tensor couplings_, fields_;
  int64_t variables_, categories_;
};

// Purity of relaxed categorical answers p [B, V, K] (probabilities):
//   E(p) = sum_v (1 - sum_k p[v, k]^2)
// 0 exactly at one-hot rows, largest at uniform rows. With a negative weight it spreads
// probability (exploration); with a positive one it pushes every row to a vertex. Closed-form
// gradient -2 p.
class CategoricalPurityEnergy : public Energy {
 public:
  CategoricalPurityEnergy() : Energy("CategoricalPurityEnergy") {}
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  torch::Tensor closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  RowKernelPtr row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) override;
  std::string describe() const override { return "purity"; }
};

// A small neural energy for benchmarks: E(y) = w^T tanh(W y + c) + 1/2 |y|^2 over flattened
// answers, hidden width `hidden`, weights fixed (requires_grad off). Gradient by autograd (the common
// case for learned energies).
class MlpEnergy : public Energy {
 public:
  MlpEnergy(int64_t dimension, int64_t hidden, uint64_t seed);
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  std::string describe() const override;

 private:
  torch::nn::Linear layer_{nullptr};
  torch::Tensor readout_;
  int64_t dimension_, hidden_;
};

}  // namespace ebm
