#include "tasks/tensor/training.h"

#include "ebm/learning/ar_baseline.h"
#include "ebm/learning/landscape_energy.h"
#include "ebm/learning/training_objectives.h"
#include "ebm/learning/training_records.h"
#include "ebm/trainer.h"
#include "ebm/samplers/task_solver.h"
#include "tasks/tensor/models.h"

#include <torch/torch.h>

#include <ostream>
#include <sstream>

namespace ebm::tensor {

namespace {

const std::vector<ParameterInfo>& infos() {
  static const std::vector<ParameterInfo> list = training_parameters();
  return list;
}
std::string text(const TaskParameters& p, const char* name) { return parameter_value(p, infos(), name); }
int64_t integer(const TaskParameters& p, const char* name) { return parameter_int(p, infos(), name); }
double number(const TaskParameters& p, const char* name) { return parameter_double(p, infos(), name); }

// The whole batch of training step `step`, drawn from the seed and the step alone.
std::vector<std::shared_ptr<TensorProblem>> whole_batch(const TensorTask& task, uint64_t seed, int64_t step,
                                                        int64_t batch) {
  return task.draw_problems(Split::Train, batch, splitmix64(seed * 0x632BE59BD9B4E019ULL + uint64_t(step) + 1));
}

Example example_of(const std::shared_ptr<TensorProblem>& problem) {
  auto solution = std::make_shared<TensorAnswer>();
  solution->value = problem->reference;
  return {problem, solution};
}

// The stream as examples: the same problems as training_batch (before a process keeps its shard).
class TensorExamples : public ExampleStream {
 public:
  TensorExamples(const TensorTask& task, uint64_t seed, int64_t validation_problems)
      : task_(task), seed_(seed), validation_problems_(validation_problems) {}
  void prepare(std::ostream& log) override {
    for (const auto& p : task_.draw_problems(Split::Validation, validation_problems_, seed_))
      validation_.push_back(example_of(p));
    log << "data: " << task_.name() << " train-split stream (size " << task_.size_of(Split::Train)
        << "), a fresh batch per step; validation: " << validation_.size() << " validation-split problems\n";
  }
  std::vector<Example> batch(int64_t step, int64_t batch) override {
    std::vector<Example> examples;
    for (const auto& p : whole_batch(task_, seed_, step, batch)) examples.push_back(example_of(p));
    return examples;
  }
  std::vector<std::pair<std::string, std::vector<Example>>> validation() const override {
    return {{"", validation_}};
  }
  nlohmann::json record() const override {
    return {{"split", "train"}, {"size", task_.size_of(Split::Train)}, {"stream_seed", seed_},
            {"validation_problems", validation_problems_}};
  }

 private:
  const TensorTask& task_;
  uint64_t seed_;
  int64_t validation_problems_;
  std::vector<Example> validation_;
};

// Starting answers as inference draws them: the answer space's random_init, with one-hot answers
// relaxed to probabilities (what gradient descent runs on).
std::function<torch::Tensor(const torch::Tensor&, torch::Generator&)> inference_start(const TensorTask& task) {
  auto space = task.answer_space(task.size_of(Split::Train));
  if (space.kind == AnswerKind::OneHot) space = AnswerSpace::categorical(space.num_variables(), space.num_categories());
  return [space](const torch::Tensor& clean, torch::Generator& generator) {
    return space.random_init(clean.size(0), generator, clean.options()).reshape(clean.sizes());
  };
}

// The shared part of the recipes: identity, the task's example stream (a step's batch, this process's
// shard of it, as tensors on the device) and its validation examples.
class TensorRecipe : public TrainingRecipe {
 public:
  TensorRecipe(const TensorTask& task, TrainingOptions options, std::unique_ptr<ExampleStream> stream, ModelKind kind)
      : task_(task), options_(std::move(options)), stream_(std::move(stream)), kind_(kind) {
    seed_initialisation(options_.seed);
  }
  nlohmann::json identity() const override {
    return {{"kind", checkpoint_kind(task_, kind_)}, {"architecture", architecture()}, {"task", task_.name()}};
  }
  void prepare(std::ostream& log) override {
    stream_->prepare(log);
    validation_ = stream_->validation().front().second;
  }
  nlohmann::json recipe() const override {
    nlohmann::json r = settings();
    r["model"] = model_kind_name(kind_);
    r["data"] = stream_->record();
    return r;
  }

 protected:
  virtual nlohmann::json architecture() const = 0;
  virtual nlohmann::json settings() const = 0;
  // Conditions and reference answers of this process's rows of step `step`'s batch.
  void draw_batch(int64_t step, torch::Tensor& condition, torch::Tensor& answer) {
    const auto batch = stream_->batch(step, options_.batch);
    const auto [begin, end] = shard_rows(options_, options_.batch);
    std::vector<torch::Tensor> xs, ys;
    for (int64_t i = begin; i < end; ++i) {
      xs.push_back(as_tensor_problem(*batch[i].problem).condition);
      ys.push_back(answer_value(*batch[i].solution));
    }
    condition = torch::stack(xs).to(options_.device);
    answer = torch::stack(ys).to(options_.device);
  }
  torch::Tensor validation_conditions() const {
    std::vector<torch::Tensor> xs;
    for (const auto& e : validation_) xs.push_back(as_tensor_problem(*e.problem).condition);
    return torch::stack(xs).to(options_.device);
  }
  std::vector<ProblemPtr> validation_problems() const {
    std::vector<ProblemPtr> problems;
    for (const auto& e : validation_) problems.push_back(e.problem);
    return problems;
  }

  const TensorTask& task_;
  TrainingOptions options_;
  std::unique_ptr<ExampleStream> stream_;
  ModelKind kind_;
  std::vector<Example> validation_;
};

class EnergyRecipe : public TensorRecipe {
 public:
  EnergyRecipe(const TensorTask& task, const TrainingOptions& options, std::unique_ptr<ExampleStream> stream,
               const TaskParameters& p)
      : TensorRecipe(task, options, std::move(stream), ModelKind::Energy) {
    objective_ = text(p, "objective");
    if (objective_ != "denoising" && objective_ != "contrastive" && objective_ != "unrolled")
      throw std::invalid_argument("train: objective must be denoising, contrastive or unrolled, got '" + objective_ + "'");
    auto arch = task_.default_architecture(ModelKind::Energy);
    if (integer(p, "hidden") > 0) arch["hidden"] = integer(p, "hidden");
    if (integer(p, "layers") > 0) arch["layers"] = integer(p, "layers");
    if (objective_ != "denoising") arch["landscapes"] = 1;
    else if (integer(p, "landscapes") > 0) arch["landscapes"] = integer(p, "landscapes");
    std::string head = text(p, "head");
    if (head.empty()) head = objective_ == "contrastive" ? "linear" : arch.value("head", std::string("square"));
    arch["head"] = energy_head_name(parse_energy_head(head));
    if (objective_ == "contrastive" && head != "linear")
      throw std::invalid_argument("train: the contrastive objective needs --head linear (a floored head collapses)");
    net_ = task_.make_energy_network(arch);
    net_->to(options_.device);
    const double scale = task_.answer_scale();
    denoising_ = {number(p, "sigma-min"), number(p, "sigma-max"), number(p, "contrast-weight"), scale};
    contrastive_ = {integer(p, "negative-steps"), number(p, "langevin-step"), number(p, "langevin-noise"),
                    number(p, "alpha"), number(p, "beta")};
    unrolled_ = {integer(p, "unrolled-steps"), number(p, "unrolled-step"), scale, inference_start(task_)};
    validation_steps_ = integer(p, "validation-steps");
    if (validation_steps_ < 1) throw std::invalid_argument("train: validation-steps must be >= 1");
    buffer_ = std::make_unique<ReplayBuffer>(integer(p, "buffer"), 0.05, scale);
    generator_ = at::make_generator<at::CPUGeneratorImpl>(options_.seed * 31 + 7);
  }
  std::string describe() const override {
    return "model: " + net_->describe() + ", " + std::to_string(parameter_count(*net_)) + " parameters; objective: " +
           objective_;
  }
  torch::nn::Module& module() override { return *net_; }
  torch::Tensor loss(int64_t step) override {
    torch::Tensor x, y;
    draw_batch(step, x, y);
    if (objective_ == "denoising") return denoising_landscape_loss(*net_, x, y, denoising_, generator_);
    if (objective_ == "unrolled") return unrolled_loss(*net_, x, y, unrolled_, generator_);
    auto result = contrastive_divergence_loss(*net_, x, y, *buffer_, contrastive_, generator_);
    last_energies_ = {result.positive_energy, result.negative_energy};
    return result.loss;
  }
  nlohmann::json validate(int64_t step, std::ostream& log) override {
    torch::AutoGradMode enable(true);  // the sampler needs dE/dy
    EbmSettings settings;
    settings.energy.name = "learned";
    settings.prebuilt = std::shared_ptr<Energy>(net_.get(), [](Energy*) {});
    settings.sampler = landscape_descent_spec(validation_steps_ * net_->landscapes());
    settings.budget_ms = 1e9;
    settings.batch = 256;
    settings.seed = options_.seed;
    settings.device = options_.device;
    std::vector<AnswerPtr> answers;
    for (const auto& solved : solve_with_energy(task_, validation_problems(), settings).problems)
      answers.push_back(solved.answer);
    auto metrics = score_examples(task_, validation_, answers);
    if (objective_ == "contrastive") {
      metrics["positive_energy"] = last_energies_.first;
      metrics["negative_energy"] = last_energies_.second;
    }
    log_validation(log, step, metrics);
    return metrics;
  }

 private:
  nlohmann::json architecture() const override { return net_->architecture(); }
  nlohmann::json settings() const override {
    nlohmann::json j = {{"objective", objective_}, {"validation_steps_per_landscape", validation_steps_}};
    if (objective_ == "denoising")
      j["denoising"] = {{"sigma_min", denoising_.sigma_min}, {"sigma_max", denoising_.sigma_max},
                        {"contrast_weight", denoising_.contrast_weight}, {"scale", denoising_.scale}};
    if (objective_ == "contrastive")
      j["contrastive"] = {{"negative_steps", contrastive_.negative_steps}, {"langevin_step", contrastive_.langevin_step},
                          {"langevin_noise", contrastive_.langevin_noise}, {"alpha", contrastive_.alpha},
                          {"beta", contrastive_.beta}};
    if (objective_ == "unrolled")
      j["unrolled"] = {{"steps", unrolled_.steps}, {"step", unrolled_.step}, {"init_scale", unrolled_.init_scale}};
    return j;
  }

  std::string objective_;
  std::shared_ptr<LandscapeEnergy> net_;
  DenoisingSettings denoising_;
  ContrastiveSettings contrastive_;
  UnrolledSettings unrolled_;
  int64_t validation_steps_ = 5;
  std::unique_ptr<ReplayBuffer> buffer_;
  torch::Generator generator_;
  std::pair<double, double> last_energies_{0.0, 0.0};
};

// The feed-forward architecture with the hidden width in [4, 4096] whose parameter count is closest
// to `target`. The bracket grows by doubling first, so no network far larger than the target is built.
nlohmann::json matched_feedforward(const TensorTask& task, nlohmann::json arch, int64_t target) {
  auto count = [&](int64_t hidden) {
    arch["hidden"] = hidden;
    return parameter_count(*task.make_feedforward_network(arch));
  };
  int64_t low = 4, high = 8;
  while (high < 4096 && count(high) < target) {
    low = high;
    high = std::min<int64_t>(2 * high, 4096);
  }
  while (high - low > 1) {
    const int64_t mid = (low + high) / 2;
    (count(mid) < target ? low : high) = mid;
  }
  arch["hidden"] = std::llabs(count(low) - target) <= std::llabs(count(high) - target) ? low : high;
  return arch;
}

class FeedforwardRecipe : public TensorRecipe {
 public:
  FeedforwardRecipe(const TensorTask& task, const TrainingOptions& options, std::unique_ptr<ExampleStream> stream,
                    const TaskParameters& p)
      : TensorRecipe(task, options, std::move(stream), ModelKind::Feedforward) {
    auto arch = task_.default_architecture(ModelKind::Feedforward);
    if (integer(p, "layers") > 0) arch["layers"] = integer(p, "layers");
    if (integer(p, "hidden") > 0) {
      arch["hidden"] = integer(p, "hidden");
    } else {
      auto energy = task_.default_architecture(ModelKind::Energy);
      if (integer(p, "landscapes") > 0) energy["landscapes"] = integer(p, "landscapes");
      matched_to_ = parameter_count(*task_.make_energy_network(energy));
      arch = matched_feedforward(task_, arch, matched_to_);
    }
    net_ = task_.make_feedforward_network(arch);
    net_->to(options_.device);
    space_ = task_.answer_space(task_.size_of(Split::Train));
  }
  std::string describe() const override {
    std::string text = "model: feed-forward " + net_->architecture().dump() + ", " +
                       std::to_string(parameter_count(*net_)) + " parameters";
    if (matched_to_ > 0) text += " (matched to the default energy's " + std::to_string(matched_to_) + ")";
    return text + "; loss: " + (space_.is_categorical() ? "cross-entropy per variable" : "mean squared error");
  }
  torch::nn::Module& module() override { return *net_; }
  torch::Tensor loss(int64_t step) override {
    torch::Tensor x, y;
    draw_batch(step, x, y);
    auto prediction = net_->forward(x);
    if (!space_.is_categorical()) return (prediction - y).pow(2).mean();
    const int64_t k = space_.num_categories();
    return torch::nn::functional::cross_entropy(prediction.reshape({-1, k}), y.reshape({-1, k}).argmax(-1));
  }
  nlohmann::json validate(int64_t step, std::ostream& log) override {
    const auto predicted = answers_from_prediction(space_, net_->forward(validation_conditions())).to(torch::kCPU);
    std::vector<AnswerPtr> answers;
    for (int64_t i = 0; i < predicted.size(0); ++i) {
      auto answer = std::make_shared<TensorAnswer>();
      answer->value = predicted[i];
      answers.push_back(answer);
    }
    auto metrics = score_examples(task_, validation_, answers);
    log_validation(log, step, metrics);
    return metrics;
  }

 private:
  nlohmann::json architecture() const override { return net_->architecture(); }
  nlohmann::json settings() const override { return {{"matched_to_parameters", matched_to_}}; }

  std::shared_ptr<Regressor> net_;
  AnswerSpace space_;
  int64_t matched_to_ = 0;
};

}  // namespace

std::vector<ParameterInfo> training_parameters() {
  return {
      {"model", "energy", "what to train: energy | feedforward | ar (the autoregressive baseline, tasks with tokens)", TrainParameter},
      {"objective", "denoising", "energy objective: denoising (IRED) | contrastive (replay buffer) | unrolled (EBT-style)", TrainParameter},
      {"landscapes", "0", "annealed energy landscapes of the denoising objective, 0 = the task's default (others train one)", TrainParameter},
      {"head", "", "energy read-out: square | residual | linear; default: the task's (residual for matrices), linear for contrastive", TrainParameter},
      {"hidden", "0", "hidden width; 0 = the task's default (feedforward: matched to the energy's parameter count)", TrainParameter},
      {"layers", "0", "hidden layers; 0 = the task's default", TrainParameter},
      {"validation-problems", "256", "validation-split problems scored at every checkpoint", TrainParameter},
      {"validation-steps", "5", "energy: gradient steps per landscape when validating", TrainParameter},
      {"sigma-min", "0.05", "denoising: noise of the sharpest landscape, in answer-scale units", TrainParameter},
      {"sigma-max", "2.0", "denoising: noise of the smoothest landscape (covers inference's N(0, 1) start)", TrainParameter},
      {"contrast-weight", "0.5", "denoising: weight of the energy-landscape (contrastive) term", TrainParameter},
      {"negative-steps", "20", "contrastive: Langevin steps per negative", TrainParameter},
      {"langevin-step", "0.01", "contrastive: Langevin step size", TrainParameter},
      {"langevin-noise", "0.1", "contrastive: noise multiplier on sqrt(2 step)", TrainParameter},
      {"alpha", "0.1", "contrastive: energy-magnitude penalty alpha (E+^2 + E-^2)", TrainParameter},
      {"beta", "0.01", "contrastive: gradient penalty |dE/dy|^2 at the data", TrainParameter},
      {"buffer", "10000", "contrastive: replay buffer capacity (answers)", TrainParameter},
      {"unrolled-steps", "5", "unrolled: gradient steps back-propagated through", TrainParameter},
      {"unrolled-step", "0.5", "unrolled: gradient step size", TrainParameter},
  };
}

std::vector<std::shared_ptr<TensorProblem>> training_batch(const TensorTask& task, const TrainingOptions& options,
                                                           int64_t step) {
  auto problems = whole_batch(task, options.seed, step, options.batch);
  const auto [begin, end] = shard_rows(options, options.batch);
  return {problems.begin() + begin, problems.begin() + end};
}

std::unique_ptr<ExampleStream> make_example_stream(const TensorTask& task, const TrainingOptions& options,
                                                   const TaskParameters& given) {
  TaskParameters parameters = task.training_defaults();
  for (const auto& [name, value] : given) parameters[name] = value;
  const int64_t validation = integer(parameters, "validation-problems");
  if (validation < 1) throw std::invalid_argument("train: validation-problems must be >= 1");
  return std::make_unique<TensorExamples>(task, options.seed, validation);
}

std::string checkpoint_kind(const TensorTask& task, ModelKind kind) {
  return task.name() + "-" + model_kind_name(kind);
}

std::unique_ptr<TrainingRecipe> make_model_recipe(const TensorTask& task, const TrainingOptions& options,
                                                     const TaskParameters& given) {
  TaskParameters parameters = task.training_defaults();  // the task's defaults, then the flags given
  for (const auto& [name, value] : given) parameters[name] = value;
  if (options.batch % std::max(options.world_size, 1) != 0)
    throw std::invalid_argument("train: batch " + std::to_string(options.batch) + " does not divide among " +
                                std::to_string(options.world_size) + " processes");
  auto stream = make_example_stream(task, options, parameters);
  const std::string model = text(parameters, "model");
  if (model == "energy") return std::make_unique<EnergyRecipe>(task, options, std::move(stream), parameters);
  if (model == "feedforward") return std::make_unique<FeedforwardRecipe>(task, options, std::move(stream), parameters);
  throw std::invalid_argument("train: model must be energy or feedforward here (ar is the AR baseline's), got '" +
                              model + "'");
}

}  // namespace ebm::tensor
