// ProblemBatch: a batch of problems as chains see them, the one description that a task's encoding
// (Task::encode), a run of run_sampler (<ebm/samplers/driver.h>) and a group of a continuous-batching
// pool (<ebm/samplers/pool.h>) share: how many problems, the condition rows the energy reads, the
// entries clamped, how chains start and the exact check that stops them.
#pragma once

#include "ebm/answer_space.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>

namespace ebm {

// initializer(problem_index [n], generator) -> initial states [n, *shape] of the chains of those
// problems (indices within the batch); the chains finalize them (project, clamp).
using Initializer = std::function<torch::Tensor(const torch::Tensor& problem_index, torch::Generator& generator)>;
// verifier(decoded [n, ...], problem_index [n]) -> bool [n] on the batch's device: the task's exact
// check of decoded states (space.decode), so that a problem stops once one of its chains is right.
using Verifier = std::function<torch::Tensor(const torch::Tensor& decoded, const torch::Tensor& problem_index)>;

struct ProblemBatch {
  int64_t problems = 1;
  torch::Tensor condition;  // [problems, ...] or undefined (an unconditional energy)
  Clamp clamp;              // [problems, *shape] or inactive
  Initializer initializer;  // null = the answer space's random_init
  Verifier verifier;        // null = none: the energy and the budgets decide (optimisation)
};

}  // namespace ebm
