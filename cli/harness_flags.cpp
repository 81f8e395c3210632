#include "harness_flags.h"

#include "exit_codes.h"
#include "option_checks.h"

#include "ebm/device.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/sweep.h"
#include "ebm/tasks/registry.h"

#include <unistd.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

namespace ebm::cli {

void add_run_flags(CLI::App* cmd, RunFlags& f) {
  cmd->add_option("--budget-ms", f.budget_ms, "time budget per problem for EBM solvers")
      ->capture_default_str()
      ->check(real_in(0, kMaxBudgetMs, true));
  cmd->add_option("--batch", f.batch, "problems per solver call")->capture_default_str()->check(integer_in(1, kMaxBatch));
  cmd->add_option("--seed", f.seed, "seed of every solver")->capture_default_str()->check(unsigned_seed());
  add_device_flags(cmd, f.device, f.threads);
  cmd->get_option("--threads")->description(
      "threads: with more problems than one --batch, this many workers solve batches side by side, each\n"
      "with its own copy of every solver (baselines alike) and one LibTorch thread; times are then wall-clock.\n"
      "Otherwise LibTorch threads inside the one batch's steps. 0 = one per core");
}

HarnessOptions harness_options(const RunFlags& f, const SolverContext& context, const TaskPtr& task,
                               size_t problems, bool keep_answers) {
  HarnessOptions options{context.batch, context.device, keep_answers};
  const int threads = f.threads > 0 ? f.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (threads > 1 && problems > static_cast<size_t>(context.batch)) {
    options.workers = threads;
    options.replicate = [task, context](const std::string& spec) { return make_solver(task, spec, context); };
  }
  return options;
}

SolverContext context_of(const RunFlags& f) {
  SolverContext c;
  c.budget_ms = f.budget_ms;
  c.batch = f.batch;
  c.seed = f.seed;
  c.device = resolve_device(f.device);
  return c;
}

void add_eval_flags(CLI::App* cmd, EvalFlags& f, const std::shared_ptr<TaskParameters>& parameters) {
  cmd->add_option("--task", f.task, "task: " + task_names())->capture_default_str();
  add_dataset_flags(cmd, f.data, "problems");
  add_parameter_flags(cmd, all_task_parameters(), GenerateParameter | ProblemParameter, parameters);
}

std::function<void(const std::string&, size_t, size_t)> progress_bar() {
  const bool bar = isatty(STDERR_FILENO);
  return [bar](const std::string& solver, size_t done, size_t total) {
    if (!bar) return;
    const int width = 30, filled = static_cast<int>(width * done / total);
    std::cerr << "\r" << std::left << std::setw(24) << solver.substr(0, 23) << " [" << std::string(filled, '#')
              << std::string(width - filled, '.') << "] " << done << "/" << total << std::flush;
    if (done == total) std::cerr << "\n";
  };
}

std::vector<SolverUnderTest> build_solvers(const TaskPtr& task, const std::vector<std::string>& specs,
                                           const SolverContext& context) {
  std::vector<SolverUnderTest> solvers;
  for (const auto& spec : specs) solvers.push_back({spec, make_solver(task, spec, context)});  // fail before any run
  return solvers;
}

void print_table(const EvalReport& report) {
  std::vector<std::string> measures;
  for (const auto& e : report.solvers)
    for (const auto& [name, value] : e.measures)
      if (std::find(measures.begin(), measures.end(), name) == measures.end()) measures.push_back(name);
  std::cout << std::left << std::setw(24) << "solver" << std::right << std::setw(9) << "solved" << std::setw(17)
            << "95% interval";
  for (const auto& m : measures) std::cout << std::setw(std::max<int>(10, m.size() + 2)) << m;
  std::cout << std::setw(7) << "wrong" << std::setw(11) << "latency ms" << std::setw(9) << "p95 ms" << std::setw(14)
            << "amortised ms" << std::setw(9) << "prob/s" << std::setw(11) << "GFLOP/prob" << std::setw(10) << "params"
            << std::setw(9) << "peak MB" << std::setw(10) << "verifier" << "\n";
  for (const auto& e : report.solvers) {
    std::ostringstream interval;
    interval << std::fixed << std::setprecision(1) << "[" << 100 * e.solve_rate_low95 << ", " << 100 * e.solve_rate_high95
             << "]";
    std::cout << std::left << std::setw(24) << e.name.substr(0, 23) << std::right << std::setw(8) << std::fixed
              << std::setprecision(1) << 100 * e.solve_rate << "%" << std::setw(17) << interval.str();
    for (const auto& m : measures) {
      auto it = e.measures.find(m);
      std::ostringstream v;
      if (it == e.measures.end()) v << "-";
      else v << std::fixed << std::setprecision(3) << it->second;
      std::cout << std::setw(std::max<int>(10, m.size() + 2)) << v.str();
    }
    std::cout << std::setw(7) << e.wrong_claimed << std::setw(11) << std::setprecision(2) << e.mean_ms << std::setw(9)
              << e.p95_ms << std::setw(14) << e.amortized_ms << std::setw(9) << std::setprecision(1)
              << e.problems_per_second << std::setw(11) << std::setprecision(4) << e.mean_flops / 1e9 << std::setw(10)
              << e.parameters << std::setw(9) << std::setprecision(0) << e.peak_rss_mb << std::setw(10)
              << (e.uses_verifier ? "in loop" : "judge") << "\n";
  }
  std::cout << "harness overhead " << std::setprecision(2) << 100 * report.harness_overhead << "% of "
            << report.total_seconds << " s\n";
}

std::string rows_csv(const nlohmann::json& rows, uint64_t seed) {
  std::ostringstream csv;
  std::vector<std::string> keys;
  for (auto it = rows.front().begin(); it != rows.front().end(); ++it)
    if (it.key() != "answers") keys.push_back(it.key());
  for (size_t k = 0; k < keys.size(); ++k) csv << (k ? "," : "") << keys[k];
  csv << ",seed\n";
  for (const auto& r : rows) {
    for (size_t k = 0; k < keys.size(); ++k) {
      const auto& v = r.contains(keys[k]) ? r[keys[k]] : nlohmann::json();
      csv << (k ? "," : "") << csv_field(v.is_string() ? v.get<std::string>() : v.dump());
    }
    csv << "," << seed << "\n";
  }
  return csv.str();
}

void set_harness_exit_status(const EvalReport& report) {
  for (const auto& e : report.solvers) {
    if (e.wrong_claimed > 0) {
      std::cerr << "ebm: error: solver '" << e.spec << "' claimed " << e.wrong_claimed
                << " answer(s) verified that the exact verifier rejects\n";
      raise_exit_status(kExitWrongClaim);
    }
    if (e.unsolved > 0) raise_exit_status(kExitUnsolved);
  }
}

void check_known_answers(const Task& task, const std::vector<Example>& examples, const DatasetFlags& data) {
  if (data.inputs.empty()) return;
  for (const auto& e : examples) {
    std::string why;
    if (e.solution && !task.verify(*e.problem, *e.solution, &why))
      throw InputError(e.problem->source + ": the dataset's solution does not solve its problem: " + why);
  }
}

}  // namespace ebm::cli
