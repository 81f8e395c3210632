// Sudoku benchmark (`ebm bench sudoku`): solve rate and time of the EBM solver on one puzzle set,
// at the default settings within a per-puzzle budget and over a grid of compute (chains x steps),
// beside the classical reference solver (DLX, reference_solver.h) on the same puzzles.
// The reference is timed separately and never takes part in the EBM's answers.
#pragma once

#include "tasks/sudoku/solver.h"

#include <functional>
#include <string>
#include <vector>

namespace ebm::sudoku {

struct BenchmarkRow {
  std::string solver;        // "ebm" or "reference-dlx"
  std::string energy;        // constraint | learned | combined ("" for the reference)
  std::string sampler;       // canonical spec ("" for the reference)
  int64_t chains = 0;        // chains per puzzle
  int64_t max_steps = 0;     // step budget per puzzle (0 = time budget only)
  double budget_ms = 0.0;    // time budget per puzzle
  int64_t puzzles = 0, solved = 0;
  double solved_low = 0.0, solved_high = 1.0;  // 95% Wilson interval of the solve rate
  int64_t wrong = 0;         // answers claimed verified that the exact verifier rejects (must be 0)
  double mean_ms = 0.0, median_ms = 0.0, p95_ms = 0.0, max_ms = 0.0;  // per puzzle
  double mean_evaluations = 0.0;  // candidate energy evaluations per puzzle
  double compute = 0.0;           // chains x max_steps (the grid's compute axis)
};

struct BenchmarkPlan {
  std::vector<std::string> energies = {"constraint"};
  std::string model;
  std::vector<int64_t> chains;     // grid; empty = no grid
  std::vector<int64_t> steps;      // grid; empty = no grid
  double budget_ms = 10000.0;      // per puzzle, default-settings row and cap for grid rows
  int64_t batch = 1;               // 1 = each puzzle alone (latency); larger = throughput
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
};

// Runs the plan on `puzzles`; `row_done` is called as each row finishes.
std::vector<BenchmarkRow> run_benchmark(const std::vector<Board>& puzzles, const BenchmarkPlan& plan,
                                        const std::function<void(const BenchmarkRow&)>& row_done = {});

}  // namespace ebm::sudoku
