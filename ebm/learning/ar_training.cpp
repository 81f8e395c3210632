// Training the AR baseline (`ebm train TASK --model ar`) and the choice of a task's recipe (ar_baseline.h).
#include "ebm/learning/ar_baseline.h"

#include "ebm/energy.h"
#include "ebm/learning/attention_training.h"
#include "ebm/learning/pairwise_training.h"
#include "ebm/learning/training_records.h"

#include <torch/torch.h>

#include <algorithm>
#include <map>
#include <ostream>

namespace ebm {

namespace {

constexpr const char* kObjective = "teacher-forced next-token cross-entropy on the answer tokens";
constexpr int64_t kDefaultLayers = 2;

const std::vector<ParameterInfo>& ar_infos() {
  static const std::vector<ParameterInfo> list = ar_training_parameters();
  return list;
}
int64_t ar_integer(const TaskParameters& p, const char* name) { return parameter_int(p, ar_infos(), name); }

// The transformer the parameters ask for (see ar_baseline.h); *matched_to = the count it was matched to.
ArTransformerConfig ar_config(const Task& task, const TokenSequence& tokens, const TrainingOptions& options,
                              const TaskParameters& parameters, int64_t* matched_to) {
  ArTransformerConfig config;
  config.vocab = tokens.vocabulary();
  config.max_length = tokens.max_length();
  config.layers = ar_integer(parameters, "layers") > 0 ? ar_integer(parameters, "layers") : kDefaultLayers;
  config.heads = ar_integer(parameters, "heads");
  if (ar_integer(parameters, "d-model") > 0) {
    config.d_model = ar_integer(parameters, "d-model");
  } else {
    int64_t target = ar_integer(parameters, "params");
    if (target <= 0) {  // the task's default learned model (its energy)
      TaskParameters defaults = parameters;  // the task's flags, without the AR's own
      for (const auto& info : ar_infos()) defaults.erase(info.name);
      defaults.erase("model");
      auto recipe = task.training_recipe(options, defaults);
      if (!recipe)
        throw std::invalid_argument("train: task '" + task.name() + "' has no learned model to match; give --d-model or --params");
      target = parameter_count(recipe->module());
    }
    *matched_to = target;
    config = ArTransformerConfig::matched_to(target, config.vocab, config.max_length, config.layers, config.heads);
  }
  std::string error;
  if (!config.is_valid(&error)) throw std::invalid_argument("train: " + error);
  return config;
}

class ArRecipe : public TrainingRecipe {
 public:
  ArRecipe(const Task& task, TokenSequencePtr tokens, std::unique_ptr<ExampleStream> stream, TrainingOptions options,
           const TaskParameters& parameters)
      : task_(task), tokens_(std::move(tokens)), stream_(std::move(stream)), options_(std::move(options)),
        config_(ar_config(task, *tokens_, options_, parameters, &matched_to_)) {
    if (options_.batch % std::max(options_.world_size, 1) != 0)
      throw std::invalid_argument("train: batch " + std::to_string(options_.batch) + " does not divide among " +
                                  std::to_string(options_.world_size) + " processes");
    seed_initialisation(options_.seed);
    model_.tokens = tokens_;
    model_.net = ArTransformer(config_);
    model_.net->to(options_.device);
  }
  std::string describe() const override {
    std::string text = "model: ar-transformer " + config_.to_json().dump() + ", tokens " + tokens_->settings().dump() +
                       ", " + std::to_string(parameter_count(*model_.net)) + " parameters";
    if (matched_to_ > 0) text += " (matched to " + std::to_string(matched_to_) + ")";
    return text + "; loss: " + kObjective;
  }
  torch::nn::Module& module() override { return *model_.net; }
  nlohmann::json identity() const override {
    nlohmann::json architecture = config_.to_json();
    const nlohmann::json settings = tokens_->settings();
    for (const auto& [key, value] : settings.items()) architecture[key] = value;
    return {{"kind", ar_checkpoint_kind(task_)}, {"architecture", architecture}, {"task", task_.name()}};
  }
  void prepare(std::ostream& log) override {
    stream_->prepare(log);
    validation_ = stream_->validation();
    size_t problems = 0;
    for (const auto& set : validation_) problems += set.second.size();
    log << "validation: " << problems << " validation-split problems in " << validation_.size()
        << " set(s), greedy decoding\n";
  }
  // The step's whole batch is drawn; this process keeps its rows. Sequences of different lengths are
  // padded with token 0, outside the loss.
  torch::Tensor loss(int64_t step) override {
    const auto batch = stream_->batch(step, options_.batch);
    const auto [begin, end] = shard_rows(options_, int64_t(batch.size()));
    std::vector<std::vector<int64_t>> rows;
    std::vector<int64_t> prompt_lengths;
    double shard_tokens = 0, batch_tokens = 0;
    for (int64_t i = 0; i < int64_t(batch.size()); ++i) {
      const Example& example = batch[i];
      const int64_t answer_length = tokens_->answer_length(*example.problem);
      batch_tokens += double(answer_length);
      if (i < begin || i >= end) continue;
      auto row = tokens_->prompt(*example.problem);
      prompt_lengths.push_back(int64_t(row.size()));
      const auto answer = tokens_->answer(*example.problem, *example.solution);
      row.insert(row.end(), answer.begin(), answer.end());
      rows.push_back(std::move(row));
      shard_tokens += double(answer_length);
    }
    size_t longest = 0;
    for (const auto& row : rows) longest = std::max(longest, row.size());
    const int64_t length = int64_t(longest);
    auto tokens = torch::zeros({int64_t(rows.size()), length}, torch::kLong);
    // Position j predicts token j + 1: the loss covers the targets j + 1 that are answer tokens.
    auto mask = torch::zeros({int64_t(rows.size()), length - 1}, torch::kFloat);
    for (size_t r = 0; r < rows.size(); ++r) {
      tokens[int64_t(r)].narrow(0, 0, int64_t(rows[r].size())).copy_(torch::tensor(rows[r], torch::kLong));
      const int64_t from = prompt_lengths[r] - 1, count = int64_t(rows[r].size()) - prompt_lengths[r];
      if (count > 0) mask[int64_t(r)].narrow(0, from, count).fill_(1.0f);
    }
    tokens = tokens.to(options_.device);
    mask = mask.to(options_.device);
    auto logits = model_.net->forward(tokens.narrow(1, 0, length - 1));
    auto nll = torch::nn::functional::cross_entropy(
        logits.reshape({-1, config_.vocab}), tokens.narrow(1, 1, length - 1).reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
    auto loss = (nll * mask.reshape({-1})).sum() / std::max(shard_tokens, 1.0);
    // A mean over answer tokens, whose number may differ per example: weighted to this shard's share.
    return loss * shard_mean_weight(options_, shard_tokens, batch_tokens);
  }
  nlohmann::json validate(int64_t step, std::ostream& log) override {
    ArSolveSettings settings;
    settings.batch = std::max<int64_t>(options_.batch, 1);
    settings.budget_ms = 1e9;
    settings.device = options_.device;
    nlohmann::json metrics = nlohmann::json::object();
    std::map<std::string, double> sums;
    for (const auto& [name, examples] : validation_) {
      std::vector<ProblemPtr> problems;
      for (const auto& e : examples) problems.push_back(e.problem);
      std::vector<AnswerPtr> answers;
      for (auto& solved : solve_ar(task_, model_, problems, settings)) answers.push_back(solved.answer);
      const nlohmann::json scores = score_examples(task_, examples, answers);
      for (const auto& [key, value] : scores.items()) {
        if (validation_.size() > 1) metrics[name + "_" + key] = value;
        sums[key] += value.get<double>();
      }
    }
    for (const auto& [key, sum] : sums) metrics[key] = sum / double(validation_.size());
    log_validation(log, step, metrics);
    return metrics;
  }
  nlohmann::json recipe() const override {
    return {{"model", "ar"}, {"objective", kObjective}, {"matched_to_parameters", matched_to_},
            {"tokens", tokens_->settings()}, {"data", stream_->record()}};
  }

 private:
  const Task& task_;
  TokenSequencePtr tokens_;
  std::unique_ptr<ExampleStream> stream_;
  TrainingOptions options_;
  int64_t matched_to_ = 0;
  ArTransformerConfig config_;
  ArModel model_;
  std::vector<std::pair<std::string, std::vector<Example>>> validation_;
};

}  // namespace

std::vector<ParameterInfo> ar_training_parameters() {
  return {
      {"d-model", "0", "AR: transformer width; 0 = matched to --params", TrainParameter},
      {"params", "0", "AR: target parameter count; 0 = that of the task's default learned model", TrainParameter},
      {"layers", "0", "AR: transformer blocks (0 = 2); other models: their layers (0 = the task's default)",
       TrainParameter},
      {"heads", "4", "AR: attention heads (d-model must be a multiple)", TrainParameter},
  };
}

std::unique_ptr<TrainingRecipe> make_ar_training_recipe(const Task& task, const TrainingOptions& options,
                                                        const TaskParameters& parameters) {
  TokenSequencePtr tokens = task.token_sequence(parameters);
  if (!tokens)
    throw std::invalid_argument("train: task '" + task.name() + "' has no AR baseline (its answers are not token sequences)");
  auto stream = task.example_stream(options, parameters);
  if (!stream) throw std::invalid_argument("train: task '" + task.name() + "' has no training examples");
  return std::make_unique<ArRecipe>(task, std::move(tokens), std::move(stream), options, parameters);
}

std::unique_ptr<TrainingRecipe> make_training_recipe(const Task& task, const TrainingOptions& options,
                                                     const TaskParameters& parameters) {
  const auto models = task.learned_models();
  const auto chosen = parameters.find("model");
  const std::string model = chosen != parameters.end() ? chosen->second : (models.empty() ? "ar" : models.front());
  if (model == "ar") return make_ar_training_recipe(task, options, parameters);
  const bool listed = std::find(models.begin(), models.end(), model) != models.end();
  if (model == "pairwise" && listed) return make_pairwise_training_recipe(task, options, parameters);
  if (model == "attention" && listed) return make_attention_training_recipe(task, options, parameters);
  if (std::find(models.begin(), models.end(), model) == models.end()) {
    std::string names;
    for (const auto& m : models) names += m + ", ";
    throw std::invalid_argument("train: task '" + task.name() + "' has no model '" + model + "' (" + names +
                                (task.token_sequence({}) ? "ar" : "") + ")");
  }
  auto recipe = task.training_recipe(options, parameters);
  if (!recipe) throw std::invalid_argument("train: task '" + task.name() + "' has no learned model to train");
  return recipe;
}

std::vector<ParameterInfo> training_parameters(const Task& task) {
  std::vector<ParameterInfo> infos;
  for (const auto& info : task.parameters())
    if (info.use & TrainParameter) infos.push_back(info);
  auto add_undeclared = [&infos](const std::vector<ParameterInfo>& more) {
    for (const auto& info : more) {
      const bool declared =
          std::any_of(infos.begin(), infos.end(), [&](const ParameterInfo& i) { return i.name == info.name; });
      if (!declared) infos.push_back(info);
    }
  };
  if (task.token_sequence({})) add_undeclared(ar_training_parameters());
  const auto models = task.learned_models();
  if (std::find(models.begin(), models.end(), "pairwise") != models.end()) add_undeclared(pairwise_training_parameters());
  if (std::find(models.begin(), models.end(), "attention") != models.end()) add_undeclared(attention_training_parameters());
  return infos;
}

nlohmann::json score_examples(const Task& task, const std::vector<Example>& examples,
                              const std::vector<AnswerPtr>& answers) {
  std::map<std::string, double> sums;
  int64_t solved = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    if (!answers[i]) continue;
    solved += task.verify(*examples[i].problem, *answers[i]) ? 1 : 0;
    for (const auto& [name, value] : task.measure(*examples[i].problem, *answers[i], examples[i].solution.get()))
      sums[name] += value;
  }
  const double n = double(std::max<size_t>(examples.size(), 1));
  nlohmann::json metrics = {{"solve_rate", double(solved) / n}};
  for (const auto& [name, sum] : sums) metrics[name] = sum / n;
  return metrics;
}

}  // namespace ebm
