// The Sudoku EBM solver: energy + sampler + decode + exact verification, for a batch of boards.
//
// Pipeline per batch: givens -> clamp -> `chains` relaxed boards per puzzle -> the sampler minimises
// the chosen energy (the driver stops a puzzle as soon as one chain's argmax board is a valid
// completion) -> decode -> the exact verifier (board.h, is_valid_solution) decides `verified`.
// Nothing here searches, backtracks or propagates: the only solver of the puzzle is the sampler.
//
// Energies (term 1 is always the purity term that the default sampler anneals):
//   constraint  SudokuConstraintEnergy + purity
//   learned     the learned network (checkpoint) + purity
//   combined    constraint + purity + learned
#pragma once

#include "ebm/samplers/driver.h"
#include "ebm/tasks/sudoku/board.h"

#include <torch/types.h>

#include <functional>
#include <string>
#include <vector>

namespace ebm::sudoku {

struct SolverSettings {
  std::string energy = "constraint";  // constraint | learned | combined
  std::string model;                  // checkpoint of the learned energy (learned, combined)
  EnergyPtr learned;                  // or the learned energy itself (takes precedence over `model`)
  std::string sampler;                // sampler spec; empty = default_sampler_spec(energy)
  double budget_ms = 10000.0;         // wall-clock bound of each batch run, so of each puzzle
  int64_t batch = 8;                  // puzzles solved together in one driver run
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
  bool trace = false;                 // keep the first batch's per-step trace
};

struct SolvedPuzzle {
  Board answer;             // the decoded best state (meaningful only when verified)
  bool verified = false;    // the exact verifier accepted `answer`
  double energy = 0.0;      // energy of the answer's state
  int64_t steps = 0;        // sampler steps until the puzzle stopped
  int64_t evaluations = 0;  // candidate energy evaluations spent on it
  double ms = 0.0;          // wall time until it stopped, within its batch
  int64_t chains = 0;
};

struct SolveReport {
  std::vector<SolvedPuzzle> puzzles;  // in input order
  std::string sampler;                // canonical spec that ran
  std::string energy;                 // energy description
  std::vector<TraceRow> trace;        // first batch, when settings.trace
  double total_ms = 0.0;
};

// The tuned default sampler spec for an energy kind.
std::string default_sampler_spec(const std::string& energy);

// Solves all puzzles (one box size) with the generic EBM solver (ebm/samplers/task_solver.h) on the
// Sudoku task: a Board-typed convenience for programs that embed ebm. `progress(done, total)` is
// called after each batch. Throws std::invalid_argument for unknown energies, a missing model, mixed
// sizes or bad specs.
SolveReport solve(const std::vector<Board>& puzzles, const SolverSettings& settings,
                  const std::function<void(size_t, size_t)>& progress = {});

// The shipped learned energy's path: $EBM_MODEL_DIR/sudoku-energy.ckpt, else the source tree's
// models/ (a build tree), else the installed data folder; "" when none exists.
std::string shipped_model_path();

// The energy for a kind (see above), on `device`. Without `learned` and `model`, kinds that need
// the learned energy use shipped_model_path().
// `learned` may be given directly; otherwise it is loaded from `model` when the kind needs it.
EnergyPtr make_energy(const std::string& kind, int box, const std::string& model, const torch::Device& device,
                      EnergyPtr learned = nullptr);

}  // namespace ebm::sudoku
