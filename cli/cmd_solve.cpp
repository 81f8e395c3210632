// `ebm solve TASK`: one subcommand per registered task, built from the Task interface alone.
#include "commands.h"
#include "exit_codes.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"

#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <algorithm>
#include <iostream>
#include <sstream>
#include <thread>

namespace ebm::cli {

namespace {

struct SolveFlags {
  std::vector<std::string> arguments, inputs;
  std::string sampler, energy, model, device = "cpu", trace_csv, chains_csv;
  int64_t chains_every = 5;
  double budget_ms = 10000;
  int64_t batch = 8;
  int threads = 1;
  uint64_t seed = 0;
  bool json = false, quiet = false, no_board = false, competition_exit_codes = false;
  bool batch_given = false;  // --batch was on the command line
};

// Positional arguments are files for one-problem-per-file tasks, else problems written inline.
std::vector<Example> solve_input(const Task& task, const SolveFlags& f, const TaskParameters& parameters) {
  check_parameters(task, parameters);
  std::vector<Example> examples;
  std::vector<std::string> files = f.inputs;
  if (task.one_problem_per_file()) files.insert(files.end(), f.arguments.begin(), f.arguments.end());
  else
    for (const auto& text : f.arguments) {
      std::istringstream in(text);
      for (auto& e : task.read(in, "argument", parameters)) examples.push_back(std::move(e));
    }
  for (const auto& path : files)
    for (auto& e : read_problems(task, path, parameters)) examples.push_back(std::move(e));
  return examples;
}

void write_trace_csv(const std::string& path, const std::vector<TraceRow>& trace) {
  std::ostringstream csv;
  csv << "step,elapsed_ms,evaluations,running_chains,mean_energy,min_energy,mean_gradient_norm,mean_acceptance\n";
  for (const auto& r : trace)
    csv << r.step << "," << r.elapsed_ms << "," << r.evaluations << "," << r.running_chains << "," << r.mean_energy
        << "," << r.min_energy << "," << r.mean_gradient_norm << "," << r.mean_acceptance << "\n";
  write_file_atomically(path, csv.str());
}

void write_chains_csv(const std::string& path, const std::vector<ChainTraceRow>& rows) {
  std::ostringstream csv;
  csv << "step,chain,problem,energy,violations,state\n";
  for (const auto& r : rows)
    csv << r.step << "," << r.chain << "," << r.problem << "," << r.energy << "," << r.violations << "," << r.state
        << "\n";
  write_file_atomically(path, csv.str());
}

// A compact energy trace: the lowest energy at ~12 points of the run.
std::string sparkline(const std::vector<TraceRow>& trace) {
  std::ostringstream s;
  const size_t points = std::min<size_t>(12, trace.size());
  for (size_t i = 0; i < points; ++i) {
    const auto& r = trace[(trace.size() - 1) * i / std::max<size_t>(1, points - 1)];
    s << "  step " << std::setw(5) << r.step << "  E_min " << std::fixed << std::setprecision(3) << r.min_energy
      << "  chains " << r.running_chains << "\n";
  }
  return s.str();
}

void run_solve(const TaskPtr& task, const SolveFlags& f, const TaskParameters& parameters) {
  auto examples = solve_input(*task, f, parameters);
  if (examples.empty()) throw InputError("no problems in the command line's arguments");
  std::vector<ProblemPtr> problems;
  for (const auto& e : examples) problems.push_back(e.problem);
  EbmSettings settings;
  // --threads N: more problems than one batch holds -> N workers side by side, one LibTorch thread each;
  // else N LibTorch threads inside the one batch's steps. Without --batch, the workers' batches taper
  // towards the end (fixed batches of 8 left one core idle while the other finished the last; batches of 1
  // cost ~9% more CPU than batches of 8).
  const int threads = f.threads > 0 ? f.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int64_t batch = f.batch;
  settings.taper = threads > 1 && !f.batch_given;
  if (problems.size() > static_cast<size_t>(batch) && threads > 1) {
    set_threads(1);
    settings.workers = threads;
  } else {
    set_threads(f.threads);
  }
  settings.energy = {f.energy, f.model, nullptr};
  settings.sampler = f.sampler;
  settings.budget_ms = f.budget_ms;
  settings.batch = batch;
  settings.seed = f.seed;
  settings.device = resolve_device(f.device);
  const bool single_on_terminal = problems.size() == 1 && !f.json && isatty(STDOUT_FILENO) && !f.no_board &&
                                  !task->render(*problems.front(), nullptr, true).empty();
  settings.trace = single_on_terminal || !f.trace_csv.empty();
  if (!f.chains_csv.empty()) settings.trace_chains_every = f.chains_every;
  const bool show_progress = !f.quiet && problems.size() > 1 && isatty(STDERR_FILENO);
  auto report = solve_with_energy(*task, problems, settings, [&](size_t done, size_t total) {
    if (show_progress) std::cerr << "\rsolved batches: " << done << "/" << total << " problems" << std::flush;
  });
  if (show_progress) std::cerr << "\n";
  if (!f.trace_csv.empty()) write_trace_csv(f.trace_csv, report.trace);
  if (!f.chains_csv.empty()) write_chains_csv(f.chains_csv, report.chain_trace);

  size_t verified = 0;
  for (size_t i = 0; i < problems.size(); ++i) {
    const auto& s = report.problems[i];
    const Answer* answer = s.verified ? s.answer.get() : nullptr;
    verified += s.verified;
    if (f.json) {
      nlohmann::json line = task->problem_fields(*problems[i]);
      line.update(nlohmann::json{{"problem", problems[i]->source},
                          {"answer", answer ? task->answer_json(*problems[i], *answer) : nlohmann::json(nullptr)},
                          {"verified", s.verified},
                          {"energy", s.energy},
                          {"steps", s.steps},
                          {"energy_evaluations", s.evaluations},
                          {"milliseconds", s.ms},
                          {"chains", s.chains}});
      std::cout << line.dump() << "\n";
    } else if (single_on_terminal) {
      std::cout << task->render(*problems[i], answer, true) << "\n"
                << (s.verified ? "verified: yes" : "verified: no (unsolved)") << "   energy " << s.energy << "   steps "
                << s.steps << "   evaluations " << s.evaluations << "   " << std::fixed << std::setprecision(1) << s.ms
                << " ms   chains " << s.chains << "\n"
                << "energy trace (lowest energy among running chains):\n"
                << sparkline(report.trace);
    } else {
      task->write_answer(std::cout, *problems[i], answer);
    }
  }
  std::cout << std::flush;
  if (!f.quiet && problems.size() > 1)
    std::cerr << "verified " << verified << "/" << problems.size() << " in " << std::fixed << std::setprecision(0)
              << report.total_ms << " ms (" << std::setprecision(1) << report.total_ms / problems.size()
              << " ms per problem); sampler " << report.sampler << "\n";
  exit_status() = f.competition_exit_codes ? task->exit_status(verified, problems.size())
                  : verified == problems.size()  ? kExitOk
                                                 : kExitUnsolved;
}

void add_solve_task(CLI::App* solve, const TaskPtr& task) {
  auto* cmd = solve->add_subcommand(
      task->name(), "solve " + task->name() + " problems by energy minimisation.\nInput: " + task->input_format() +
                        "\nOutput: " + task->output_format() +
                        "\n--json prints one JSON object per problem instead: problem, answer (null unless "
                        "verified), verified, energy, steps, energy_evaluations, milliseconds, chains.");
  auto f = std::make_shared<SolveFlags>();
  auto parameters = std::make_shared<TaskParameters>();
  cmd->add_option("problems", f->arguments,
                  task->one_problem_per_file() ? "problem files (" + task->file_extension() + ", '-' = stdin)"
                                               : "problems written inline, one per argument");
  cmd->add_option("-i,--input", f->inputs, "file(s) of problems ('-' = stdin)");
  add_parameter_flags(cmd, task->parameters(), ProblemParameter, parameters);
  cmd->add_flag("--json", f->json, "one JSON object per problem");
  cmd->add_option("--budget-ms", f->budget_ms, "wall-clock bound per problem (per batch run)")
      ->capture_default_str()
      ->check(real_in(0, kMaxBudgetMs, true));
  cmd->add_option("--sampler", f->sampler, "sampler spec (see `ebm samplers`); default: the task's tuned spec")
      ->check(non_empty());
  cmd->add_option("--energy", f->energy, energy_list(*task) + " (default: " + task->energy_names().front() + ")")
      ->check(non_empty());
  cmd->add_option("--model", f->model, "checkpoint of a learned energy (default: the shipped one)")->check(non_empty());
  add_device_flags(cmd, f->device, f->threads);
  cmd->get_option("--threads")->description(
      "threads: with more problems than one --batch, this many workers solve batches side by side (one\n"
      "LibTorch thread each; the answers are those of one worker); with one batch, LibTorch intra-op\n"
      "threads inside its steps. 0 = one per core");
  cmd->add_option("--seed", f->seed, "seed of the sampler")->capture_default_str()->check(unsigned_seed());
  cmd->add_option("--batch", f->batch,
                  "problems solved together in one batch (default 8; with --threads > 1 and several problems, 1:\n"
                  "the workers take the problems one at a time)")
      ->capture_default_str()
      ->check(integer_in(1, kMaxBatch));
  cmd->add_option("--trace", f->trace_csv, "write the first batch's per-step energy trace as CSV")
      ->check(writable_output());
  cmd->add_option("--trace-chains", f->chains_csv,
                  "write every running chain of the first batch (energy, rule violations of its decoded state, the\n"
                  "best chain's state) every --trace-every steps as CSV (notebooks/energy_landscape.ipynb)")
      ->check(writable_output());
  cmd->add_option("--trace-every", f->chains_every, "steps between --trace-chains records")
      ->capture_default_str()
      ->check(integer_in(1, 1000000000));
  if (task->exit_status(1, 1) != kExitOk)
    cmd->add_flag("--competition-exit-codes", f->competition_exit_codes,
                  "exit as a competition solver does: " + std::to_string(task->exit_status(1, 1)) +
                      " when every problem is solved, 0 otherwise (default: 0 solved, 3 some unsolved)");
  cmd->add_flag("--no-board", f->no_board, "print the answer in the task's format even for one problem on a terminal");
  cmd->add_flag("-q,--quiet", f->quiet, "no progress or summary on stderr");
  cmd->callback([task, f, parameters, cmd] {
    if (f->arguments.empty() && f->inputs.empty())
      throw InputError("give problems as arguments or --input FILE (see --help)");
    f->batch_given = cmd->count("--batch") > 0;
    run_solve(task, *f, *parameters);
  });
}

}  // namespace

void add_solve_command(CLI::App& app) {
  auto* solve = app.add_subcommand("solve", "solve task instances with an energy-based model (see `ebm tasks`);\n"
                                            "exit 0 every problem verified, 3 some unsolved, 2 bad input");
  solve->require_subcommand(1);
  for (const auto& task : all_tasks()) add_solve_task(solve, task);
}

}  // namespace ebm::cli
