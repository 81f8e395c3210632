#include "ebm/learning/pairwise_training.h"

#include "ebm/checkpoint.h"
#include "ebm/learning/frozen_model.h"
#include "ebm/device.h"
#include "ebm/learning/training_objectives.h"
#include "ebm/learning/training_records.h"

#include <ATen/ATen.h>
#include <c10/util/StringUtil.h>
#include <torch/nn/module.h>

#include <ostream>
#include <sstream>
#include <tuple>
#include <stdexcept>

namespace ebm {

namespace {

struct PairwiseSettings {
  std::string objective = "null-space";
  double scale = 9.0;
  double tolerance = 1e-3;
  double sparsity = 5e-3;
  int64_t replay_buffer = 2048;
  int64_t replay_steps = 10;
  double replay_reinit = 0.05;
};

const char* const kObjectives = "null-space | pseudo-likelihood | contrastive";

// Mirror Langevin on the simplex rows, in place of a sampler: the objective's own negative chains.
torch::Tensor mirror_langevin(PairwiseEnergy& energy, torch::Tensor y, int64_t steps, at::Generator& gen) {
  torch::NoGradGuard no_grad;
  for (int64_t t = 0; t < steps; ++t) {
    auto gradient = energy.closed_form_energy_and_gradient({}, y).gradient;
    auto noise = at::normal(0.0, 1.0, y.sizes(), gen, y.options().device(torch::kCPU)).to(y.device());
    y = at::softmax(y.clamp_min(1e-12).log() - gradient * 0.5 + noise * 0.1, -1);
  }
  return y;
}

class PairwiseRecipe : public TrainingRecipe {
 public:
  // Everything is built here, before the loop asks for module() and identity(): the examples (their
  // log kept for prepare()), the energy's shape from them and, for null-space, the fit.
  PairwiseRecipe(const Task& task, std::unique_ptr<ExampleStream> stream, const TrainingOptions& options,
                 PairwiseSettings settings)
      : task_name_(task.name()), stream_(std::move(stream)), options_(options), s_(std::move(settings)) {
    if (s_.objective != "null-space" && s_.objective != "pseudo-likelihood" && s_.objective != "contrastive")
      throw std::invalid_argument(c10::str("train: --pairwise-objective must be ", kObjectives, ", got '",
                                           s_.objective, "'"));
    if (options.world_size > 1) throw std::invalid_argument("train: the pairwise energy trains in one process");
    stream_->prepare(prepared_);
    int64_t k = 0;
    std::tie(train_, k) = stream_->answer_categories(stream_->examples());
    for (const auto& [name, set] : stream_->validation()) {
      auto validation = stream_->answer_categories(set).first;
      validation_ = validation_.defined() ? at::cat({validation_, validation}) : validation;
    }
    if (s_.objective == "null-space") {
      std::tie(energy_, fit_) = fit_null_space(train_, k, s_.scale, s_.tolerance);
      prepared_ << "null-space fit on " << fit_.examples << " answers: " << fit_.rules
                << " linear rules (covariance eigenvalues <= " << fit_.largest_rule << "; the next is "
                << fit_.smallest_freedom << ")\n";
    } else {
      seed_initialisation(options_.seed);
      energy_ = std::make_shared<PairwiseEnergy>(
          PairwiseShape::from_json({{"variables", train_.size(1)}, {"categories", k}}));
    }
    energy_->to(options_.device);
    if (s_.objective == "contrastive") like_ = torch::zeros({options_.batch, train_.size(1), k});
  }

  std::string describe() const override {
    return c10::str("model ", energy_->describe(), ", ", energy_->shape().parameter_count(),
                    " parameters; objective: ", s_.objective);
  }
  torch::nn::Module& module() override { return *energy_; }
  nlohmann::json identity() const override {
    return {{"kind", kPairwiseEnergyKind}, {"architecture", energy_->shape().to_json()}, {"task", task_name_}};
  }

  void prepare(std::ostream& log) override { log << prepared_.str(); }

  torch::Tensor loss(int64_t step) override {
    // The fit is done: a zero that back-propagates, so the loop's steps cost nothing and change nothing.
    if (s_.objective == "null-space") return energy_->fields().sum() * 0.0;
    auto gen = make_generator(options_.seed * 1000003 + static_cast<uint64_t>(step), torch::kCPU);
    auto index = at::randint(train_.size(0), {options_.batch}, gen, torch::kLong);
    auto answers = train_.index_select(0, index).to(options_.device);
    if (s_.objective == "pseudo-likelihood")
      return pseudo_likelihood_loss(*energy_, answers) + group_sparsity(*energy_) * s_.sparsity;
    // The buffer holds log-probabilities: a fresh draw (N(0, 1) logits) and a stored state both
    // become simplex rows through the softmax.
    auto start = at::softmax(buffer_.draw(options_.batch, like_, gen), -1).to(options_.device);
    auto negatives = mirror_langevin(*energy_, start, s_.replay_steps, gen);
    buffer_.push(negatives.clamp_min(1e-12).log());
    auto positives = at::one_hot(answers, energy_->shape().categories).to(torch::kFloat);
    return contrastive_loss(*energy_, {}, positives, negatives) + group_sparsity(*energy_) * s_.sparsity;
  }

  nlohmann::json validate(int64_t step, std::ostream& log) override {
    nlohmann::json metrics;
    if (validation_.defined() && validation_.size(0) > 0) {
      auto answers = validation_.to(options_.device);
      auto one_hot = at::one_hot(answers, energy_->shape().categories).to(torch::kFloat);
      metrics["validation_pseudo_likelihood_loss"] = pseudo_likelihood_loss(*energy_, answers).item<double>();
      metrics["validation_conditional_accuracy"] =
          (energy_->conditional_logits(one_hot).argmax(-1) == answers).to(torch::kDouble).mean().item<double>();
      metrics["validation_mean_energy"] = energy_->forward({}, one_hot).mean().item<double>();
    }
    if (energy_->shape().variables >= 2) {
      const auto graph = strong_pairs(energy_->interaction_strength());
      metrics["graph_strong_pairs"] = graph.pairs;
      metrics["graph_gap_ratio"] = graph.gap_ratio;
    }
    log_validation(log, step, metrics);
    return metrics;
  }

  nlohmann::json recipe() const override {
    nlohmann::json r = {{"model", "pairwise"}, {"objective", s_.objective}, {"data", stream_->record()},
                        {"training_answers", train_.defined() ? train_.size(0) : 0}};
    if (s_.objective == "null-space") {
      r["scale"] = s_.scale;
      r["tolerance"] = s_.tolerance;
      r["fit"] = fit_.to_json();
    } else {
      r["sparsity"] = s_.sparsity;
    }
    if (s_.objective == "contrastive")
      r["replay"] = {{"buffer", s_.replay_buffer}, {"steps", s_.replay_steps}, {"reinit", s_.replay_reinit}};
    return r;
  }

 private:
  std::string task_name_;
  std::unique_ptr<ExampleStream> stream_;
  TrainingOptions options_;
  PairwiseSettings s_;
  std::ostringstream prepared_;  // what building the data and the fit logged
  std::shared_ptr<PairwiseEnergy> energy_;
  torch::Tensor train_, validation_;
  ReplayBuffer buffer_{s_.replay_buffer, s_.replay_reinit, 1.0};  // contrastive: persistent negatives
  torch::Tensor like_;  // the shape of a batch of negatives, for buffer_.draw
  NullSpaceFit fit_;
};

}  // namespace

std::vector<ParameterInfo> pairwise_training_parameters() {
  const PairwiseSettings d;
  return {
      {"pairwise-objective", d.objective, std::string("pairwise energy: ") + kObjectives, TrainParameter},
      {"pairwise-scale", c10::str(d.scale), "pairwise energy, null-space: E = scale |P (x - mean)|^2",
       TrainParameter},
      {"pairwise-tolerance", c10::str(d.tolerance),
       "pairwise energy, null-space: a rule is a covariance eigenvalue below this x their mean", TrainParameter},
      {"sparsity", c10::str(d.sparsity), "pairwise energy: weight of the group-L1 penalty on coupling blocks",
       TrainParameter},
      {"replay-buffer", c10::str(d.replay_buffer), "pairwise energy, contrastive: persistent negative chains",
       TrainParameter},
      {"replay-steps", c10::str(d.replay_steps), "pairwise energy, contrastive: Langevin steps per negative",
       TrainParameter},
      {"replay-reinit", c10::str(d.replay_reinit), "pairwise energy, contrastive: fraction re-drawn at random",
       TrainParameter},
  };
}

std::unique_ptr<TrainingRecipe> make_pairwise_training_recipe(const Task& task, const TrainingOptions& options,
                                                              const TaskParameters& parameters) {
  auto stream = task.example_stream(options, parameters);
  if (!stream) throw std::invalid_argument("train: task '" + task.name() + "' has no training examples");
  const auto infos = pairwise_training_parameters();
  PairwiseSettings s;
  s.objective = parameter_value(parameters, infos, "pairwise-objective");
  s.scale = parameter_double(parameters, infos, "pairwise-scale");
  s.tolerance = parameter_double(parameters, infos, "pairwise-tolerance");
  s.sparsity = parameter_double(parameters, infos, "sparsity");
  s.replay_buffer = parameter_int(parameters, infos, "replay-buffer");
  s.replay_steps = parameter_int(parameters, infos, "replay-steps");
  s.replay_reinit = parameter_double(parameters, infos, "replay-reinit");
  if (!(s.scale > 0 && s.scale <= 1e6)) throw std::invalid_argument("train: --pairwise-scale must be in (0, 1e6]");
  if (!(s.tolerance > 0 && s.tolerance < 1)) throw std::invalid_argument("train: --pairwise-tolerance must be in (0, 1)");
  if (!(s.sparsity >= 0 && s.sparsity <= 1e3)) throw std::invalid_argument("train: --sparsity must be in [0, 1000]");
  if (s.replay_buffer < 1 || s.replay_buffer > (int64_t(1) << 20))
    throw std::invalid_argument("train: --replay-buffer must be in [1, 1048576]");
  if (s.replay_steps < 1 || s.replay_steps > 10000) throw std::invalid_argument("train: --replay-steps must be in [1, 10000]");
  if (!(s.replay_reinit >= 0 && s.replay_reinit <= 1)) throw std::invalid_argument("train: --replay-reinit must be in [0, 1]");
  return std::make_unique<PairwiseRecipe>(task, std::move(stream), options, s);
}

std::shared_ptr<PairwiseEnergy> load_pairwise_energy(const std::string& path, const torch::Device& device) {
  return load_frozen_model<PairwiseEnergy, PairwiseShape>(path, kPairwiseEnergyKind, device);
}

}  // namespace ebm
