// ChainPool: continuous batching of energy minimisation (the vLLM idea applied to samplers).
//
// One running chain batch for one (energy, answer space, sampler). Groups of problems join it at
// step boundaries (admit(), from any thread) and every problem leaves it as soon as it is finished,
// so under load the batch stays full instead of running one request after another. A problem is
// finished when
//   - one of its chains is accepted by its group's verifier (checked every `verify_every` steps),
//   - every one of its chains has stopped (energy tolerance, or NaN/Inf energy: a failure),
//   - its own budget is spent (steps or milliseconds, counted from the step it joined), or
//   - its group's deadline passes, or its cancellation token is cancelled (read at every step).
// Its result is the driver's ProblemResult (samplers/driver.h): the verified chain's state, else the
// lowest-energy chain's best (track_best) or last state; `verified` only when the verifier accepted it.
// Every admitted problem is reported exactly once through its group's callback.
//
// Differences from run_sampler: no plateau test or restarts. Schedules follow the pool's clock:
// step-indexed ones (anneal:period=N, tabu, the tasks' serving defaults) use the pool's step counter,
// so a problem joins mid-cycle; budget-following ones (anneal with period=0) see the budget fraction
// of the oldest running problem. The noise stream is the pool's, so a problem's result depends on
// which others shared the batch: seeded, reproducible for the same arrival order only.
// Samplers that cannot take rows mid-run (parallel tempering) are refused when the second group joins.
//
// Threads: admit(), running_rows(), waiting_problems() and stats() may be called from any thread.
// step() is called by one thread (the pool's worker); callbacks run on it and must not call step().
#pragma once

#include "ebm/cancellation.h"
#include "ebm/samplers/driver.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ebm {

// Why a problem left the pool.
enum class PoolStop { VERIFIED, STOPPED, BUDGET, DEADLINE, CANCELLED };
const char* pool_stop_name(PoolStop stop);

// A group of problems that join together (one client request, one encoding).
struct PoolGroup {
  int64_t problems = 1;
  torch::Tensor condition;  // [problems, ...] or undefined, like every other group of the pool
  Clamp clamp;              // [problems, *shape] or inactive
  Initializer initializer;  // problem_index is local (0..problems-1); null = space.random_init
  Verifier verifier;        // problem_index is local; null = no verifier (energy and budget decide)
  int64_t max_steps = 0;    // per-problem budgets from the step it joins; 0 = none, one must be set
  double max_ms = 0.0;
  // The group's deadline (a client's): problems still waiting or running then leave as DEADLINE.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  CancellationPtr cancel;   // optional
  uint64_t seed = 0;        // of the group's initial states
  // Called once per problem, on the pool's thread, when it leaves (local problem index).
  std::function<void(int64_t problem, const ProblemResult& result, PoolStop why)> on_finished;
};

struct PoolOptions {
  int64_t chains = 1;         // chains per problem
  int64_t verify_every = 1;   // verifier period in pool steps
  bool stop_problem_on_verified = true;  // false: a verified chain stops, its siblings run on
  double energy_tolerance = -std::numeric_limits<double>::infinity();
  bool track_best = true;     // result = each chain's lowest-energy state (false: its last state)
  int64_t max_rows = 0;       // capacity in chains; groups wait while it is full (0 = unlimited;
                              // a group larger than the capacity joins an empty pool alone)
  uint64_t seed = 0;          // of the pool's noise
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat;

  // From a sampler spec's driver options (chains, verify_every, stop_verified, tol, track_best, seed).
  static PoolOptions from_driver(const DriverOptions& driver);
};

struct PoolStats {
  int64_t steps = 0;               // sampler steps taken (steps with no rows are not counted)
  int64_t row_steps = 0;           // sum over steps of the rows stepped
  int64_t problems_admitted = 0, problems_finished = 0, problems_verified = 0;
  int64_t running_rows = 0, waiting_problems = 0;
  int64_t evaluations = 0;
  // Mean rows per step / capacity (max_rows), or mean rows per step when the capacity is unlimited.
  double occupancy(int64_t capacity) const;
};

class ChainPool {
 public:
  // Throws std::invalid_argument when the options or the space are invalid for the sampler.
  ChainPool(SamplerPtr sampler, EnergyPtr energy, AnswerSpace space, PoolOptions options);
  ~ChainPool();
  ChainPool(const ChainPool&) = delete;
  ChainPool& operator=(const ChainPool&) = delete;

  // Queues a group; it joins at the next step boundary with room. Throws std::invalid_argument
  // (naming the field) when the group does not fit the pool: no budget, wrong condition or clamp rows.
  void admit(PoolGroup group);
  // Joins waiting groups, takes one sampler step over every running chain, settles the chains and
  // reports finished problems. Returns false (and does nothing) when nothing runs or waits.
  bool step();
  // Finishes every running and waiting problem now as CANCELLED (each reported once).
  void cancel_all();

  const AnswerSpace& space() const { return space_; }
  const PoolOptions& options() const { return options_; }
  PoolStats stats() const;

 private:
  struct Problem;
  void join_waiting();
  void join(PoolGroup& group, std::shared_ptr<PoolGroup> shared);
  void settle();
  // When every running problem is out of time (its group's deadline or its own max_ms): a step may
  // end there (HMC abandons its trajectory), since no row still has time to use what follows.
  std::chrono::steady_clock::time_point latest_time_left() const;
  // Reports every problem of a group that never ran (no answer; `failed` when it could not run).
  void finish_unrun(PoolGroup& group, PoolStop why, bool failed);
  void remove_rows(const std::vector<char>& leaving);
  double schedule_progress() const;

  SamplerPtr sampler_;
  EnergyPtr energy_;
  AnswerSpace space_;
  PoolOptions options_;
  std::unique_ptr<NoiseSource> noise_;

  // Running rows (one per chain), problem-major within a group.
  Target target_;
  ChainBatch chains_;
  torch::Tensor best_energy_, best_state_;  // [rows], [rows, *shape]
  std::vector<int64_t> row_problem_;        // [rows] key into problems_
  std::map<int64_t, std::shared_ptr<Problem>> problems_;  // live problems by key
  int64_t next_key_ = 0;
  int condition_kind_ = -1;                 // -1 unknown, 0 no condition, 1 conditioned (first group decides)
  std::vector<int64_t> condition_shape_;    // per-problem condition shape of the first group

  mutable std::mutex mutex_;  // guards waiting_ and stats_
  std::deque<std::shared_ptr<PoolGroup>> waiting_;
  PoolStats stats_;
  double evaluations_carried_ = 0.0;  // counted by targets that joins replaced
};

}  // namespace ebm
