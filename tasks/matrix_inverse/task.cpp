#include "tasks/matrix_inverse/task.h"

#include "tasks/tensor/matrix_task.h"

#include <torch/torch.h>

namespace ebm::matrix_inverse {

namespace {

class MatrixInverseTask : public tensor::MatrixTask {
 public:
  std::string name() const override { return "matrix-inverse"; }
  std::string summary() const override {
    return "invert a 20x20 symmetric positive definite matrix (IRED); harder split: worse conditioned";
  }
  std::string harder_split_description() const override { return "A = 2 R R^T + 0.1 I instead of + 0.5 I"; }
  double tolerance() const override { return 0.01; }
  double answer_scale() const override { return 0.14; }  // sd of an entry of A^-1 (measured, usual split)
  std::vector<int64_t> condition_shape(int64_t size) const override { return {size, size}; }
  tensor::Draw draw(Split split, int64_t size, std::mt19937_64& rng) const override {
    std::uniform_real_distribution<double> uniform(-1.0, 1.0);
    auto r = torch::empty({size, size}, torch::kDouble);
    auto values = r.accessor<double, 2>();
    for (int64_t i = 0; i < size; ++i)
      for (int64_t j = 0; j < size; ++j) values[i][j] = uniform(rng);
    const double shift = split == Split::Harder ? 0.1 : 0.5;
    auto a = 2.0 * r.matmul(r.t()) + shift * torch::eye(size, torch::kDouble);
    return {a.to(torch::kFloat), torch::linalg_inv(a).to(torch::kFloat)};
  }
  torch::Tensor expected_answer(const tensor::TensorProblem& problem) const override {
    return torch::linalg_inv(problem.condition.to(torch::kDouble)).to(torch::kFloat);
  }
};

}  // namespace

TaskPtr make_task() { return std::make_shared<MatrixInverseTask>(); }

}  // namespace ebm::matrix_inverse
