#include "tasks/tensor/matrix_task.h"

#include "ebm/learning/landscape_energy.h"

#include <torch/torch.h>

#include <numeric>

namespace ebm::tensor {

namespace {

int64_t flat_size(const std::vector<int64_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

void require_kind(const nlohmann::json& architecture, const char* kind) {
  if (architecture.value("kind", "") != kind)
    throw std::invalid_argument(std::string("architecture kind must be '") + kind + "', got " +
                                architecture.value("kind", nlohmann::json()).dump());
}

}  // namespace

torch::Tensor MatrixTask::expected_answer(const TensorProblem& problem) const { return problem.reference; }

bool MatrixTask::check(const TensorProblem& problem, const torch::Tensor& answer, std::string* why) const {
  auto expected = expected_answer(problem);
  if (!expected.defined()) {
    if (why) *why = "no reference answer to compare with";
    return false;
  }
  const double mse = (answer - expected).pow(2).mean().item<double>();
  if (mse <= tolerance()) return true;
  if (why) *why = c10::str("mean squared error ", mse, " above the tolerance ", tolerance());
  return false;
}

std::map<std::string, double> MatrixTask::measures(const TensorProblem& problem, const torch::Tensor& answer) const {
  auto expected = expected_answer(problem);
  if (!expected.defined()) return {};
  return {{"mse", (answer - expected).pow(2).mean().item<double>()}};
}

nlohmann::json MatrixTask::default_architecture(ModelKind kind) const {
  const int64_t input = flat_size(condition_shape(order_)), output = order_ * order_;
  if (kind == ModelKind::Feedforward)
    return {{"kind", "mlp-regressor"}, {"input", input}, {"output", output}, {"hidden", 512}, {"layers", 3},
            {"answer_shape", answer_space(order_).shape}};
  return {{"kind", "mlp-energy"}, {"input", input}, {"output", output}, {"hidden", 256}, {"layers", 3},
          {"landscapes", 4}, {"head", "residual"}};
}

std::shared_ptr<LandscapeEnergy> MatrixTask::make_energy_network(const nlohmann::json& architecture) const {
  require_kind(architecture, "mlp-energy");
  const auto landscapes = architecture.value("landscapes", nlohmann::json());
  if (!landscapes.is_number_integer() || landscapes.get<int64_t>() < 1)
    throw std::invalid_argument("architecture: 'landscapes' must be an integer >= 1");
  return std::make_shared<MlpLandscapeEnergy>(MlpShape::from_json(architecture), landscapes.get<int64_t>(),
                                              parse_energy_head(architecture.value("head", "")));
}

std::shared_ptr<Regressor> MatrixTask::make_feedforward_network(const nlohmann::json& architecture) const {
  require_kind(architecture, "mlp-regressor");
  const auto shape = MlpShape::from_json(architecture);
  return std::make_shared<MlpRegressor>(shape, std::vector<int64_t>{order_, order_});
}

}  // namespace ebm::tensor
