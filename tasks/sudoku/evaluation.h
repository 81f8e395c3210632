// The evaluation harness for Sudoku (`ebm eval --task sudoku`): runs any set of solvers on one
// dataset, one device and one seed, checks every answer with the exact verifier itself (never
// trusting a solver's own flag), and reports per solver:
//   exact solve rate with its 95% Wilson interval, per-cell accuracy on the blank cells against the
//   reference solution, answers valid but different from the reference, unsolved rate,
//   wrong-but-claimed-verified count (must be 0), mean / median / p95 ms per puzzle, puzzles per
//   second, energy evaluations or decoder positions, estimated FLOPs, process peak memory (RSS),
//   parameter count, device.
//
// Solver specs (--solver):
//   ebm                    the shipped default EBM (constraint energy, tuned sampler)
//   ebm-constraint         the constraint-only EBM (no learned weights), same sampler
//   ebm:MODEL[,energy=learned|combined][,chains=N][,budget=MS][,sampler=SPEC]
//                          an EBM with a learned energy checkpoint; sampler= must come last
//   ar[:MODEL][,decode=SPEC]  the autoregressive baseline (default: the shipped models/sudoku-ar.ckpt);
//                          decode = greedy | sample:T | beam:W | best-of:N[,verifier]; decode= comes last
//   reference              the classical DLX solver, named as such (the speed limit, not an EBM)
//
// FLOP estimates (documented formulas, multiply-add = 2 FLOPs):
//   EBM, constraint energy: per candidate evaluation 2 * 2 * 3 * N^3 (unit sums and their adjoint)
//     + 10 * N^3 for the mirror step and purity term;
//   EBM, learned energy: 3 x the network's forward (forward + backward for dE/dy), forward =
//     2 * N^2 * ((2N+1) d + layers * (4d * 2d + 2d * d) + d);
//   AR: decoder positions x forward_flops(config, T) / T at the full sequence length T.
#pragma once

#include "tasks/sudoku/board.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ebm::sudoku {

struct EvalProblem {
  Board puzzle;
  std::optional<Board> reference;  // the dataset's solution, when it has one
};

struct EvalSettings {
  std::vector<std::string> solvers = {"ebm"};
  double budget_ms = 10000.0;  // per puzzle, EBM solvers
  int64_t batch = 8;           // puzzles per solver call
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
};

struct SolverEvaluation {
  std::string spec, name;
  nlohmann::json config;  // solver settings, checkpoint path and FNV-1a hash, sampler / decode spec
  int64_t problems = 0, solved = 0, matches_reference = 0, valid_but_different = 0, unsolved = 0,
          wrong_claimed = 0;
  double solve_rate = 0.0, solve_rate_low95 = 0.0, solve_rate_high95 = 1.0;
  double cell_accuracy = 0.0;  // over blank cells of puzzles with a reference
  double mean_ms = 0.0, median_ms = 0.0, p95_ms = 0.0, problems_per_second = 0.0;
  double mean_evaluations = 0.0;     // EBM: candidate energy evaluations per puzzle
  double mean_forward_passes = 0.0;  // AR: decoder positions per puzzle
  double mean_flops = 0.0;           // estimated, per puzzle
  double peak_rss_mb = 0.0;          // process peak after this solver ran
  int64_t parameters = 0;
  std::string device;
  double solver_seconds = 0.0;  // wall time inside the solver calls
};

struct EvalReport {
  std::vector<SolverEvaluation> solvers;
  double total_seconds = 0.0;
  double harness_overhead = 0.0;  // (total - time inside solvers) / total
};

// Runs every solver of `settings` on `problems`; `progress(solver, done, total)` after each batch.
// Throws std::invalid_argument for a bad solver spec or a missing model.
EvalReport evaluate(const std::vector<EvalProblem>& problems, const EvalSettings& settings,
                    const std::function<void(const std::string&, size_t, size_t)>& progress = {});

nlohmann::json to_json(const SolverEvaluation& e);

// FNV-1a 64 of a file's bytes as 16 hex digits ("" if unreadable): identifies checkpoints in reports.
std::string file_hash(const std::string& path);

}  // namespace ebm::sudoku
