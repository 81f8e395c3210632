// The evaluation harness (`ebm eval --task TASK`): runs any set of solvers on one dataset, one
// device and one seed, checks every answer with the task's exact verifier itself (never trusting a
// solver's own flag), and reports per solver:
//   exact solve rate with its 95% Wilson interval; answers equal to the dataset's solution and valid
//   but different ones; unsolved; wrong-but-claimed-verified (must be 0); the task's measures
//   (Task::measure, e.g. cell_accuracy, mpe_percent) averaged over the problems that got an answer;
//   latency per problem (mean / median / p95: from the start of the solver call until that
//   problem's answer was final) and amortised time per problem (wall time of the calls / problems);
//   problems per second; energy evaluations or decoder positions; estimated FLOPs; the peak resident
//   memory while this solver ran (the process peak is reset before each solver, so earlier solvers
//   do not count) and its growth over the memory in use before it; parameters; whether the solver
//   used the verifier inside its search (Solver::uses_verifier); device.
// The harness knows no task and no solver kind: both arrive as interface objects.
#pragma once

#include "ebm/solver.h"
#include "ebm/task.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ebm {

struct SolverEvaluation {
  std::string spec, name;
  nlohmann::json config;
  int64_t problems = 0, solved = 0, matches_reference = 0, valid_but_different = 0, unsolved = 0,
          wrong_claimed = 0;
  double solve_rate = 0.0, solve_rate_low95 = 0.0, solve_rate_high95 = 1.0;
  std::map<std::string, double> measures;  // Task::measure means
  double mean_ms = 0.0, median_ms = 0.0, p95_ms = 0.0;  // latency per problem
  double amortized_ms = 0.0;                            // wall time of the calls / problems
  double problems_per_second = 0.0;
  double mean_evaluations = 0.0;     // EBM: candidate energy evaluations per problem
  double mean_forward_passes = 0.0;  // AR: decoder positions per problem
  double mean_flops = 0.0;           // estimated, per problem
  double peak_rss_mb = 0.0;          // peak resident memory while this solver ran
  double rss_growth_mb = 0.0;        // that peak minus the resident memory just before it
  bool peak_rss_isolated = true;     // false when the kernel refused the reset: then a process peak
  int64_t parameters = 0;
  bool uses_verifier = false;  // Solver::uses_verifier(): the verifier steered the search, not only judged
  std::string device;
  double solver_seconds = 0.0;  // wall time inside the solver calls
  std::vector<nlohmann::json> answers;  // per problem: {"verified", "answer"} (Task::answer_json), when kept
};

struct EvalReport {
  std::vector<SolverEvaluation> solvers;
  std::string dataset;  // dataset_fingerprint of the examples
  double total_seconds = 0.0;
  double harness_overhead = 0.0;  // (total - time inside solvers) / total
};

struct HarnessOptions {
  int64_t batch = 8;           // problems per solve() call
  torch::Device device = torch::kCPU;
  bool keep_answers = false;   // record every answer (Task::answer_json) so others can re-check them
  // Workers solving batches side by side, each with its own copy of the solver made by `replicate` from its
  // spec (so every solver under test, baselines included, gets the same number) and one LibTorch thread.
  // With workers > 1 a solver's time (solver_seconds, amortised ms, problems per second) is the wall-clock
  // time of its whole pass; latencies stay per problem. The outcomes are those of the batches solved
  // alone: each batch's seed and budget are its own.
  int workers = 1;
  std::function<SolverPtr(const std::string& spec)> replicate;
};

// A named solver under evaluation: its spec text and the object.
struct SolverUnderTest {
  std::string spec;
  SolverPtr solver;
};

// Runs every solver on `examples`; `progress(spec, done, total)` after each call.
// Throws std::invalid_argument for no examples, batch < 1, workers < 1, or workers > 1 without `replicate`.
EvalReport evaluate(const Task& task, const std::vector<Example>& examples, std::vector<SolverUnderTest>& solvers,
                    const HarnessOptions& options,
                    const std::function<void(const std::string&, size_t, size_t)>& progress = {});

// Every field of one solver's evaluation; the task's measures as top-level keys.
nlohmann::json to_json(const SolverEvaluation& e);

// 16 hex digits identifying a dataset: its problems' fingerprints, in order.
std::string dataset_fingerprint(const Task& task, const std::vector<Example>& examples);

}  // namespace ebm
