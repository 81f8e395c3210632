// The AR baseline's checkpoints and its harness Solver (ar_baseline.h).
#include "ebm/learning/ar_baseline.h"

#include "ebm/checkpoint.h"
#include "ebm/energy.h"
#include "ebm/model_files.h"
#include "ebm/options.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm {

namespace {

// The transformer's own fields in an AR checkpoint's architecture; the rest are the token settings.
nlohmann::json transformer_fields(const nlohmann::json& architecture, nlohmann::json* token_settings) {
  const nlohmann::json fields = ArTransformerConfig{}.to_json();
  nlohmann::json config = nlohmann::json::object();
  *token_settings = nlohmann::json::object();
  for (const auto& [key, value] : architecture.items()) {
    if (fields.contains(key)) config[key] = value;
    else (*token_settings)[key] = value;
  }
  return config;
}

// Token settings as the task's parameters take them: strings as they are, numbers as text.
TaskParameters as_parameters(const nlohmann::json& settings) {
  TaskParameters parameters;
  for (const auto& [key, value] : settings.items()) parameters[key] = value.is_string() ? value.get<std::string>() : value.dump();
  return parameters;
}

class ArHarnessSolver : public Solver {
 public:
  ArHarnessSolver(TaskPtr task, std::string path, std::shared_ptr<ArModel> model, ArSolveSettings settings)
      : task_(std::move(task)), path_(std::move(path)), model_(std::move(model)), settings_(std::move(settings)),
        spec_(parse_ar_decode(settings_.decode)) {
    const int64_t length = model_->net->config().max_length;
    flops_per_position_ = forward_flops(model_->net->config(), length) / double(length);
  }
  std::string name() const override { return "ar:" + settings_.decode; }
  int64_t parameters() const override { return parameter_count(*model_->net); }
  bool uses_verifier() const override { return spec_.verifier; }
  nlohmann::json config() const override {
    nlohmann::json j{{"solver", "ar"},
                     {"model", path_},
                     {"model_hash", file_hash(path_)},
                     {"decode", settings_.decode},
                     {"tokens", model_->tokens->settings()},
                     {"architecture", model_->net->config().to_json()},
                     {"flops_per_position", flops_per_position_}};
    if (spec_.kind == ArDecodeSpec::Kind::UntilVerified) j["budget_ms"] = settings_.budget_ms;
    return j;
  }
  std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) override {
    std::vector<Outcome> outcomes;
    for (const ArSolved& r : solve_ar(*task_, *model_, batch, settings_)) {
      Outcome o{r.answer, r.verified};
      o.forward_passes = static_cast<double>(r.forward_passes);
      o.flops = o.forward_passes * flops_per_position_;
      o.latency_ms = r.latency_ms;
      outcomes.push_back(std::move(o));
    }
    return outcomes;
  }

 private:
  TaskPtr task_;
  std::string path_;
  std::shared_ptr<ArModel> model_;
  ArSolveSettings settings_;
  ArDecodeSpec spec_;
  double flops_per_position_ = 0.0;
};

}  // namespace

std::string ar_checkpoint_kind(const Task& task) { return task.name() + "-ar"; }

std::shared_ptr<ArModel> load_ar_model(const Task& task, const std::string& path, const torch::Device& device) {
  const nlohmann::json metadata = read_checkpoint_metadata(path);
  const std::string kind = ar_checkpoint_kind(task);
  require_checkpoint_kind(path, metadata, kind);
  const auto named = metadata.find("task");  // older checkpoints name no task
  if (named != metadata.end() && !named->is_null() && *named != task.name())
    throw CheckpointError(path, "a model of task " + named->dump() + ", not '" + task.name() + "'");
  const nlohmann::json architecture = metadata.at("architecture");
  auto model = std::make_shared<ArModel>();
  nlohmann::json settings;
  ArTransformerConfig config;
  try {
    config = ArTransformerConfig::from_json(transformer_fields(architecture, &settings));
    model->tokens = task.token_sequence(as_parameters(settings));
  } catch (const std::invalid_argument& e) {
    throw CheckpointError(path, std::string("architecture: ") + e.what());
  }
  if (!model->tokens) throw CheckpointError(path, "task '" + task.name() + "' has no AR tokens");
  const nlohmann::json made = model->tokens->settings();  // a setting the file leaves out takes its default
  for (const auto& [key, value] : settings.items())
    if (!made.contains(key) || made.at(key) != value)
      throw CheckpointError(path, "architecture: token setting '" + key + "' = " + value.dump() + " is not one of task '" +
                                      task.name() + "' (its tokens: " + made.dump() + ")");
  if (config.vocab != model->tokens->vocabulary())
    throw CheckpointError(path, "a vocabulary of " + std::to_string(config.vocab) + " tokens, the task's tokens " +
                                    model->tokens->settings().dump() + " have " +
                                    std::to_string(model->tokens->vocabulary()));
  require_weights_fit(path, double(config.parameter_count()));
  model->net = ArTransformer(config);
  model->metadata = load_checkpoint(path, *model->net, {kind, architecture}, device);
  model->net->eval();
  for (auto& p : model->net->parameters()) p.requires_grad_(false);
  return model;
}

std::string ar_solver_help() {
  return "ar[:MODEL][,budget=MS][,decode=greedy|sample:T|beam:W|best-of:N[,verifier]|until-verified:N] (the "
         "autoregressive baseline; default models/TASK-ar.ckpt; until-verified samples N per problem per round "
         "until one verifies or the budget, default --budget-ms, is spent)";
}

SolverPtr make_ar_solver(const TaskPtr& task, const std::string& spec, const SolverContext& context) {
  if (spec != "ar" && spec.rfind("ar:", 0) != 0 && spec.rfind("ar,", 0) != 0) return nullptr;
  if (!task->token_sequence({}))
    throw std::invalid_argument("solver " + excerpt(spec, 80) + ": task '" + task->name() +
                                "' has no AR baseline (its answers are not token sequences)");
  ArSolveSettings settings;
  settings.budget_ms = context.budget_ms;
  settings.seed = context.seed;
  settings.batch = context.batch;
  settings.device = context.device;
  std::string path;
  const auto [parts, decode] = split_solver_spec(spec.size() > 3 ? spec.substr(3) : "", "decode");
  for (const auto& part : parts) {
    const auto eq = part.find('=');
    const std::string key = eq == std::string::npos ? "" : part.substr(0, eq), value = part.substr(eq + 1);
    if (eq == std::string::npos || key == "model") {
      if (!path.empty()) throw std::invalid_argument("solver " + excerpt(spec, 80) + ": more than one model");
      path = eq == std::string::npos ? part : value;
    } else if (key == "budget") {
      settings.budget_ms = parse_budget_ms(spec, value);
    } else {
      throw std::invalid_argument("solver " + excerpt(spec, 80) + ": unknown key '" + key + "' (model, budget, decode)");
    }
  }
  if (path.empty()) {
    path = shipped_model_file(ar_checkpoint_kind(*task) + ".ckpt");
    if (path.empty())
      throw std::invalid_argument("solver 'ar' needs a checkpoint: ar:MODEL (no shipped models/" +
                                  ar_checkpoint_kind(*task) + ".ckpt found)");
  }
  if (decode.empty() && spec.find("decode=") != std::string::npos)
    throw std::invalid_argument("solver " + excerpt(spec, 80) +
                                ": decode= needs a value (greedy, sample:T, beam:W, best-of:N, until-verified:N)");
  settings.decode = decode.empty() ? "greedy" : decode;
  parse_ar_decode(settings.decode);  // a bad spec fails here, before any solving
  return std::make_unique<ArHarnessSolver>(task, path, load_ar_model(*task, path, context.device), settings);
}

}  // namespace ebm
