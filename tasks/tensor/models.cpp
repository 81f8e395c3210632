#include "tasks/tensor/models.h"

#include "ebm/checkpoint.h"
#include "ebm/device.h"
#include "ebm/runtime/stopwatch.h"
#include "tasks/tensor/training.h"

#include <torch/torch.h>


namespace ebm::tensor {

namespace {

template <typename Network, typename Build>
std::shared_ptr<Network> load_network(const TensorTask& task, ModelKind kind, const std::string& path,
                                      const torch::Device& device, Build build) {
  auto metadata = read_checkpoint_metadata(path);
  const std::string expected = checkpoint_kind(task, kind), found = metadata.value("kind", std::string("?"));
  if (found != expected) throw CheckpointError(path, "holds a '" + found + "' model, not '" + expected + "'");
  std::shared_ptr<Network> net;
  try {
    net = build(metadata.at("architecture"));
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError(path, std::string("architecture: ") + e.what());
  }
  if (metadata.value("task", "") != task.name())
    throw CheckpointError(path, "a model of task '" + metadata.value("task", std::string("?")) + "', not '" +
                                    task.name() + "'");
  load_checkpoint(path, *net, {checkpoint_kind(task, kind), net->architecture()}, device);
  net->eval();
  for (auto& p : net->parameters()) p.requires_grad_(false);
  return net;
}

class FeedforwardSolver : public Solver {
 public:
  FeedforwardSolver(const TensorTask& task, std::string model, const SolverContext& context)
      : task_(task), model_(std::move(model)), device_(context.device) {
    net_ = load_feedforward(task, model_, device_);
  }
  std::string name() const override { return "feedforward"; }
  nlohmann::json config() const override {
    return {{"model", model_}, {"model_hash", file_hash(model_)}, {"architecture", net_->architecture()}};
  }
  int64_t parameters() const override { return parameter_count(*net_); }

  // Runs of consecutive problems that task.batchable() lets share a batch, one forward pass each;
  // latency from the start of this call until its run was answered.
  std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) override {
    const auto start = Clock::now();
    std::vector<Outcome> outcomes(batch.size());
    torch::NoGradGuard no_grad;
    for (size_t first = 0, last = 0; first < batch.size(); first = last) {
      for (last = first + 1; last < batch.size() && task_.batchable(*batch[first], *batch[last]);) ++last;
      const auto encoding = task_.encode({batch.begin() + first, batch.begin() + last}, device_);
      const auto answers =
          answers_from_prediction(encoding.space, net_->forward(encoding.condition)).to(torch::kCPU);
      synchronize(device_);
      const double ms = milliseconds_since(start);
      for (size_t i = first; i < last; ++i) {
        auto answer = std::make_shared<TensorAnswer>();
        answer->value = answers[int64_t(i - first)].clone();
        outcomes[i].answer = answer;
        outcomes[i].forward_passes = 1;
        outcomes[i].latency_ms = ms;
      }
    }
    return outcomes;
  }

 private:
  const TensorTask& task_;
  std::string model_;
  torch::Device device_;
  std::shared_ptr<Regressor> net_;
};

}  // namespace

std::shared_ptr<LandscapeEnergy> load_energy(const TensorTask& task, const std::string& path, const torch::Device& device) {
  return load_network<LandscapeEnergy>(task, ModelKind::Energy, path, device,
                                       [&](const nlohmann::json& a) { return task.make_energy_network(a); });
}

std::shared_ptr<Regressor> load_feedforward(const TensorTask& task, const std::string& path, const torch::Device& device) {
  return load_network<Regressor>(task, ModelKind::Feedforward, path, device,
                                 [&](const nlohmann::json& a) { return task.make_feedforward_network(a); });
}

torch::Tensor answers_from_prediction(const AnswerSpace& space, const torch::Tensor& prediction) {
  if (!space.is_categorical()) return prediction.to(torch::kFloat);
  return torch::one_hot(prediction.argmax(-1), space.num_categories()).to(torch::kFloat);
}

std::unique_ptr<Solver> make_model_solver(const TensorTask& task, const std::string& spec, const SolverContext& context) {
  if (spec == "feedforward") return std::make_unique<FeedforwardSolver>(task, task.shipped_model(ModelKind::Feedforward), context);
  if (spec.rfind("feedforward:", 0) == 0) return std::make_unique<FeedforwardSolver>(task, spec.substr(12), context);
  return nullptr;
}

}  // namespace ebm::tensor
