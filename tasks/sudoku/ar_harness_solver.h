// The Sudoku AR baseline as a harness Solver (ebm/solver.h).
//   spec: ar[:MODEL][,decode=SPEC]   MODEL defaults to the shipped models/sudoku-ar.ckpt; decode
//         specs as ar_solver.h (greedy, sample:T, beam:W, best-of:N[,verifier]); decode= comes last.
// FLOPs: decoder positions x forward_flops(config, T) / T at the full sequence length T.
#pragma once

#include "ebm/solver.h"

#include <string>

namespace ebm::sudoku {

// Throws std::invalid_argument for a bad spec, CheckpointError for a bad checkpoint.
SolverPtr make_ar_solver(const std::string& spec, const SolverContext& context);

}  // namespace ebm::sudoku
