// ChainEngine: the one place where chains run and are settled, shared by run_sampler
// (<ebm/samplers/driver.h>: one group of problems, the run's budgets) and ChainPool
// (<ebm/samplers/pool.h>: groups that join and leave a running batch, each problem with its own budget).
//
// It holds the running rows, one per chain (problem-major: a problem's chains are consecutive, and
// groups follow one another in the order they were admitted), the target they are evaluated on,
// and each row's bookkeeping on the device: best energy and state, the step of its last significant
// improvement, restarts used, evaluations spent. After every step, settle() gives each running row a
// verdict, computed on the device into one small code per row and read by the host once:
//
//   energy NaN or Inf                         stops, NON_FINITE (a failure)
//   energy <= rules.energy_tolerance          stops, TOLERANCE
//   its group's verifier accepts its state    stops, VERIFIED (checked when step % verify_every == 0);
//                                             with stop_problem_on_verified its problem's other chains
//                                             stop too, SIBLING_VERIFIED
//   no improvement by plateau_delta for       restarts from a fresh initial state while it has restarts
//   plateau_steps steps                       left, else stops, PLATEAU
//   its problem is `leaving` (a budget,       stops, RUNNING (it was still running when its time ended)
//   deadline or cancellation its caller
//   decided)
//
// A stopped row leaves the batch at once and is handed to the caller's sink as a ChainExit: its
// result is the state the verifier accepted, else its lowest-energy state (rules.track_best) or its
// last finite state (track_best = false). When no row stops or restarts a settle does nothing more
// than its one read.
//
// Ids: admit() numbers problems 0, 1, 2, ... in the order they arrive; chain c of problem p has id
// p * chains + c. Verifiers and initializers see group-local problem indices (problem id - the
// group's first). Restarted rows draw their initial states from their group's generator, seeded
// with the group's seed, so a single group reproduces exactly what run_sampler did before pools
// existed.
#pragma once

#include "ebm/samplers/driver.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ebm {

// Chains that stopped at one settle (k of them), on the device unless said otherwise.
struct ChainExit {
  std::vector<int64_t> chain_ids;     // host: ids of the stopped chains, in row order
  std::vector<ChainStatus> statuses;  // host: their verdicts
  torch::Tensor ids;                  // int64 [k]: chain_ids on the device
  torch::Tensor status;               // int64 [k]: statuses, as ChainStatus values
  torch::Tensor energy;               // [k] each chain's result energy
  torch::Tensor state;                // [k, *shape] its result state
  torch::Tensor evaluations;          // double [k] candidate evaluations spent on it
  int64_t step = 0;                   // the step it stopped at
};
using ChainSink = std::function<void(const ChainExit&)>;

// One chain's record once it stopped, as read on the host.
struct ChainRecord {
  ChainStatus status = ChainStatus::Running;
  double energy = std::numeric_limits<double>::infinity();
  int64_t stop_step = 0;
  double evaluations = 0.0;
  double stop_ms = 0.0;
};

// A problem's result from its chains' records (chain order): verified by the first VERIFIED chain,
// else the lowest-energy chain (the first of equals); steps and milliseconds are its last chain's,
// evaluations the chains' sum; failed when every chain went non-finite. `answer` is left undefined
// (the caller takes chain best_chain's state) and so is `verified` beyond a VERIFIED chain (the
// caller may ask the verifier once more about the chosen state).
ProblemResult resolve_problem(const std::vector<ChainRecord>& chains);

// The verifier's last word on results it has not accepted: for each of `results` (problems[i] its
// index in the verifier's numbering) whose chains did not all fail, the verifier sees the decoded
// answer once more, and `verified` becomes its word. One verifier call and one host read.
void last_word(const Verifier& verifier, const AnswerSpace& space, const std::vector<ProblemResult*>& results,
               const std::vector<int64_t>& problems, const torch::Device& device);

class ChainEngine {
 public:
  // `who` starts every error message ("driver", "pool"); `rules` gives the chains per problem and the
  // per-chain rules (energy_tolerance, verify_every, stop_problem_on_verified, plateau_steps,
  // plateau_delta, restarts, track_best; its budgets and seed are the caller's business). Throws
  // std::invalid_argument for bad rules or a space the sampler refuses.
  ChainEngine(std::string who, Sampler& sampler, EnergyPtr energy, AnswerSpace space, const DriverOptions& rules,
              torch::Device device, torch::Dtype dtype);

  // Admits a group: draws its initial states from a generator seeded with `seed`, evaluates them and
  // appends its rows (the sampler's append_rows, or begin() when the batch was empty: `context` is the
  // one it gets). Returns the id of the group's first problem. Throws std::invalid_argument (nothing
  // admitted) when the group does not fit: condition or clamp rows, initial states of the wrong shape,
  // a batch the machine's memory cannot hold, or a sampler that cannot take rows mid-run.
  int64_t admit(const ProblemBatch& group, uint64_t seed, const StepContext& context);
  // The checks of admit() that need no sampler run (rows, shapes), for callers that queue groups.
  static void check_group(const ProblemBatch& group, const AnswerSpace& space, const std::string& who);

  // One sampler step over every running row. Returns the sampler's statistics.
  StepStats step(const StepContext& context);

  // The verdicts after step `step` (after_step false: before the first step, no plateau test):
  // see the table above. Rows of problems in `leaving` (problem ids) stop as RUNNING unless another
  // verdict stops them. Stopped rows go to `sink`, then leave the batch.
  void settle(int64_t step, bool after_step, const std::unordered_set<int64_t>& leaving, const ChainSink& sink);
  // Stops every running row now, as RUNNING (the run's budget is spent, it was cancelled).
  void stop_all(int64_t step, const ChainSink& sink);

  int64_t rows() const { return batch_.rows(); }
  int64_t chains_per_problem() const { return chains_; }
  const ChainBatch& chains() const { return batch_; }
  const torch::Tensor& chain_ids() const { return ids_; }         // int64 [rows], on the device
  Target& target() { return target_; }
  const AnswerSpace& space() const { return space_; }
  const DriverOptions& rules() const { return rules_; }
  int64_t evaluations() const { return evaluations_carried_ + target_.evaluations(); }
  int64_t restarts() const { return restarts_; }

 private:
  struct Group {
    Initializer initializer;
    Verifier verifier;
    std::shared_ptr<torch::Generator> generator;
    int64_t first_problem = 0, problems = 0;
  };
  torch::Tensor initial_states(Group& group, const torch::Tensor& local_problems);
  void record_best(const torch::Tensor& finite, int64_t step);
  // The verdict codes of the running rows after `step` (0 = runs on, a ChainStatus, or restart), read by
  // the host: by tensor operations on any device, or, when the rows' figures sit in CPU memory as float32
  // (verdicts_on_host), by one loop over them with the same rules (a dozen tensor operations on a
  // handful of rows cost more than the step of a small problem). Both update the best energies.
  std::vector<int8_t> device_verdicts(int64_t step, bool after_step);
  std::vector<int8_t> host_verdicts(int64_t step, bool after_step);
  bool verdicts_on_host() const;
  // On a verification step: the rows the verifier accepts (finite ones) and, with stop_problem_on_verified,
  // the rows whose problem has an accepted row; undefined tensors otherwise. `finite`: isfinite(energy),
  // or undefined: computed here when needed.
  std::pair<torch::Tensor, torch::Tensor> verification(int64_t step, const torch::Tensor& finite);
  torch::Tensor accepted_rows(const torch::Tensor& finite);
  void restart(const std::vector<int64_t>& rows, const torch::Tensor& mask, int64_t step);
  void stop(const std::vector<int64_t>& stopped, const std::vector<ChainStatus>& statuses, const torch::Tensor& codes,
            int64_t step, const ChainSink& sink);
  void keep(const std::vector<int64_t>& kept);
  void flush_evaluations();
  // [begin, end) rows of each running group, in group order.
  std::vector<std::pair<int64_t, int64_t>> group_rows() const;

  std::string who_;
  Sampler& sampler_;
  EnergyPtr energy_;
  AnswerSpace space_;
  DriverOptions rules_;
  int64_t chains_;
  torch::Device device_;
  torch::Dtype dtype_;

  Target target_;
  ChainBatch batch_;
  torch::Tensor ids_;               // [rows] chain id of each row
  std::vector<int64_t> host_ids_;   // the same, on the host
  torch::Tensor best_energy_, best_state_, last_progress_, restarts_used_, evaluations_;  // per row
  double pending_evaluations_per_row_ = 0.0;  // spent by every running row since the last flush
  int64_t evaluations_carried_ = 0;           // counted by targets that admit() replaced
  int64_t restarts_ = 0;
  int64_t next_problem_ = 0;
  std::vector<Group> groups_;       // groups with running rows, in admission order
};

}  // namespace ebm
