// `ebm eval`, `ebm sweep` and `ebm bench TASK`: the evaluation harness on any task.
#include "commands.h"
#include "exit_codes.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"
#include "ebm/harness.h"
#include "ebm/sweep.h"
#include "ebm/version.h"
#include "ebm/samplers/registry.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"

#include <torch/version.h>
#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <sstream>

namespace ebm::cli {

namespace {

struct RunFlags {
  std::string device = "cpu";
  int threads = 1;
  uint64_t seed = 0;
  double budget_ms = 10000;
  int64_t batch = 8;
};

void add_run_flags(CLI::App* cmd, RunFlags& f) {
  cmd->add_option("--budget-ms", f.budget_ms, "time budget per problem for EBM solvers")
      ->capture_default_str()
      ->check(real_in(0, kMaxBudgetMs, true));
  cmd->add_option("--batch", f.batch, "problems per solver call")->capture_default_str()->check(integer_in(1, kMaxBatch));
  cmd->add_option("--seed", f.seed, "seed of every solver")->capture_default_str()->check(unsigned_seed());
  cmd->add_option("--device", f.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--threads", f.threads, "LibTorch threads (0 = LibTorch default)")
      ->capture_default_str()
      ->check(thread_count());
}

SolverContext context_of(const RunFlags& f) {
  SolverContext c;
  c.budget_ms = f.budget_ms;
  c.batch = f.batch;
  c.seed = f.seed;
  c.device = resolve_device(f.device);
  return c;
}

// A progress bar on a terminal.
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

// The exit status of a harness run: 4 when a solver claimed an answer that the exact verifier
// rejects (named on stderr), else 3 when some solver left some problem unsolved, else 0.
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

// A dataset file's known answers must solve their problems (givens kept, accepted by the exact
// verifier): a harness that scored against a wrong column would report nonsense. Generated data
// are right by construction and not re-checked.
void check_known_answers(const Task& task, const std::vector<Example>& examples, const DatasetFlags& data) {
  if (data.inputs.empty()) return;
  for (const auto& e : examples) {
    std::string why;
    if (e.solution && !task.verify(*e.problem, *e.solution, &why))
      throw InputError(e.problem->source + ": the dataset's solution does not solve its problem: " + why);
  }
}

struct EvalFlags {
  std::string task = "sudoku", json, csv;
  DatasetFlags data;
  RunFlags run;
  std::vector<std::string> solvers;
};

std::string solver_help_for_all_tasks() {
  std::string help;
  for (const auto& t : all_tasks())
    if (!solver_choices(*t).empty()) help += "\n  " + t->name() + ": " + solver_choices(*t);
  return help;
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval",
      "evaluate solvers on one dataset, device and seed; every answer is checked by the task's exact verifier.\n"
      "Solvers (--solver, repeatable): ebm | ebm-ENERGY | ebm:[MODEL,][energy=E,][model=M,][chains=N,][steps=N,]"
      "[budget=MS,][sampler=SPEC]\n  | reference (the task's classical solver, named as such) | task-specific ones:" +
          solver_help_for_all_tasks() +
          "\nReports solve rate with 95% Wilson interval, the task's measures, valid-but-different, unsolved,\n"
          "wrong-but-claimed (must be 0: otherwise exit 4), latency and amortised ms per problem, problems/s,\n"
          "evaluations or decoder positions, FLOPs, peak memory per solver, parameters, and whether the solver used\n"
          "the verifier inside its search ('in loop': EBM chains stopping on it, AR until-verified / best-of ranked by\n"
          "it) or only as the final judge ('judge'). --json holds every answer. A dataset's known answers are\n"
          "checked first (givens kept, accepted by the verifier). Exit status: 0 every solver solved every\n"
          "problem, 3 some problem unsolved by some solver, 4 a wrong claim, 2 bad input.");
  auto f = std::make_shared<EvalFlags>();
  auto parameters = std::make_shared<TaskParameters>();
  cmd->add_option("--task", f->task, "task: " + task_names())->capture_default_str();
  add_dataset_flags(cmd, f->data, "problems");
  add_parameter_flags(cmd, all_task_parameters(), GenerateParameter | ProblemParameter, parameters);
  cmd->add_option("--solver", f->solvers, "solver spec (repeatable); default: ebm and reference");
  add_run_flags(cmd, f->run);
  cmd->add_option("--json", f->json, "write every field, the configuration and every answer as JSON (atomically)")
      ->check(writable_output());
  cmd->add_option("--csv", f->csv, "write one row per solver as CSV (atomically)")->check(writable_output());
  cmd->callback([f, parameters] {
    const TaskPtr task = find_task(f->task);
    const SolverContext context = context_of(f->run);
    const int threads = set_threads(f->run.threads);
    auto examples = load_dataset(*task, f->data, *parameters);
    if (examples.empty()) throw InputError("no problems in the dataset");
    check_known_answers(*task, examples, f->data);
    auto specs = f->solvers;
    if (specs.empty()) {
      specs = {"ebm"};
      if (!task->reference_name().empty()) specs.push_back("reference");
    }
    auto solvers = build_solvers(task, specs, context);
    HarnessOptions options;
    options.batch = context.batch;
    options.device = context.device;
    options.keep_answers = !f->json.empty();
    auto report = evaluate(*task, examples, solvers, options, progress_bar());

    std::cout << task->name() << ": " << dataset_text(f->data, examples.size()) << ", "
              << device_description(context.device) << ", seed " << f->run.seed << "\n";
    print_table(report);
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : report.solvers) rows.push_back(to_json(e));
    nlohmann::json dataset = dataset_json(f->data, *parameters);
    dataset["fingerprint"] = report.dataset;
    nlohmann::json out{{"task", task->name()},
                       {"dataset", dataset},
                       {"problems", examples.size()},
                       {"seed", f->run.seed},
                       {"device", device_description(context.device)},
                       {"threads", threads},
                       {"budget_ms", f->run.budget_ms},
                       {"batch", f->run.batch},
                       {"versions", {{"ebm", EBM_VERSION}, {"libtorch", TORCH_VERSION}}},
                       {"harness_overhead", report.harness_overhead},
                       {"total_seconds", report.total_seconds},
                       {"solvers", rows}};
    if (!f->json.empty()) write_file_atomically(f->json, out.dump(2) + "\n");
    if (!f->csv.empty()) write_file_atomically(f->csv, rows_csv(rows, f->run.seed));
    set_harness_exit_status(report);
  });
}

void add_sweep_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sweep",
      "accuracy against compute: a grid over each solver's compute knobs on one dataset, one CSV row per\n"
      "(solver, setting) written as it finishes. EBM: --energy x --chains x --steps; AR (tasks with one): --ar MODEL\n"
      "with --decode specs (greedy, beam:W, best-of:N, sample:T, until-verified:N within --budget-ms); --solver adds\n"
      "any other spec. Resumable: rerun the same command and the rows already in --output are skipped; a different\n"
      "dataset, budget, batch or seed is refused (exit 2), naming each difference. Plot with\n"
      "notebooks/accuracy_vs_compute.ipynb. Exit status: 0 (rows with unsolved problems are the measurement, not\n"
      "a failure), 4 when a solver claimed a wrong answer, 2 bad input.");
  auto f = std::make_shared<EvalFlags>();
  auto parameters = std::make_shared<TaskParameters>();
  auto energies = std::make_shared<std::vector<std::string>>();
  auto chains = std::make_shared<std::vector<int64_t>>();
  auto steps = std::make_shared<std::vector<int64_t>>();
  auto ar = std::make_shared<std::string>();
  auto decodes = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>("sweep.csv");
  auto no_reference = std::make_shared<bool>(false);
  cmd->add_option("--task", f->task, "task: " + task_names())->capture_default_str();
  add_dataset_flags(cmd, f->data, "problems");
  add_parameter_flags(cmd, all_task_parameters(), GenerateParameter | ProblemParameter, parameters);
  cmd->add_option("--energy", *energies, "EBM energies (default: the task's default energy)");
  cmd->add_option("--chains", *chains, "EBM chains per problem (grid)")->check(integer_in(1, kMaxChains));
  cmd->add_option("--steps", *steps, "EBM step budgets (grid)")->check(integer_in(1, 1000000000));
  cmd->add_option("--ar", *ar, "AR checkpoint for AR rows");
  cmd->add_option("--decode", *decodes, "AR decode specs (grid)");
  cmd->add_option("--solver", f->solvers, "further solver specs, one row each");
  cmd->add_flag("--no-reference", *no_reference, "leave out the classical reference row");
  add_run_flags(cmd, f->run);
  cmd->add_option("-o,--output", *output, "sweep CSV (appended row by row; resumed if it exists)")
      ->capture_default_str()
      ->check(writable_output());
  cmd->callback([=] {
    const TaskPtr task = find_task(f->task);
    const SolverContext context = context_of(f->run);
    if (chains->empty() != steps->empty()) throw InputError("--chains and --steps go together");
    set_threads(f->run.threads);
    std::vector<std::string> specs;
    if (!*no_reference && !task->reference_name().empty()) specs.push_back("reference");
    for (const auto& energy : energies->empty() ? std::vector<std::string>{task->energy_names().front()} : *energies)
      for (int64_t c : *chains)
        for (int64_t s : *steps)
          specs.push_back("ebm:energy=" + energy + ",sampler=" +
                          with_driver_keys(task->default_sampler(energy),
                                           "chains=" + std::to_string(c) + ",steps=" + std::to_string(s)));
    if (!ar->empty())
      for (const auto& d : decodes->empty() ? std::vector<std::string>{"greedy"} : *decodes)
        specs.push_back("ar:" + *ar + ",decode=" + d);
    specs.insert(specs.end(), f->solvers.begin(), f->solvers.end());
    auto examples = load_dataset(*task, f->data, *parameters);
    check_known_answers(*task, examples, f->data);
    SweepSettings settings;
    settings.task = task->name();
    settings.budget_ms = context.budget_ms;
    settings.harness.batch = context.batch;
    settings.harness.device = context.device;
    settings.seed = context.seed;
    const SweepOutcome outcome = run_sweep(
        *task, examples, specs, [&](const std::string& spec) { return make_solver(task, spec, context); }, settings,
        *output, std::cerr);
    std::cout << "sweep: " << outcome.ran << " row(s) run now, " << completed_specs(*output).size() << " in "
              << *output << "\n";
    if (outcome.wrong_claimed > 0) {
      std::cerr << "ebm: error: " << outcome.wrong_claimed
                << " answer(s) claimed verified that the exact verifier rejects (see the wrong_claimed column)\n";
      raise_exit_status(kExitWrongClaim);
    }
  });
}

namespace {

struct BenchFlags {
  DatasetFlags data;
  RunFlags run;
  std::vector<std::string> energies;
  std::string model, csv, json;
  std::vector<int64_t> chains, steps;
};

std::string with_model(const std::string& spec, const std::string& model) {
  return model.empty() ? spec : spec + ",model=" + model;
}

}  // namespace

void add_bench_task_commands(CLI::App& bench) {
  for (const auto& task : all_tasks()) {
    auto* cmd = bench.add_subcommand(
        task->name(),
        "solve rate and time per problem of the EBM on one problem set: the default settings within --budget-ms per\n"
        "problem, then a grid of compute (--chains x --steps), per --energy; the classical reference (" +
            (task->reference_name().empty() ? std::string("none for this task") : task->reference_name()) +
            ") timed on the same problems first, never part of an EBM answer. Problems: --input FILE(s), or generated\n"
            "(--count, --data-seed, --split and the task's generator flags). Each problem alone by default (--batch 1).\n"
            "Exit status: 0 every problem solved by every row, 3 some unsolved, 4 a wrong claim, 2 bad input.");
    auto f = std::make_shared<BenchFlags>();
    f->run.batch = 1;
    auto parameters = std::make_shared<TaskParameters>();
    add_dataset_flags(cmd, f->data, "problems");
    add_parameter_flags(cmd, task->parameters(), GenerateParameter | ProblemParameter, parameters);
    cmd->add_option("--energy", f->energies, "energies to compare (default: " + task->energy_names().front() + ")");
    cmd->add_option("--model", f->model, "learned energy checkpoint (for learned energies)");
    cmd->add_option("--chains", f->chains, "grid: chains per problem (e.g. 1 4 16)")->check(integer_in(1, kMaxChains));
    cmd->add_option("--steps", f->steps, "grid: step budgets per problem (e.g. 100 400 1600)")
        ->check(integer_in(1, 1000000000));
    add_run_flags(cmd, f->run);
    cmd->add_option("--csv", f->csv, "write rows as CSV (atomically)")->check(writable_output());
    cmd->add_option("--json", f->json, "write rows, setup and every answer as JSON (atomically)")
        ->check(writable_output());
    cmd->callback([task, f, parameters] {
      if (f->chains.empty() != f->steps.empty()) throw InputError("--chains and --steps go together");
      const SolverContext context = context_of(f->run);
      const int threads = set_threads(f->run.threads);
      auto examples = load_dataset(*task, f->data, *parameters);
      if (examples.empty()) throw InputError("no problems to benchmark");
      check_known_answers(*task, examples, f->data);
      std::vector<std::string> specs;
      if (!task->reference_name().empty()) specs.push_back("reference");
      for (const auto& energy : f->energies.empty() ? std::vector<std::string>{task->energy_names().front()} : f->energies) {
        specs.push_back(with_model("ebm:energy=" + energy, f->model));
        for (int64_t c : f->chains)
          for (int64_t s : f->steps)
            specs.push_back(with_model("ebm:energy=" + energy, f->model) + ",chains=" + std::to_string(c) +
                            ",steps=" + std::to_string(s));
      }
      auto solvers = build_solvers(task, specs, context);
      HarnessOptions options;
      options.batch = context.batch;
      options.device = context.device;
      options.keep_answers = !f->json.empty();
      std::cout << task->name() << ": " << dataset_text(f->data, examples.size()) << ", "
                << device_description(context.device) << ", batch " << context.batch << ", budget "
                << context.budget_ms << " ms per problem\n";
      auto report = evaluate(*task, examples, solvers, options, progress_bar());
      print_table(report);
      nlohmann::json rows = nlohmann::json::array();
      for (const auto& e : report.solvers) rows.push_back(to_json(e));
      if (!f->csv.empty()) write_file_atomically(f->csv, rows_csv(rows, context.seed));
      if (!f->json.empty()) {
        nlohmann::json dataset = dataset_json(f->data, *parameters);
        dataset["fingerprint"] = report.dataset;
        nlohmann::json out{{"task", task->name()}, {"dataset", dataset},  {"problems", examples.size()},
                           {"device", device_description(context.device)}, {"threads", threads},
                           {"batch", context.batch}, {"budget_ms", context.budget_ms}, {"seed", context.seed},
                           {"rows", rows}};
        write_file_atomically(f->json, out.dump(2) + "\n");
      }
      set_harness_exit_status(report);
    });
  }
}

}  // namespace ebm::cli
