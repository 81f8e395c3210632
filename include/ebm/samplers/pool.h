// ChainPool: continuous batching of energy minimisation (the vLLM idea applied to samplers).
//
// One running chain batch for one (energy, answer space, sampler). Groups of problems join it at
// step boundaries (admit(), from any thread) and every problem leaves it as soon as it is finished,
// so under load the batch stays full instead of running one request after another. Its chains run
// on the same engine as run_sampler's (samplers/chains/chain_engine.h), under the same per-chain
// rules (PoolOptions::rules: tolerance, verifier every `verify_every` steps, stop on verified,
// plateau tests with restarts, best tracking). A problem is finished when
//   - every one of its chains has stopped (verified, or a sibling verified; tolerance; plateau with
//     no restarts left; NaN/Inf energy, a failure),
//   - its own budget is spent (steps, milliseconds or candidate evaluations, counted from the step
//     it joined), or
//     Milliseconds are its share of the batch's compute: each step's wall time is charged to the
//     problems in the batch in proportion to their running chains, so a problem gets the steps it
//     would have had alone within its budget however full the batch is (a batch of B equal problems
//     stretches each one's wall time about B-fold instead of cutting its steps B-fold; the group's
//     deadline, wall-clock from submission, still bounds it). Alone in the batch, share = wall time.
//   - its group's deadline passes, or its cancellation token is cancelled (read at every step).
// Its result is the driver's ProblemResult (<ebm/samplers/driver.h>), resolved as run_sampler
// resolves it: the verified chain's state, else the lowest-energy chain's best (track_best) or last
// state; `verified` only when the verifier accepted it; best_chain is the chain's index within its
// problem. Every admitted problem is reported exactly once through its group's callback.
//
// Clock and noise: step-indexed schedules (anneal:period=N, tabu, the verifier's period) follow the
// pool's clock, which starts at 0 when a group finds the batch empty; budget-following ones (anneal
// with period=0) see the budget fraction of the oldest running problem. The noise stream restarts
// then too, from that group's seed, so a group that runs alone follows exactly the trajectory
// run_sampler gives its problems with the same seed and options; one that shares the batch depends
// on its neighbours (seeded, reproducible for the same arrival order only). Samplers that cannot
// take rows mid-run (parallel tempering, Sampler::takes_rows_mid_run) run one group at a time: the
// next waits until the batch is empty.
//
// Threads: admit(), cancel_all() and stats() may be called from any thread. step() is called by one
// thread (the pool's worker); callbacks run on it and must not call step().
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

class ChainEngine;  // samplers/chains/chain_engine.h
struct ChainExit;

// Why a problem left the pool.
enum class PoolStop { Verified, Stopped, Budget, Deadline, Cancelled };
const char* pool_stop_name(PoolStop stop);

// A group of problems that join together (one client request, one encoding): a ProblemBatch (its
// condition shaped like every other group's of the pool; problem indices local, 0..problems-1) with
// its budgets, deadline, cancellation and callback.
struct PoolGroup : ProblemBatch {
  // Per-problem budgets from the step it joins; 0 = none; at least one must be set.
  int64_t max_steps = 0;
  double max_ms = 0.0;
  int64_t max_evaluations = 0;  // candidate evaluations of its chains (restarts' not counted)
  // The group's deadline (a client's): problems still waiting or running then leave as DEADLINE.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  CancellationPtr cancel;   // optional
  uint64_t seed = 0;        // of the group's initial states (and of the noise when it finds the batch empty)
  // Called once per problem, on the pool's thread, when it leaves (local problem index).
  std::function<void(int64_t problem, const ProblemResult& result, PoolStop why)> on_finished;
};

struct PoolOptions {
  // Chains per problem and the per-chain rules (tol, verify_every, stop_verified, plateau,
  // plateau_delta, restarts, track_best): a sampler spec's driver options. Their budgets and seed
  // are not used: each group brings its own.
  DriverOptions rules;
  int64_t max_rows = 0;       // capacity in chains; groups wait while it is full (0 = unlimited;
                              // a group larger than the capacity joins an empty pool alone)
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat;

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
  // As cancel_all(), but every problem is reported failed with `failure` (status STOPPED), e.g. after
  // step() threw: a sampler or energy that failed mid-step.
  void fail_all(const std::string& failure);

  const AnswerSpace& space() const { return space_; }
  const PoolOptions& options() const { return options_; }
  PoolStats stats() const;

 private:
  struct Live;
  void join_waiting();
  void join(const std::shared_ptr<PoolGroup>& group);
  void settle(bool after_step);
  void record(const ChainExit& exit);
  void report_finished();
  // When every running problem is out of time (its group's deadline or its own max_ms): a step may
  // end there (HMC abandons its trajectory), since no row still has time to use what follows.
  std::chrono::steady_clock::time_point latest_time_left() const;
  // Reports every problem of a group that never ran (no answer; `failed` when it could not run).
  // Reports each problem of a group that never ran; `failure` "" when it was not a failure.
  void finish_unrun(PoolGroup& group, PoolStop why, const std::string& failure);
  // cancel_all() and fail_all(): every waiting group unrun, every running problem stopped now.
  void end_all(PoolStop why, const std::string& failure);
  double schedule_progress() const;
  StepContext context() const;

  SamplerPtr sampler_;
  EnergyPtr energy_;
  AnswerSpace space_;
  PoolOptions options_;
  std::unique_ptr<ChainEngine> engine_;
  std::unique_ptr<NoiseSource> noise_;
  int64_t clock_ = 0;                 // steps since a group last found the batch empty
  std::map<int64_t, Live> live_;      // running problems by the engine's problem id
  std::vector<int64_t> finished_;     // problems whose last chain stopped at this settle
  int condition_kind_ = -1;           // -1 unknown, 0 no condition, 1 conditioned (first group decides)
  std::vector<int64_t> condition_shape_;  // per-problem condition shape of the first group

  mutable std::mutex mutex_;  // guards waiting_ and stats_
  std::deque<std::shared_ptr<PoolGroup>> waiting_;
  PoolStats stats_;
};

}  // namespace ebm
