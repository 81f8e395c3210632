// Sweeps (`ebm sweep --task sudoku`): a grid over compute knobs for each solver on one dataset,
// one CSV row per (solver, setting), written as each row finishes. Resumable: rows already in the
// CSV (matched by their solver spec) are not run again, so a killed sweep continues where it stopped.
//
// EBM grid: energies x chains x step budgets -> "ebm:energy=E,sampler=<default spec>,chains=C,steps=S"
// AR grid:  decode specs (greedy, beam:W, best-of:N, sample:T ...) -> "ar:MODEL,decode=D"
#pragma once

#include "tasks/sudoku/evaluation.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace ebm::sudoku {

struct SweepGrid {
  std::vector<std::string> energies = {"constraint"};
  std::vector<int64_t> chains, steps;  // EBM grid (both empty: no EBM rows)
  std::string ar_model;                // AR rows when non-empty
  std::vector<std::string> decodes;    // AR grid
  bool reference = true;               // one row for the DLX reference
};

// The harness solver specs of the grid, in run order.
std::vector<std::string> sweep_specs(const SweepGrid& grid);

// Runs the specs not yet in `csv_path` and appends their rows (the file is rewritten atomically
// after each row). Returns the number of rows run now. Progress lines go to `log`.
size_t run_sweep(const std::vector<EvalProblem>& problems, const SweepGrid& grid, const EvalSettings& base,
                 const std::string& csv_path, std::ostream& log);

// The solver specs already present in a sweep CSV (empty if the file does not exist).
std::vector<std::string> completed_specs(const std::string& csv_path);

}  // namespace ebm::sudoku
