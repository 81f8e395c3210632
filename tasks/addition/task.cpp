#include "tasks/addition/task.h"

#include "tasks/tensor/matrix_task.h"

#include <torch/torch.h>

namespace ebm::addition {

namespace {

class AdditionTask : public tensor::MatrixTask {
 public:
  std::string name() const override { return "addition"; }
  std::string summary() const override {
    return "add two 20x20 matrices (IRED); harder split: entries 2.5x larger than in training";
  }
  std::string harder_split_description() const override {
    return "entries uniform in [-2.5, 2.5] instead of [-1, 1]";
  }
  double tolerance() const override { return 0.01; }
  double answer_scale() const override { return 0.8; }  // sd of a sum of two U[-1, 1] entries
  std::vector<int64_t> condition_shape(int64_t size) const override { return {2, size, size}; }
  tensor::Draw draw(Split split, int64_t size, std::mt19937_64& rng) const override {
    const double scale = split == Split::Harder ? 2.5 : 1.0;
    std::uniform_real_distribution<double> uniform(-scale, scale);
    auto condition = torch::empty({2, size, size}, torch::kFloat);
    auto values = condition.accessor<float, 3>();
    for (int64_t m = 0; m < 2; ++m)
      for (int64_t i = 0; i < size; ++i)
        for (int64_t j = 0; j < size; ++j) values[m][i][j] = static_cast<float>(uniform(rng));
    return {condition, condition[0] + condition[1]};
  }
  torch::Tensor expected_answer(const tensor::TensorProblem& problem) const override {
    return problem.condition[0] + problem.condition[1];
  }
};

}  // namespace

TaskPtr make_task() { return std::make_shared<AdditionTask>(); }

}  // namespace ebm::addition
