// Solver: what the evaluation harness calls. "Answer this batch of a task's problems within this
// budget." Implemented by the EBM (energy + sampler, ebm/samplers/task_solver.h), by a task's extra
// solvers (the AR baseline), and by the classical reference (reference_solver() below, named as such).
//
// Time, the same for every solver:
//   latency_ms  from the start of the solve() call until this problem's answer was final
//               (the EBM: until its last chain stopped; a batch=1 run makes it the wall time per problem);
//   the harness adds the amortised time per problem = wall time of the call / problems in it.
#pragma once

#include "ebm/task.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ebm {

// How every solver of one evaluation runs.
struct SolverContext {
  double budget_ms = 10000.0;  // wall-clock bound per problem (EBM: per batch run)
  int64_t batch = 8;           // problems per solve() call
  uint64_t seed = 0;
  torch::Device device = torch::kCPU;
};

struct Outcome {
  AnswerPtr answer;        // null = the solver produced no answer
  bool claimed = false;    // the solver's own "verified" flag (the harness re-verifies every answer)
  double energy = std::numeric_limits<double>::quiet_NaN();  // EBM: energy of the answer's state
  int64_t steps = 0;             // sampler steps (EBM)
  double evaluations = 0.0;      // candidate energy evaluations (EBM)
  double forward_passes = 0.0;   // decoder positions (AR)
  double flops = 0.0;            // estimated FLOPs spent on this problem
  double latency_ms = 0.0;       // see above
};

class Solver {
 public:
  virtual ~Solver() = default;
  virtual std::string name() const = 0;          // short, for tables: "ebm", "ar:greedy", "reference-dlx"
  virtual nlohmann::json config() const = 0;     // settings, checkpoint path and hash, sampler spec
  virtual int64_t parameters() const { return 0; }  // learned parameters
  // True when the task's exact verifier steers this solver's search (EBM chains that stop when it
  // accepts, AR samples drawn until one verifies or ranked by it), not only judges its final answer.
  // Asked after the solve() calls, so a solver may find out while solving.
  virtual bool uses_verifier() const { return false; }
  // One outcome per problem, in order.
  virtual std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) = 0;
};

using SolverPtr = std::unique_ptr<Solver>;

// The task's classical reference solver (Task::solve_reference) as a Solver named
// "reference-<task's reference name>"; throws std::invalid_argument when the task has none.
SolverPtr reference_solver(const TaskPtr& task, const SolverContext& context);

// Parsing helpers of solver specs, shared by the EBM's and the tasks' own solvers.
// "head,key=value,...,last=rest" -> (the comma-separated head parts, the text after `last_key`=),
// splitting off `last_key`= first since its value may hold commas ("rest" is "" when it is absent).
std::pair<std::vector<std::string>, std::string> split_solver_spec(const std::string& text,
                                                                   const std::string& last_key);
// budget=MS of a solver spec: a finite number of milliseconds > 0, else std::invalid_argument naming
// the spec ("solver 'ebm:budget=x': budget must be milliseconds > 0, got 'x'").
double parse_budget_ms(const std::string& spec, const std::string& text);

// FNV-1a 64 of a file's bytes as 16 hex digits ("" if unreadable): identifies checkpoints in reports.
std::string file_hash(const std::string& path);

}  // namespace ebm
