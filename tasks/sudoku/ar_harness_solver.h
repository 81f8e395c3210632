// The Sudoku AR baseline as a harness Solver (ebm/solver.h).
//   spec: ar[:MODEL][,budget=MS][,decode=SPEC]   (MODEL may also be written model=MODEL)
//     MODEL   a "sudoku-ar" checkpoint; default: the shipped models/sudoku-ar.ckpt (9x9)
//     budget  until-verified's wall-clock bound per batch of puzzles, ms; default: the evaluation's
//             --budget-ms, the budget every EBM solver of the run gets (its per-batch bound too)
//     decode  as ar_solver.h: greedy, sample:T, beam:W, best-of:N[,verifier], until-verified:N; comes
//             last (its text may hold a comma)
// uses_verifier() is true for best-of:N,verifier and until-verified:N. The model must match the
// puzzles' size (a 4x4 model for 4x4 puzzles). FLOPs: decoder positions x forward_flops(config, T) / T
// at the full sequence length T.
#pragma once

#include "ebm/solver.h"

#include <string>

namespace ebm::sudoku {

// Throws std::invalid_argument for a bad spec, CheckpointError for a bad checkpoint.
SolverPtr make_ar_solver(const std::string& spec, const SolverContext& context);

}  // namespace ebm::sudoku
