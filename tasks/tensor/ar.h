// The autoregressive (AR) baseline of a TensorTask whose answer is a sequence of tokens
// (TensorTask::token_vocabulary() > 0): a causal transformer (ebm/ar_transformer.h) over
// prompt_tokens(problem) + answer_tokens(problem, answer) (the prompt ends with the task's SEP),
// trained with teacher forcing on the answer tokens and decoded under allowed_tokens(problem) (the
// token TYPE at each position, never the task's rules); answer_from_tokens() maps the tokens to an
// answer without repair and the task's verifier decides `verified`.
//
// Training (`ebm train TASK --model ar`): the same stream as the other model kinds
// (ebm/tasks/tensor/training.h: training_batch), loss = mean next-token cross-entropy over the answer
// positions. Architecture: `layers` blocks (default 2) of 4 heads; d_model = --hidden when given (a
// multiple of 4), else ArTransformerConfig::matched_to the parameter count of the task's default
// energy (the landscapes given), so the three model kinds compare at equal size. max_length holds the
// longest sequence of the usual and the harder split. Validation: greedy decoding of
// validation-split problems, scored as the other kinds ("solve_rate" and the task's measures).
// Checkpoint: {"kind": "NAME-ar", "architecture": ArTransformerConfig::to_json(), "task": NAME}.
//
// Solver specs: "ar" | "ar:MODEL" | "ar:MODEL,decode=greedy|sample:T" | "ar,decode=..." (MODEL
// defaults to models/NAME-ar.ckpt, decode to greedy; sample:T draws each token from the allowed
// tokens' softmax at temperature T > 0, seeded by the evaluation's seed). Both decodings feed the
// prompt once and then one token per step through the KV cache. Outcome: forward_passes = positions
// fed (P + steps - 1), flops = forward_passes x forward_flops(config, P + steps - 1) / (P + steps - 1),
// latency from the start of the solve() call. A problem whose sequence exceeds the model's max_length
// (or whose tokens the vocabulary cannot name) is refused with std::invalid_argument naming it.
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
// other specs. Throws std::invalid_argument for a bad decode or key, CheckpointError for a bad model.
std::unique_ptr<Solver> make_ar_solver(const TensorTask& task, const std::string& spec, const SolverContext& context);

}  // namespace ebm::tensor
