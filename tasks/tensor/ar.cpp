#include "tasks/tensor/ar.h"

#include "ebm/runtime/device.h"
#include "ebm/learning/landscape_energy.h"
#include "ebm/learning/training_records.h"
#include "tasks/tensor/ar_decoding.h"
#include "tasks/tensor/models.h"
#include "tasks/tensor/training.h"

#include <torch/torch.h>

#include <chrono>
#include <ostream>

namespace ebm::tensor {

namespace {

constexpr int64_t kDefaultLayers = 2, kHeads = 4;
constexpr const char* kObjective = "teacher-forced next-token cross-entropy on the answer tokens";

const std::vector<ParameterInfo>& infos() {
  static const std::vector<ParameterInfo> list = training_parameters();
  return list;
}

// The transformer `parameters` ask for (see ar.h); *matched_to = the energy's count when matched.
ArTransformerConfig ar_config(const TensorTask& task, const TaskParameters& parameters, int64_t* matched_to) {
  const int64_t layers = parameter_int(parameters, infos(), "layers") > 0 ? parameter_int(parameters, infos(), "layers")
                                                                          : kDefaultLayers;
  const int64_t width = parameter_int(parameters, infos(), "hidden");
  const int64_t vocab = task.token_vocabulary(), max_length = longest_ar_sequence(task);
  ArTransformerConfig config;
  if (width > 0) {
    config.vocab = vocab;
    config.max_length = max_length;
    config.d_model = width;
    config.heads = kHeads;
    config.layers = layers;
  } else {
    auto energy = task.default_architecture(ModelKind::Energy);
    if (parameter_int(parameters, infos(), "landscapes") > 0)
      energy["landscapes"] = parameter_int(parameters, infos(), "landscapes");
    *matched_to = parameter_count(*task.make_energy_network(energy));
    config = ArTransformerConfig::matched_to(*matched_to, vocab, max_length, layers, kHeads);
  }
  std::string error;
  if (!config.IsValid(&error)) throw std::invalid_argument("train: " + error);
  return config;
}

class ArRecipe : public TrainingRecipe {
 public:
  ArRecipe(const TensorTask& task, TrainingOptions options, const TaskParameters& parameters)
      : task_(task), options_(std::move(options)), config_(ar_config(task, parameters, &matched_to_)),
        validation_problems_(parameter_int(parameters, infos(), "validation-problems")),
        generator_(make_generator(options_.seed, options_.device)) {
    seed_initialisation(options_.seed);
    net_ = ArTransformer(config_);
    net_->to(options_.device);
  }
  std::string describe() const override {
    std::string text = "model: ar-transformer " + config_.to_json().dump() + ", " +
                       std::to_string(net_->parameter_count()) + " parameters";
    if (matched_to_ > 0) text += " (matched to the default energy's " + std::to_string(matched_to_) + ")";
    return text + "; loss: " + kObjective;
  }
  torch::nn::Module& module() override { return *net_; }
  nlohmann::json identity() const override {
    return {{"kind", checkpoint_kind(task_, ModelKind::Autoregressive)},
            {"architecture", config_.to_json()},
            {"task", task_.name()}};
  }
  void prepare(std::ostream& log) override {
    for (auto& p : task_.draw_problems(Split::Validation, validation_problems_, options_.seed)) validation_.push_back(p);
    log << "data: " << task_.name() << " train-split stream (size " << task_.size_of(Split::Train)
        << "), a fresh batch of " << options_.batch << " per step, as tokens; validation: " << validation_.size()
        << " validation-split problems, greedy decoding\n";
  }
  torch::Tensor loss(int64_t step) override {
    const auto batch = teacher_batch(task_, training_batch(task_, options_, step));
    auto tokens = batch.tokens.to(options_.device);
    const int64_t length = tokens.size(1), answer = length - batch.prompt_length;
    // Position t predicts token t + 1: the answer tokens are predicted from positions P-1 .. L-2.
    auto logits = net_->forward(tokens.narrow(1, 0, length - 1)).narrow(1, batch.prompt_length - 1, answer);
    auto targets = tokens.narrow(1, batch.prompt_length, answer);
    return torch::nn::functional::cross_entropy(logits.reshape({-1, config_.vocab}), targets.reshape({-1}));
  }
  nlohmann::json validate(int64_t step, std::ostream& log) override {
    std::vector<torch::Tensor> answers;
    const int64_t group = std::max<int64_t>(options_.batch, 1);
    for (size_t first = 0; first < validation_.size(); first += size_t(group)) {
      const auto last = std::min(validation_.size(), first + size_t(group));
      std::vector<ProblemPtr> problems(validation_.begin() + first, validation_.begin() + last);
      for (auto& a : decode_group(net_, task_, problems, ArDecode{}, generator_, options_.device).answers)
        answers.push_back(a);
    }
    auto metrics = score_answers(task_, validation_, torch::stack(answers));
    log_validation(log, step, metrics);
    return metrics;
  }
  nlohmann::json recipe() const override {
    return {{"model", "ar"},
            {"objective", kObjective},
            {"matched_to_parameters", matched_to_},
            {"data", {{"split", "train"}, {"size", task_.size_of(Split::Train)}, {"stream_seed", options_.seed},
                      {"validation_problems", validation_problems_}}}};
  }

 private:
  const TensorTask& task_;
  TrainingOptions options_;
  int64_t matched_to_ = 0;
  ArTransformerConfig config_;
  int64_t validation_problems_;
  torch::Generator generator_;
  ArTransformer net_{nullptr};
  std::vector<ProblemPtr> validation_;
};

class ArSolver : public Solver {
 public:
  ArSolver(const TensorTask& task, std::string model, ArDecode decode, const SolverContext& context)
      : task_(task), model_(std::move(model)), decode_(decode), device_(context.device), budget_ms_(context.budget_ms),
        generator_(make_generator(context.seed, context.device)) {
    net_ = load_ar_model(task, model_, device_);
  }
  std::string name() const override { return "ar:" + decode_.text(); }
  nlohmann::json config() const override {
    return {{"solver", "ar"}, {"model", model_}, {"model_hash", file_hash(model_)}, {"decode", decode_.text()},
            {"architecture", net_->config().to_json()}};
  }
  int64_t parameters() const override { return net_->parameter_count(); }

  std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) override {
    const auto start = std::chrono::steady_clock::now();
    const DecodeStop budget_spent = [&] {
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() >= budget_ms_;
    };
    return solve_in_groups(task_, batch, device_, [&](const std::vector<ProblemPtr>& group) {
      auto decoded = decode_group(net_, task_, group, decode_, generator_, device_, budget_spent);
      GroupAnswers out;
      out.answers = std::move(decoded.answers);
      out.forward_passes = double(decoded.positions);
      out.flops = forward_flops(net_->config(), decoded.positions);
      return out;
    });
  }

 private:
  const TensorTask& task_;
  std::string model_;
  ArDecode decode_;
  torch::Device device_;
  double budget_ms_;  // wall time of one solve() call; decoding stops there, leaving problems unanswered
  torch::Generator generator_;
  ArTransformer net_{nullptr};
};

}  // namespace

std::unique_ptr<TrainingRecipe> make_ar_training_recipe(const TensorTask& task, const TrainingOptions& options,
                                                        const TaskParameters& parameters) {
  return std::make_unique<ArRecipe>(task, options, parameters);
}

std::unique_ptr<Solver> make_ar_solver(const TensorTask& task, const std::string& spec, const SolverContext& context) {
  if (spec != "ar" && spec.rfind("ar:", 0) != 0 && spec.rfind("ar,", 0) != 0) return nullptr;
  std::string rest = spec.size() > 3 ? spec.substr(3) : "";
  std::string decode = "greedy";
  if (const auto at = rest.find("decode="); at != std::string::npos) {
    if (at > 0 && rest[at - 1] != ',') throw std::invalid_argument("solver '" + spec + "': bad decode key");
    decode = rest.substr(at + 7);
    rest = rest.substr(0, at == 0 ? 0 : at - 1);
  }
  if (rest.find('=') != std::string::npos)
    throw std::invalid_argument("solver '" + spec + "': unknown key in '" + rest + "' (ar takes MODEL and decode=)");
  const std::string model = rest.empty() ? task.shipped_model(ModelKind::Autoregressive) : rest;
  return std::make_unique<ArSolver>(task, model, ArDecode::parse(decode), context);
}

}  // namespace ebm::tensor
