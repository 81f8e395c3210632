#include "ebm/trainer.h"

#include "ebm/checkpoint.h"
#include "ebm/distributed.h"
#include "ebm/learning/training_records.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ostream>
#include <stdexcept>

namespace ebm {

namespace {

void check_options(const TrainingOptions& o) {
  auto require = [](bool ok, const std::string& problem) {
    if (!ok) throw std::invalid_argument("train: " + problem);
  };
  require(o.steps >= 1, "steps must be >= 1, got " + std::to_string(o.steps));
  require(o.batch >= 1, "batch must be >= 1, got " + std::to_string(o.batch));
  require(o.validate_every >= 1, "validate-every must be >= 1, got " + std::to_string(o.validate_every));
  require(o.learning_rate > 0 && std::isfinite(o.learning_rate),
          "learning rate must be finite and > 0, got " + std::to_string(o.learning_rate));
  require(!o.output.empty(), "no output checkpoint path");
  require(o.max_seconds >= 0 && std::isfinite(o.max_seconds), "time limit must be >= 0 seconds");
  require(o.world_size < 1 || o.batch % o.world_size == 0,
          "batch (" + std::to_string(o.batch) + ") must divide evenly over the world size (" +
              std::to_string(o.world_size) + ")");
}

DataParallelSettings data_parallel_settings(const TrainingOptions& o) {
  DataParallelSettings settings{o.world_size, o.rank, o.master, o.distributed_timeout, o.device};
  try {
    settings.validate();
  } catch (const std::invalid_argument& error) {
    throw std::invalid_argument(std::string("train: ") + error.what());
  }
  return settings;
}

// Loads the checkpoint at `path` into `module` after checking that it is the recipe's: kind and
// architecture (ebm/checkpoint.h), then every further identity key. Returns the step it holds.
int64_t resume_step(const std::string& path, torch::nn::Module& module, const nlohmann::json& identity,
                    const torch::Device& device) {
  auto refuse = [&path](const std::string& problem) { throw CheckpointError(path, "cannot resume: " + problem); };
  nlohmann::json metadata;
  try {
    metadata = read_checkpoint_metadata(path);
    for (const auto& [key, value] : identity.items()) {
      if (key == "kind" || key == "architecture") continue;
      if (metadata.value(key, nlohmann::json()) != value)
        refuse("'" + key + "' is " + metadata.value(key, nlohmann::json()).dump() + " in the file, " + value.dump() +
               " expected");
    }
    metadata = load_checkpoint(path, module, {identity.value("kind", ""), identity.value("architecture", nlohmann::json())},
                               device);
  } catch (const CheckpointError& error) {
    if (error.problem().rfind("cannot resume", 0) == 0) throw;
    refuse(error.problem());
  }
  const auto training = metadata.value("training", nlohmann::json());
  if (!training.is_object() || !training.contains("step") || !training["step"].is_number_integer())
    refuse("no training step in its metadata");
  return training["step"].get<int64_t>();
}

nlohmann::json merged(nlohmann::json base, const nlohmann::json& extra) {
  if (extra.is_object()) base.update(extra);
  return base;
}

}  // namespace

std::pair<int64_t, int64_t> shard_rows(const TrainingOptions& options, int64_t batch) {
  const int64_t world = std::max(options.world_size, 1);
  return {options.rank * batch / world, (options.rank + 1) * batch / world};
}

double shard_mean_weight(const TrainingOptions& options, double shard_terms, double global_terms) {
  if (options.world_size <= 1) return 1.0;
  return options.world_size * shard_terms / global_terms;
}

TrainingResult run_training(TrainingRecipe& recipe, const TrainingOptions& options, std::ostream& log) {
  check_options(options);
  DataParallelGroup group(data_parallel_settings(options));
  if (group.world_size() > 1) log << "distributed: " << group.describe() << std::endl;
  std::ostream discard(nullptr);
  std::ostream& out = group.lead() ? log : discard;  // only rank 0 reports progress
  torch::nn::Module& module = recipe.module();
  const nlohmann::json identity = recipe.identity();
  torch::optim::Adam optimizer(module.parameters(), torch::optim::AdamOptions(options.learning_rate));

  TrainingResult result;
  if (options.resume) {
    group.run_on_lead("resume", [&] {
      result.first_step = resume_step(options.output, module, identity, options.device);
      load_optimizer_state(optimizer, options.output);
      log << "resumed " << options.output << " at step " << result.first_step << "\n";
    });
  }
  result.first_step = group.share_start(module, optimizer, result.first_step);
  recipe.prepare(out);
  out << recipe.describe() << "\n";

  LossLog loss_log;
  int64_t step = result.first_step;
  const auto started = std::chrono::steady_clock::now();
  auto out_of_time = [&] {
    return options.max_seconds > 0 &&
           std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >= options.max_seconds;
  };
  bool last = false;
  while (step < options.steps && !last) {
    module.train();
    optimizer.zero_grad();
    torch::Tensor loss = recipe.loss(step);
    loss.backward();
    const StepAgreement agreed = group.average_step(module, loss.item<double>(), out_of_time());
    // A non-finite loss would write NaN weights into the next checkpoint: stop before the update.
    if (!std::isfinite(agreed.loss))
      throw std::runtime_error("train: the loss is " + std::to_string(agreed.loss) + " at step " + std::to_string(step + 1) +
                               " (non-finite); nothing of this step was applied and the last checkpoint is kept. "
                               "Try a smaller --lr");
    optimizer.step();
    ++step;
    result.losses.push_back(agreed.loss);
    if (auto mean = loss_log.add(agreed.loss, step, options.steps, out)) result.final_loss = *mean;
    last = step == options.steps || agreed.stop;
    if (last && step != options.steps) out << "time limit of " << options.max_seconds << " s reached at step " << step << "\n";
    if (step % options.validate_every != 0 && !last) continue;
    group.run_on_lead("validation and checkpoint at step " + std::to_string(step), [&] {
      module.eval();
      {
        torch::NoGradGuard no_grad;
        result.metrics = recipe.validate(step, log);
      }
      nlohmann::json metadata = identity;
      metadata["parameters"] = parameter_count(module);
      metadata["training"] = merged(training_record(options, step), recipe.recipe());
      metadata["metrics"] = merged({{"loss", result.final_loss}}, result.metrics);
      save_training_checkpoint(options.output, module, metadata, optimizer, log);
    });
  }
  result.steps = step;
  return result;
}

}  // namespace ebm
