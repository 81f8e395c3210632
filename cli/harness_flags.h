// What `ebm eval`, `ebm sweep` and `ebm bench TASK` share: the run flags every solver gets, the
// solvers built from specs, the harness's table and CSV, the exit status of a harness run.
#pragma once

#include <CLI/CLI.hpp>

#include "task_flags.h"

#include "ebm/harness.h"
#include "ebm/solver.h"
#include "ebm/task.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ebm::cli {

// Budget, batch, seed, device and threads of every solver of a run.
struct RunFlags {
  std::string device = "cpu";
  int threads = 1;
  uint64_t seed = 0;
  double budget_ms = 10000;
  int64_t batch = 8;
};
void add_run_flags(CLI::App* cmd, RunFlags& f);
SolverContext context_of(const RunFlags& f);
// The harness's options for a run of `problems`: --threads N > 1 with more problems than one batch spreads
// the batches over N workers, each with its own solvers (make_solver from the same spec).
HarnessOptions harness_options(const RunFlags& f, const SolverContext& context, const TaskPtr& task,
                               size_t problems, bool keep_answers);

// The flags of `eval` and `sweep`: --task, the dataset, the solvers and the outputs.
struct EvalFlags {
  std::string task = "sudoku", json, csv;
  DatasetFlags data;
  RunFlags run;
  std::vector<std::string> solvers;
};

// --task, the dataset flags and every task's problem and generator flags: what eval and sweep read.
void add_eval_flags(CLI::App* cmd, EvalFlags& f, const std::shared_ptr<TaskParameters>& parameters);

// A progress bar on a terminal (nothing otherwise).
std::function<void(const std::string&, size_t, size_t)> progress_bar();
// Every solver of `specs`, built before any runs (a bad spec fails first).
std::vector<SolverUnderTest> build_solvers(const TaskPtr& task, const std::vector<std::string>& specs,
                                           const SolverContext& context);
void print_table(const EvalReport& report);
// One CSV row per solver row of the report's JSON, every field but the answers, and the seed.
std::string rows_csv(const nlohmann::json& rows, uint64_t seed);
// The exit status of a harness run: 4 when a solver claimed an answer that the exact verifier
// rejects (named on stderr), else 3 when some solver left some problem unsolved, else 0.
void set_harness_exit_status(const EvalReport& report);
// A dataset file's known answers must solve their problems (givens kept, accepted by the exact
// verifier): a harness that scored against a wrong column would report nonsense. Generated data
// are right by construction and not re-checked.
void check_known_answers(const Task& task, const std::vector<Example>& examples, const DatasetFlags& data);

}  // namespace ebm::cli
