// <ebm/ebm.h>: the public API of ebm in one include.
//
// Installed headers (everything reachable from here) are the public API; every other header of the
// source tree is internal and may change without notice. Compile with the flags of `pkg-config ebm`
// (or Meson's dependency('ebm')); the headers are warning-free under -Wall -Wextra -Werror.
//
// Three ways in:
//   - minimise your own energy:    Energy (energy.h) + AnswerSpace + parse_sampler_spec (samplers/registry.h)
//                                  + run_sampler (samplers/driver.h);
//   - solve a registered task:     find_task (tasks/registry.h) + solve_with_energy (samplers/task_solver.h);
//   - serve many clients at once:  TaskPool (samplers/task_pool.h): continuous batching, thread-safe submit().
//
// Thread safety: Task objects (find_task) are immutable and may be shared by any number of threads.
// An Energy and a Sampler carry run state (annealed weights, momenta): give each concurrent solve its
// own (solve_with_energy builds its own energy unless EbmSettings::prebuilt is set; parse_sampler_spec
// makes a new sampler each call). Any number of threads may run solves at once; a
// CancellationToken (cancellation.h) stops one from another thread within one sampler step.
#pragma once

#include "ebm/answer_space.h"
#include "ebm/atomic_file.h"
#include "ebm/attention_energy.h"
#include "ebm/builtin_energies.h"
#include "ebm/cancellation.h"
#include "ebm/checkpoint.h"
#include "ebm/checkpoint_soundness.h"
#include "ebm/device.h"
#include "ebm/distributed.h"
#include "ebm/energy.h"
#include "ebm/harness.h"
#include "ebm/memory_limit.h"
#include "ebm/model_files.h"
#include "ebm/pairwise_energy.h"
#include "ebm/problem_batch.h"
#include "ebm/sampler.h"
#include "ebm/samplers/benchmark.h"
#include "ebm/samplers/driver.h"
#include "ebm/samplers/pool.h"
#include "ebm/samplers/registry.h"
#include "ebm/samplers/sampler_base.h"
#include "ebm/samplers/task_pool.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/solver.h"
#include "ebm/sweep.h"
#include "ebm/task.h"
#include "ebm/token_sequence.h"
#include "ebm/tasks/registry.h"
#include "ebm/tasks/sudoku/board.h"
#include "ebm/trainer.h"
#include "ebm/version.h"
