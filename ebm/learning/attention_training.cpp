#include "ebm/learning/attention_training.h"

#include "ebm/checkpoint.h"
#include "ebm/learning/frozen_model.h"
#include "ebm/device.h"
#include "ebm/learning/training_objectives.h"
#include "ebm/learning/training_records.h"

#include <c10/util/StringUtil.h>
#include <torch/torch.h>

#include <ostream>
#include <sstream>
#include <stdexcept>

namespace ebm {

namespace {

struct AttentionSettings {
  AttentionShape shape;  // variables and categories come from the data
  double t_min = 0.05;
};

// A batch of examples as the objective needs it: one-hot answers and the free (not given) entries.
struct DenoisingBatch {
  torch::Tensor clean, free;  // float [n, V, K], bool [n, V, K]
};

class AttentionRecipe : public TrainingRecipe {
 public:
  AttentionRecipe(const Task& task, std::unique_ptr<ExampleStream> stream, const TrainingOptions& options,
                  AttentionSettings settings)
      : task_(task), stream_(std::move(stream)), options_(options), s_(std::move(settings)) {
    if (!(s_.t_min > 0 && s_.t_min < 1)) throw std::invalid_argument("train: --t-min must be in (0, 1)");
    stream_->prepare(prepared_);
    const auto first = stream_->batch(0, 1);
    const auto [categories, k] = stream_->answer_categories(first);
    s_.shape.variables = categories.size(1);
    s_.shape.categories = k;
    seed_initialisation(options_.seed);
    energy_ = std::make_shared<AttentionEnergy>(s_.shape);
    energy_->to(options_.device);
    for (const auto& [name, set] : stream_->validation())
      for (const auto& example : set) validation_.push_back(example);
  }

  std::string describe() const override {
    return c10::str("model ", energy_->describe(), ", ", parameter_count(*energy_),
                    " parameters; objective: denoising gradient matching");
  }
  torch::nn::Module& module() override { return *energy_; }
  nlohmann::json identity() const override {
    return {{"kind", kAttentionEnergyKind}, {"architecture", s_.shape.to_json()}, {"task", task_.name()}};
  }
  void prepare(std::ostream& log) override { log << prepared_.str(); }

  torch::Tensor loss(int64_t step) override {
    auto gen = make_generator(options_.seed * 1000003 + static_cast<uint64_t>(step), torch::kCPU);
    const auto batch = encode(stream_->batch(step, options_.batch));
    return denoising(batch, gen);
  }

  nlohmann::json validate(int64_t step, std::ostream& log) override {
    nlohmann::json metrics;
    if (!validation_.empty()) {
      torch::AutoGradMode gradients(true);  // the loop validates without gradients; these need dE/dy
      auto gen = make_generator(options_.seed + 17, torch::kCPU);
      const auto batch = encode(validation_);
      metrics["validation_denoising_loss"] = denoising(batch, gen).item<double>();
      // At the uniform answer (t = 1): is the lowest-gradient category of each free variable right?
      auto uniform = torch::where(batch.free, torch::full_like(batch.clean, 1.0 / double(s_.shape.categories)),
                                  batch.clean).requires_grad_(true);
      auto gradient = torch::autograd::grad({energy_->forward({}, uniform).sum()}, {uniform})[0];
      auto free_variable = batch.free.any(-1);
      auto right = gradient.argmin(-1) == batch.clean.argmax(-1);
      metrics["validation_first_step_accuracy"] =
          right.masked_select(free_variable).to(torch::kDouble).mean().item<double>();
    }
    log_validation(log, step, metrics);
    return metrics;
  }

  nlohmann::json recipe() const override {
    return {{"model", "attention"},
            {"objective", "denoising gradient matching: dE/dy(y~) = y~ - y*, y~ = (1-t) y* + t softmax(2z) on free entries"},
            {"t_min", s_.t_min},
            {"data", stream_->record()}};
  }

 private:
  DenoisingBatch encode(const std::vector<Example>& examples) const {
    std::vector<ProblemPtr> problems;
    for (const auto& example : examples) problems.push_back(example.problem);
    const Encoding encoding = task_.encode(problems, options_.device);
    DenoisingBatch batch;
    batch.clean = torch::one_hot(stream_->answer_categories(examples).first, s_.shape.categories)
                      .to(torch::kFloat)
                      .to(options_.device);
    batch.free = encoding.clamp.active() ? encoding.clamp.mask.logical_not() : torch::ones_like(batch.clean).to(torch::kBool);
    return batch;
  }

  torch::Tensor denoising(const DenoisingBatch& batch, torch::Generator& gen) {
    const int64_t n = batch.clean.size(0);
    auto t = (torch::rand({n, 1, 1}, gen) * (1.0 - s_.t_min) + s_.t_min).to(options_.device);
    auto u = torch::softmax(torch::randn(batch.clean.sizes(), gen) * 2.0, -1).to(options_.device);
    auto noisy = torch::where(batch.free, (1.0 - t) * batch.clean + t * u, batch.clean);
    return denoising_gradient_loss(*energy_, {}, noisy, batch.clean, batch.free);
  }

  const Task& task_;
  std::unique_ptr<ExampleStream> stream_;
  TrainingOptions options_;
  AttentionSettings s_;
  std::ostringstream prepared_;
  std::shared_ptr<AttentionEnergy> energy_;
  std::vector<Example> validation_;
};

}  // namespace

std::vector<ParameterInfo> attention_training_parameters() {
  const AttentionSettings d;
  return {
      {"attention-width", c10::str(d.shape.width), "attention energy: width per position", TrainParameter},
      {"attention-layers", c10::str(d.shape.layers), "attention energy: attention blocks", TrainParameter},
      {"attention-heads", c10::str(d.shape.heads), "attention energy: heads (width must be a multiple)",
       TrainParameter},
      {"t-min", c10::str(d.t_min), "smallest corruption level t in y~ = (1-t) y* + t u", TrainParameter},
  };
}

std::unique_ptr<TrainingRecipe> make_attention_training_recipe(const Task& task, const TrainingOptions& options,
                                                               const TaskParameters& parameters) {
  auto stream = task.example_stream(options, parameters);
  if (!stream) throw std::invalid_argument("train: task '" + task.name() + "' has no training examples");
  const auto infos = attention_training_parameters();
  AttentionSettings s;
  s.shape.width = parameter_int(parameters, infos, "attention-width");
  s.shape.layers = parameter_int(parameters, infos, "attention-layers");
  s.shape.heads = parameter_int(parameters, infos, "attention-heads");
  s.t_min = parameter_double(parameters, infos, "t-min");
  s.shape.variables = 1;  // checked here for width/layers/heads; the data set V and K
  s.shape.categories = 2;
  (void)AttentionShape::from_json(s.shape.to_json());
  if (options.world_size > 1) throw std::invalid_argument("train: the attention energy trains in one process");
  return std::make_unique<AttentionRecipe>(task, std::move(stream), options, s);
}

std::shared_ptr<AttentionEnergy> load_attention_energy(const std::string& path, const torch::Device& device) {
  return load_frozen_model<AttentionEnergy, AttentionShape>(path, kAttentionEnergyKind, device);
}

}  // namespace ebm
