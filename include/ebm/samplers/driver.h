// The shared driver: runs any Sampler over many chains per problem.
//
//   rows      = problems x chains (problem-major: chain c belongs to problem c / chains)
//   each step = sampler.step on every running row, then: non-finite check, best-so-far, stopping
//               checks (tolerance, verifier, plateau), restarts, budgets, callbacks, trace.
//
// A chain stops when its energy reaches `energy_tolerance`, when the verifier accepts its decoded
// state (then, by default, every chain of that problem stops), when it has not improved its best
// energy by `plateau_delta` for `plateau_steps` steps and has no restarts left, or when its energy
// turns NaN/Inf (a failure). Stopped chains leave the batch, so solved problems cost nothing more.
// The run ends when no chain runs, a budget is spent, a callback says so, or the request's
// cancellation token is cancelled (checked before every step, so within one step).
//
// Host synchronisations (the CPU waiting for a GPU's queue): the driver's own bookkeeping reads from
// the device once per step, whether rows stop, restart or not. Every stopping test (non-finite
// energy, tolerance, verifier, sibling verified, plateau) runs on the device into one small code per
// running row; the host copies those codes and acts only when one is not "running". Best-so-far
// energies and states, plateau progress, acceptance sums and evaluation counts stay on the device.
// Extras: `trace` reads its row's figures once per step; set-up and the end of the run read a
// fixed handful (final records, acceptance, the verifier's last word). A sampler's step, energy or
// verifier that reads from the device adds its own reads; gd, langevin, mala, hmc, annealed mirror
// Langevin and the Sudoku verifier do not: tests/test_host_sync.cpp holds this with the counter of
// ebm/runtime/host_sync.h.
#pragma once

#include "ebm/answer_space.h"
#include "ebm/cancellation.h"
#include "ebm/energy.h"
#include "ebm/options.h"
#include "ebm/problem_batch.h"
#include "ebm/sampler.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace ebm {

// The most chains per problem a spec may ask for (the driver also refuses a run whose chain
// states would not fit in this machine's memory, naming the size).
constexpr int64_t kMaxChains = int64_t{1} << 20;

struct DriverOptions {
  // Chains per problem, run in one batch.
  int64_t chains = 1;
  // Budgets (0 = unlimited; at least one must be set). The run stops when any is spent.
  int64_t max_steps = 1000;        // sampler steps
  int64_t max_evaluations = 0;     // candidate energy evaluations, all chains together
  double max_ms = 0.0;             // wall-clock milliseconds
  // A chain stops once E <= energy_tolerance. Neutral: -inf (never).
  double energy_tolerance = -std::numeric_limits<double>::infinity();
  // Verifier checks every this many steps (when a verifier is given). 1 = every step.
  int64_t verify_every = 1;
  // The verifier is not called at a check when no running chain's energy is at most this: for energies
  // that cannot be low away from a solution (conflict or clause counts: 0.5). The verifier alone still
  // decides; this only spares its call. +inf = every check calls it.
  double verify_below = std::numeric_limits<double>::infinity();
  // When one chain of a problem is verified, stop the problem's other chains.
  bool stop_problem_on_verified = true;
  // Plateau: a chain whose best energy has not dropped by more than plateau_delta for
  // plateau_steps steps restarts (if restarts remain) or stops. 0 = never.
  int64_t plateau_steps = 0;
  double plateau_delta = 1e-6;
  // Restarts per chain from a fresh initial state after a plateau. 0 = none.
  int64_t restarts = 0;
  // Keep a per-step trace (energy, gradient norm, acceptance, running chains).
  bool trace = false;
  // Seed of the run's generator (initial states, noise, proposals).
  uint64_t seed = 0;
  // Keep each chain's lowest-energy state (false: a chain's result is its last state, which
  // saves a copy per improving step when a verifier, not the energy, decides).
  bool track_best = true;

  void bind(OptionSet& options);
  bool is_valid(std::string* error) const;
  // Every key with its value, "chains=16,steps=0,...": with the sampler's describe(), the spec in full.
  std::string describe() const;
};

enum class TerminationType {
  Convergence,    // every chain stopped by tolerance, verifier or plateau
  NoConvergence,  // a budget (steps, evaluations, time) ran out with chains still running
  Failure,        // every chain failed (NaN/Inf energy)
  UserSuccess,    // a callback stopped the run as a success
  UserAbort,      // a callback aborted the run
  Cancelled,      // RunRequest::cancel was cancelled (checked before every step)
};
// "CONVERGENCE", "NO_CONVERGENCE", ...: the names reports and JSON print.
const char* termination_name(TerminationType type);

enum class ChainStatus : int64_t {
  Running = 0,          // still running when the run (or its problem's time) ended
  Tolerance = 1,        // reached energy_tolerance
  Verified = 2,         // the verifier accepted its state
  Plateau = 3,          // stagnated with no restarts left
  NonFinite = 4,        // energy became NaN or Inf: a failure
  SiblingVerified = 5,  // another chain of its problem was verified
};
const char* chain_status_name(ChainStatus status);

enum class CallbackResult { Continue, Abort, StopSuccessfully };

// What callbacks see after each step.
struct IterationInfo {
  int64_t step = 0;               // steps done so far (1 after the first step)
  double elapsed_ms = 0.0;
  int64_t evaluations = 0;
  int64_t running_chains = 0;
  const ChainBatch* chains = nullptr;  // the running rows
  torch::Tensor chain_ids;             // [running] original chain index of each row
  const StepStats* stats = nullptr;
};
using IterationCallback = std::function<CallbackResult(const IterationInfo&)>;

// What to minimise or sample: an energy over the problems of a ProblemBatch (<ebm/problem_batch.h>:
// problems, condition [P, ...], clamp [P, *shape] rows, initializer, verifier) in an answer space.
struct RunRequest : ProblemBatch {
  EnergyPtr energy;
  AnswerSpace space;
  torch::Device device = torch::kCPU;
  torch::Dtype dtype = torch::kFloat;
  std::vector<IterationCallback> callbacks;
  CancellationPtr cancel;   // optional: cancelled from any thread, the run ends before its next step
};

struct TraceRow {
  int64_t step = 0;
  double elapsed_ms = 0.0;
  int64_t evaluations = 0;
  int64_t running_chains = 0;
  double mean_energy = 0.0, min_energy = 0.0;
  double mean_gradient_norm = std::numeric_limits<double>::quiet_NaN();
  double mean_acceptance = std::numeric_limits<double>::quiet_NaN();
};

struct ProblemResult {
  torch::Tensor answer;   // [*shape] state: the verified chain's, else the lowest-energy chain's best
  double energy = std::numeric_limits<double>::infinity();
  bool verified = false;  // true only if the verifier accepted `answer`
  int64_t best_chain = -1;
  int64_t steps = 0;        // steps until the problem stopped (or the run ended)
  int64_t evaluations = 0;  // candidate evaluations spent on its chains
  double elapsed_ms = 0.0;  // wall time from the run's start until its last chain stopped
  bool failed = false;      // every chain of the problem went non-finite, or it could not run
  std::string failure;      // when failed: why, in a sentence
};

struct Summary {
  TerminationType termination = TerminationType::NoConvergence;
  std::string message;  // why it ended; for failures, what to try
  std::string sampler;  // the sampler's describe()
  int64_t problems = 0, chains = 0, steps = 0, evaluations = 0, restarts = 0;
  int64_t chains_verified = 0, chains_at_tolerance = 0, chains_plateaued = 0, chains_failed = 0,
          chains_running = 0;
  int64_t problems_verified = 0;
  double elapsed_ms = 0.0;
  double best_energy = std::numeric_limits<double>::infinity();
  double mean_acceptance = std::numeric_limits<double>::quiet_NaN();  // over steps and rows
  uint64_t seed = 0;

  std::string brief_report() const;  // one line
  std::string full_report() const;   // several lines
};

struct RunResult {
  Summary summary;
  std::vector<ProblemResult> problems;
  torch::Tensor best_states;    // [rows, *shape] best state per chain
  torch::Tensor best_energies;  // [rows]
  torch::Tensor chain_status;   // int64 [rows], values of ChainStatus
  std::vector<TraceRow> trace;  // when options.trace
};

// Runs `sampler` on `request` under `options`. Throws std::invalid_argument for invalid options or
// a request that does not fit the space (the message names the problem). Non-finite energies do not
// throw: those chains fail and the summary says so.
RunResult run_sampler(Sampler& sampler, const RunRequest& request, const DriverOptions& options);

}  // namespace ebm
