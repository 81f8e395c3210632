// The autoregressive (AR) baseline of a TensorTask whose answer is a sequence of tokens
// (TensorTask::token_vocabulary() > 0): a causal transformer (ebm/ar_transformer.h) over
// prompt_tokens(problem) + SEP + answer_tokens(problem, answer), trained with teacher forcing on the
// answer tokens and decoded under allowed_tokens(problem) (the token TYPE at each position, never
// the task's rules); answer_from_tokens() maps the tokens to an answer without repair and the task's
// verifier decides `verified`.
#pragma once

#include "ebm/solver.h"
#include "ebm/trainer.h"
#include "tasks/tensor/tensor_task.h"

#include <memory>
#include <string>

namespace ebm::tensor {

// `ebm train TASK --model ar`. Throws std::invalid_argument for bad settings.
std::unique_ptr<TrainingRecipe> make_ar_training_recipe(const TensorTask& task, const TrainingOptions& options,
                                                        const TaskParameters& parameters);

// "ar" | "ar:MODEL" | "ar:MODEL,decode=greedy|sample:T" | "ar,decode=..." -> the AR solver; null for
// other specs.
std::unique_ptr<Solver> make_ar_solver(const TensorTask& task, const std::string& spec, const SolverContext& context);

}  // namespace ebm::tensor
