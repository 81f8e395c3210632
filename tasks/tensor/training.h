// Training recipes of a TensorTask's three model kinds (ebm/trainer.h's loop runs them):
//   --model energy        a LandscapeEnergy, with --objective denoising | contrastive | unrolled
//                         (ebm/training_objectives.h); validation = the EBM's inference
//                         (descend_landscapes) on validation problems
//   --model feedforward   a Regressor x -> y: MSE (continuous answers) or cross-entropy per variable
//                         (one-hot answers); validation = one forward pass
//   --model ar            the causal transformer over the task's tokens (teacher forcing on the
//                         answer tokens); validation = greedy decoding under the token-type mask
// All three read the same stream: step s trains on problems drawn from the train split with seed
// (options.seed, s), so at equal steps and batch they have seen the same examples; validation
// problems come from the validation split (disjoint by content, tests/test_ired.cpp). In distributed
// runs each process keeps its shard of every global batch (shard_rows).
// Checkpoint identity: {"kind": "NAME-energy" | "NAME-feedforward" | "NAME-ar", "architecture": ...,
// "task": NAME}; metrics: "loss", validation "mse" or "accuracy" and "solve_rate".
#pragma once

#include "ebm/trainer.h"
#include "tasks/tensor/tensor_task.h"

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::tensor {

// The kTrainParameter declarations: model, objective, landscapes, head, hidden, layers,
// validation-problems, validation-steps, plus the objectives' settings.
std::vector<ParameterInfo> training_parameters();

// Throws TaskInputError for unreadable parameters, std::invalid_argument for bad values.
std::unique_ptr<TrainingRecipe> make_training_recipe(const TensorTask& task, const TrainingOptions& options,
                                                     const TaskParameters& parameters);

// The problems of training step `step`, the stream every recipe of a task reads: options.batch
// train-split problems drawn with a seed made of (options.seed, step), this process's shard of them
// (shard_rows). Equal seeds, steps and batches give equal problems whatever the model kind.
std::vector<std::shared_ptr<TensorProblem>> training_batch(const TensorTask& task, const TrainingOptions& options,
                                                           int64_t step);
// Validation metrics of answers [n, *shape] to `problems`: {"solve_rate": fraction verified, and the
// mean of each of task.measure()'s measures}.
nlohmann::json score_answers(const TensorTask& task, const std::vector<ProblemPtr>& problems, const torch::Tensor& answers);
// "validation at step S:  key value  key value ..." on one line.
void log_validation(std::ostream& log, int64_t step, const nlohmann::json& metrics);

// The checkpoint kind of a model kind of a task: "addition-energy", "addition-feedforward", ...
std::string checkpoint_kind(const TensorTask& task, ModelKind kind);

}  // namespace ebm::tensor
