// Training recipes of a TensorTask's own model kinds (<ebm/trainer.h>'s loop runs them):
//   --model energy        a LandscapeEnergy, with --objective denoising | contrastive | unrolled
//                         (ebm/learning/training_objectives.h); validation = the EBM's inference
//                         (descend_landscapes) on validation problems
//   --model feedforward   a Regressor x -> y: MSE (continuous answers) or cross-entropy per variable
//                         (one-hot answers); validation = one forward pass
//   --model ar            the autoregressive baseline: the project's one AR recipe
//                         (ebm/learning/ar_baseline.h) on this task's tokens and make_example_stream
// All read the same stream: step s trains on problems drawn from the train split with seed
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

// The TrainParameter declarations: model, objective, landscapes, head, hidden, layers,
// validation-problems, validation-steps, plus the objectives' settings.
std::vector<ParameterInfo> training_parameters();

// Throws TaskInputError for unreadable parameters, std::invalid_argument for bad values.
std::unique_ptr<TrainingRecipe> make_model_recipe(const TensorTask& task, const TrainingOptions& options,
                                                     const TaskParameters& parameters);

// The problems of training step `step`, the stream every recipe of a task reads: options.batch
// train-split problems drawn with a seed made of (options.seed, step), this process's shard of them
// (shard_rows). Equal seeds, steps and batches give equal problems whatever the model kind.
std::vector<std::shared_ptr<TensorProblem>> training_batch(const TensorTask& task, const TrainingOptions& options,
                                                           int64_t step);
// The task's ExampleStream: the stream above as examples (the reference answer as the solution),
// validation-problems validation-split problems as one set.
std::unique_ptr<ExampleStream> make_example_stream(const TensorTask& task, const TrainingOptions& options,
                                                   const TaskParameters& parameters);

// The checkpoint kind of a model kind of a task: "addition-energy", "addition-feedforward", ...
std::string checkpoint_kind(const TensorTask& task, ModelKind kind);

}  // namespace ebm::tensor
