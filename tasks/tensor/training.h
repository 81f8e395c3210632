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

// The checkpoint kind of a model kind of a task: "addition-energy", "addition-feedforward", ...
std::string checkpoint_kind(const TensorTask& task, ModelKind kind);

}  // namespace ebm::tensor
