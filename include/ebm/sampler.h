// Sampler: the solver side of ebm. One update rule; the shared driver (ebm/samplers/driver.h) owns
// chains, stopping, budgets, restarts, traces and summaries.
//
// Contract of step(): on entry `chains` holds, for every row, the state y (finalized: projected
// and clamped), its energy E(y) [N] and, when needs_gradient(), dE/dy (clamped entries zero), all
// evaluated on `target` as it is now. On return the same holds for the new states. A sampler never
// moves a clamped entry: it passes every state it keeps through target.finalize().
#pragma once

#include "ebm/cancellation.h"
#include "ebm/noise.h"
#include "ebm/options.h"
#include "ebm/target.h"

#include <torch/types.h>

#include <chrono>
#include <memory>
#include <string>

namespace ebm {

struct ChainBatch {
  torch::Tensor y;         // [N, *shape]
  torch::Tensor energy;    // [N]
  torch::Tensor gradient;  // [N, *shape], or undefined for samplers that need none

  int64_t rows() const { return y.defined() ? y.size(0) : 0; }
  ChainBatch select_rows(const torch::Tensor& index) const;
  // Overwrites the rows where mask [N] is true with those of `other`.
  void assign_where(const torch::Tensor& mask, const ChainBatch& other);
};

// Evaluates energy (and gradient if asked) of chains.y on target and stores them in chains.
void evaluate_chains(const Target& target, ChainBatch& chains, bool want_gradient);

struct StepContext {
  int64_t step = 0;         // 0-based index of this step
  double progress = 0.0;    // fraction of the budget spent, in [0, 1] (steps, evaluations or time)
  double step_scale = 1.0;  // multiplier on the sampler's step size (annealing of the step size)
  NoiseSource* noise = nullptr;  // the run's seeded noise (normals, uniforms); never null inside step()
  // When the run's time budget ends (max() = no time budget) and its cancellation token (may be
  // null). A sampler whose step runs many evaluations (HMC's leapfrog loop) checks interrupted()
  // between them and abandons the step, keeping the chains as they were, so the budget bounds it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  const CancellationToken* cancel = nullptr;

  bool interrupted() const {
    return (cancel != nullptr && cancel->cancelled()) ||
           (deadline != std::chrono::steady_clock::time_point::max() && std::chrono::steady_clock::now() >= deadline);
  }
};

struct StepStats {
  // [N] acceptance probability of this step's proposal per row (Metropolis-Hastings samplers),
  // or undefined for samplers without an accept/reject test.
  torch::Tensor acceptance;
};

class Sampler {
 public:
  virtual ~Sampler() = default;

  virtual std::string name() const = 0;
  // "name:key=value,..." with every option's current value.
  virtual std::string describe() const = 0;
  // Whether chains.gradient must be kept current between steps.
  virtual bool needs_gradient() const { return true; }
  // Whether step() reads chains.energy (accept/reject tests, replica swaps). When false, a wrapper
  // that changes the energy's term weights need not call energy_changed() before the next step
  // (the step then uses the gradient of the previous weights once, and returns fresh energies).
  virtual bool uses_energy_values() const { return true; }
  // Throws std::invalid_argument when the sampler cannot work on this answer space
  // (e.g. a discrete sampler on a real space).
  virtual void check_space(const AnswerSpace& /*space*/) const {}

  // Called once before the first step, with the initial chains already evaluated.
  virtual void begin(Target& /*target*/, ChainBatch& /*chains*/, const StepContext& /*context*/) {}
  // One update of every row.
  virtual StepStats step(Target& target, ChainBatch& chains, const StepContext& context) = 0;
  // The driver dropped rows: keep only `index` (old row numbers) of any per-row state;
  // `target` is the new, smaller target.
  virtual void keep_rows(const torch::Tensor& /*index*/, Target& /*target*/) {}
  // Rows where `mask` [N] is true were restarted: chains already hold their new, evaluated states.
  virtual void reset_rows(const torch::Tensor& /*mask*/, Target& /*target*/, ChainBatch& /*chains*/) {}
  // The energy of `target` changed in place (a term's weight, a landscape; annealing): bring every
  // chain this sampler holds up to date on `target` as it is now: energies and, when
  // needs_gradient(), gradients; `chains` included. Default: re-evaluates `chains`. A sampler that
  // keeps chains of its own (parallel tempering's replicas) re-evaluates those and refreshes `chains`.
  virtual void energy_changed(Target& target, ChainBatch& chains);
  // Whether append_rows() may be called: false for samplers whose rows are coupled (parallel
  // tempering's replica ladder); continuous batching then lets a group join only an empty batch.
  virtual bool takes_rows_mid_run() const { return true; }
  // Continuous batching (<ebm/samplers/pool.h>) appended `added` rows at the end of the batch: `target`
  // and `chains` already hold them, evaluated. Samplers with per-row state extend it here (fresh rows).
  // Throws std::invalid_argument when the sampler cannot take rows mid-run (takes_rows_mid_run false).
  virtual void append_rows(int64_t /*added*/, Target& /*target*/, ChainBatch& /*chains*/) {}
};

using SamplerPtr = std::shared_ptr<Sampler>;

}  // namespace ebm
