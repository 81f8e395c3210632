// TaskPool: continuous batching of one Task's problems behind a thread-safe submit().
//
// For one (task, energy, sampler) it keeps a ChainPool (samplers/pool.h) per answer shape (problems
// of different sizes cannot share a batch; each shape gets its own energy, built by task.make_energy
// for the first problem of that shape) and one worker thread that steps them in turn. A submission's
// problems are encoded at once (task.encode, in runs that task.batchable allows), join the running
// batch at the next step boundary and leave it one by one; when every driver problem of a task
// problem has left, it is decoded (task.decode, a pure map) and judged by task.verify: `verified` is
// the exact verifier's word, as in solve_with_energy. Each submitted problem is reported exactly once.
//
// Budgets per problem: budget_ms of sampler time from the step it joins, and the submission's
// deadline from the moment it was submitted (queue wait included). What runs out comes back
// unverified with its best state's answer, or with no answer when it never ran.
//
// Threads: submit(), stats() and stop() may be called from any thread; results are delivered on the
// worker thread (keep on_result short: hand the result to the client's thread and return).
#pragma once

#include "ebm/cancellation.h"
#include "ebm/samplers/pool.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/task.h"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ebm {

struct TaskPoolSettings {
  EnergyChoice energy;   // name "" = the task's default energy
  std::string sampler;   // "" = the task's default sampler for that energy
  torch::Device device = torch::kCPU;
  int64_t max_rows = 0;  // capacity of each shape's batch in chains (0 = unlimited)
  uint64_t seed = 0;     // of the pools' noise
};

struct PoolSubmission {
  std::vector<ProblemPtr> problems;
  double budget_ms = 10000.0;  // sampler time per problem from the step it joins (> 0)
  int64_t max_steps = 0;       // > 0: also a step budget per problem
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  uint64_t seed = 0;           // of the initial states
  CancellationPtr cancel;      // optional: cancelled, its problems leave within one step
  // Once per problem (index into `problems`), on the worker thread. solved.ms is the time from
  // submit() until the result (queue wait included).
  std::function<void(size_t index, const SolvedProblem& solved, PoolStop why)> on_result;
};

class TaskPool {
 public:
  // Throws std::invalid_argument for an unknown energy or a bad sampler spec.
  TaskPool(TaskPtr task, TaskPoolSettings settings);
  ~TaskPool();  // stop(true)
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Encodes and queues the problems. Throws std::invalid_argument (or TaskInputError) when they
  // cannot be encoded or the budget is invalid; then nothing was queued and nothing is reported.
  void submit(PoolSubmission submission);
  // Stops the worker: drain = wait until everything submitted has been reported; otherwise every
  // running and waiting problem is cancelled (reported as CANCELLED). submit() fails afterwards.
  void stop(bool cancel_running);

  const Task& task() const { return *task_; }
  const std::string& sampler_spec() const { return spec_text_; }
  // Summed over the shapes' pools.
  PoolStats stats() const;
  int64_t capacity() const { return settings_.max_rows; }
  int64_t outstanding() const;  // submitted problems not yet reported

 private:
  struct Shape;
  struct Submitted;
  Shape& shape_for(const Encoding& encoding, const ProblemPtr& first);
  void work();

  TaskPtr task_;
  TaskPoolSettings settings_;
  EnergyChoice choice_;
  std::string spec_text_;
  DriverOptions driver_;  // the spec's driver options (chains, verify_every, ...)

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::unique_ptr<Shape>> shapes_;
  int64_t outstanding_ = 0;
  bool stopping_ = false, cancel_on_stop_ = false;
  std::thread worker_;
};

}  // namespace ebm
