// TaskPool: continuous batching of one Task's problems behind a thread-safe submit().
//
// For one (task, energy, sampler) it keeps a ChainPool (<ebm/samplers/pool.h>) per answer shape
// (problems of different sizes cannot share a batch; each shape gets its own energy, built by
// task.make_energy for the first problem of that shape) and one worker thread that steps them in
// turn. A submission's problems are encoded at once, along the same path as solve_with_energy
// (samplers/solving/task_batches.h: runs that task.batchable allows, the answer space switched to one
// the sampler accepts), join the running batch at the next step boundary and leave it one by one;
// when every driver problem of a task problem has left, it is decoded (task.decode, a pure map) and
// judged by task.verify: `verified` is the exact verifier's word, and `energy` that of the answer's
// state, as in solve_with_energy. Each submitted problem is reported exactly once.
//
// Budgets per problem, from the step it joins: budget_ms, and the spec's own steps=, ms= and evals=
// (the smaller where both are set); the submission's deadline from the moment it was submitted
// (queue wait included). What runs out comes back unverified with its best state's answer, or with no
// answer when it never ran. A submission alone in an empty pool follows the trajectory
// solve_with_energy gives it with the same seed and batch (see ChainPool on clocks and noise).
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
#include <stdexcept>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ebm {

struct TaskBatch;  // samplers/solving/task_batches.h

struct TaskPoolSettings {
  EnergyChoice energy;   // name "" = the task's default energy
  std::string sampler;   // "" = the task's default sampler for that energy
  torch::Device device = torch::kCPU;
  int64_t max_rows = 0;  // capacity of each shape's batch in chains (0 = unlimited)
};

// A pool or a submission refused before anything was queued, naming the request field at fault:
// "problems" (the task cannot encode them), "sampler" (it refuses their answer space) or "energy"
// (it cannot be built for them).
class SubmissionError : public std::invalid_argument {
 public:
  SubmissionError(std::string field, const std::string& message)
      : std::invalid_argument(message), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

struct PoolSubmission {
  std::vector<ProblemPtr> problems;
  double budget_ms = 10000.0;  // sampler time per problem from the step it joins (> 0)
  int64_t max_steps = 0;       // > 0: also a step budget per problem
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  uint64_t seed = 0;           // of the initial states (run r of the submission: seed + its first problem)
  CancellationPtr cancel;      // optional: cancelled, its problems leave within one step
  // Once per problem (index into `problems`), on the worker thread. solved.ms is the time from
  // submit() until the result (queue wait included).
  std::function<void(size_t index, const SolvedProblem& solved, PoolStop why)> on_result;
};

class TaskPool {
 public:
  // Throws SubmissionError for an unknown energy or a missing model ("energy") or a bad sampler spec
  // ("sampler").
  TaskPool(TaskPtr task, TaskPoolSettings settings);
  ~TaskPool();  // stop(true)
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  // Encodes and queues the problems. Throws SubmissionError when they cannot be encoded, the sampler
  // refuses their space or the energy cannot be built for them, std::invalid_argument for an invalid
  // budget; then nothing was queued and nothing is reported.
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
  // task.encode of `batch` in a space the sampler accepts; SubmissionError ("problems", "sampler").
  TaskBatch encode(const std::vector<ProblemPtr>& batch) const;
  // Reports task problem `index` (position `position` of its batch `encoded`) once every driver
  // problem of it has come back: decoded, verified, its energy, on the worker thread.
  void report(Submitted& record, size_t index, const TaskBatch& encoded, size_t position, Energy& energy);
  void work();

  TaskPtr task_;
  TaskPoolSettings settings_;
  EnergyChoice choice_;
  std::string spec_text_;
  DriverOptions driver_;  // the spec's driver options (chains, rules, its own budgets)
  SamplerPtr probe_;      // the spec's sampler, asked which answer spaces it accepts

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, std::unique_ptr<Shape>> shapes_;
  int64_t outstanding_ = 0;
  bool stopping_ = false, cancel_on_stop_ = false;
  std::thread worker_;
};

}  // namespace ebm
