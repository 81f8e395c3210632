#include "tasks/matrix_completion/task.h"

#include "tasks/tensor/matrix_task.h"

#include <torch/torch.h>

namespace ebm::matrix_completion {

namespace {

class MatrixCompletionTask : public tensor::MatrixTask {
 public:
  std::string name() const override { return "matrix-completion"; }
  std::string summary() const override {
    return "complete a half-observed 20x20 rank-10 matrix plus noise (IRED); harder split: 4x larger values";
  }
  std::string harder_split_description() const override { return "R = U V^T / 5 + 0.1 N instead of / 20"; }
  double tolerance() const override { return 0.02; }
  double answer_scale() const override { return 0.19; }  // sd of an entry: sqrt(10 / 400 + 0.01)
  std::vector<int64_t> condition_shape(int64_t size) const override { return {size, size}; }
  tensor::Draw draw(Split split, int64_t size, std::mt19937_64& rng) const override {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::bernoulli_distribution observed(0.5);
    const int64_t rank = 10;
    auto u = torch::empty({size, rank}, torch::kDouble), v = torch::empty({size, rank}, torch::kDouble);
    auto noise = torch::empty({size, size}, torch::kDouble);
    for (auto* t : {&u, &v, &noise}) {
      auto flat = t->reshape({-1});
      auto values = flat.accessor<double, 1>();
      for (int64_t i = 0; i < flat.numel(); ++i) values[i] = normal(rng);
    }
    const double divisor = split == Split::Harder ? 5.0 : 20.0;
    auto matrix = u.matmul(v.t()) / divisor + 0.1 * noise;
    auto mask = torch::empty({size, size}, torch::kDouble);
    auto mask_values = mask.accessor<double, 2>();
    for (int64_t i = 0; i < size; ++i)
      for (int64_t j = 0; j < size; ++j) mask_values[i][j] = observed(rng) ? 1.0 : 0.0;
    return {(matrix * mask).to(torch::kFloat), matrix.to(torch::kFloat)};
  }
};

}  // namespace

TaskPtr make_task() { return std::make_shared<MatrixCompletionTask>(); }

}  // namespace ebm::matrix_completion
