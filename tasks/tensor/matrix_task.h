// MatrixTask: the shared base of the continuous IRED tasks (addition, matrix-inverse,
// matrix-completion): answers are real n x n matrices (n = 20 in both splits: the harder split
// changes the distribution, not the size), the networks are MLPs over the flattened matrices
// (ebm/learning/landscape_energy.h), "mse" is the mean squared error per entry against the reference answer,
// and an answer is accepted when that MSE is at most the task's stated tolerance.
#pragma once

#include "tasks/tensor/tensor_task.h"

namespace ebm::tensor {

class MatrixTask : public TensorTask {
 public:
  explicit MatrixTask(int64_t order = 20) : order_(order) {}

  // Largest accepted mean squared error per entry (absolute, in the answer's units).
  virtual double tolerance() const = 0;
  // The answer check() compares with: the problem's reference (tasks whose answer follows from the
  // condition alone may compute it instead).
  virtual torch::Tensor expected_answer(const TensorProblem& problem) const;

  int64_t size_of(Split) const override { return order_; }
  AnswerSpace answer_space(int64_t size) const override { return AnswerSpace::real({size, size}); }
  bool check(const TensorProblem& problem, const torch::Tensor& answer, std::string* why) const override;
  std::map<std::string, double> measures(const TensorProblem& problem, const torch::Tensor& answer) const override;
  // Continuous answers are optimised for their whole budget: the driver never stops on check().
  bool check_uses_problem_only() const override { return false; }

  // Unrolled training: on this CPU budget it beats denoising by 10-50x in validation MSE (docs/IRED.md).
  TaskParameters training_defaults() const override { return {{"objective", "unrolled"}}; }
  nlohmann::json default_architecture(ModelKind kind) const override;
  std::shared_ptr<LandscapeEnergy> make_energy_network(const nlohmann::json& architecture) const override;
  std::shared_ptr<Regressor> make_feedforward_network(const nlohmann::json& architecture) const override;

 protected:
  int64_t order_;
};

}  // namespace ebm::tensor
