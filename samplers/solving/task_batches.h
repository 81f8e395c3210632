// How a task's problems become chain batches and come back as answers: the one path that both
// solve_with_energy (`ebm solve`, `ebm eval`, Python's ebm.solve) and TaskPool (`ebm serve`) take.
//
//   batch_ranges      consecutive problems that task.batchable() lets share a batch, at most `batch`
//   encode_batch      task.encode, with the answer space switched to one the sampler accepts
//                     (sampler_answer_space: one-hot rows or probability simplices), so every sampler
//                     that `ebm solve` takes for a task is taken by `ebm serve` too
//   answer_energies   the energy of final states (categorical: of their decoded one-hot form)
//   solved_problem    a task problem's answer from its driver problems' results: task.decode (a pure
//                     map, no search) and task.verify's word on it
#pragma once

#include "ebm/samplers/task_solver.h"

#include <torch/types.h>

#include <cstddef>
#include <utility>
#include <vector>

namespace ebm {

// [first, end) runs of `problems`; batch <= 0 = no limit. taper_workers > 0: each run also holds at most
// ceil(left / (2 * taper_workers)) problems (at least 1), so that batches shrink towards the end and that
// many workers taking them in turn finish together.
std::vector<std::pair<size_t, size_t>> batch_ranges(const Task& task, const std::vector<ProblemPtr>& problems,
                                                    int64_t batch, int taper_workers = 0);

// One run of a task's problems, encoded.
struct TaskBatch {
  Encoding encoding;                           // space: one the sampler accepts
  std::vector<std::vector<int64_t>> drivers;   // per task problem of the run: its driver problems, in order
};

// task.encode of `batch`, its space switched to one `sampler` accepts (sampler_answer_space). Throws
// what task.encode throws, the sampler's std::invalid_argument when it accepts neither form of the
// space, and std::logic_error for an encoding whose `owner` is malformed.
TaskBatch encode_batch(const Task& task, const std::vector<ProblemPtr>& batch, const Sampler& sampler,
                       const torch::Device& device);
// The TaskBatch of an encoding of `problems` task problems whose space is already the sampler's.
TaskBatch task_batch(const Task& task, Encoding encoding, size_t problems);

// Energies (double, CPU) of final states [n, *shape] of driver problems `rows` [n] of `encoding`
// (undefined rows = all of them, in order).
torch::Tensor answer_energies(Energy& energy, const Encoding& encoding, const torch::Tensor& states,
                              const torch::Tensor& rows = {});

// The task problem's SolvedProblem from its k driver problems: their results, final states [k, *shape]
// (CPU) and answer energies [k]. ms = the latest of their elapsed times.
SolvedProblem solved_problem(const Task& task, const Problem& problem, const std::vector<ProblemResult>& results,
                             const torch::Tensor& states, const torch::Tensor& energies, int64_t chains);

}  // namespace ebm
