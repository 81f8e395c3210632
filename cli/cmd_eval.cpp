// `ebm eval`: the evaluation harness: several solvers, one dataset, one device, one seed.
#include "cli/commands.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"
#include "ebm/version.h"
#include "tasks/sudoku/evaluation.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/sweep.h"

#include <torch/version.h>
#include <unistd.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace ebm::cli {

namespace {

struct EvalFlags {
  std::string task = "sudoku", input, tier = "hardest", device = "cpu", json, csv;
  int count = 100, threads = 1;
  uint64_t data_seed = 1, seed = 0;
  double budget_ms = 10000;
  int64_t batch = 8;
  std::vector<std::string> solvers;
};

std::vector<sudoku::EvalProblem> eval_problems(const EvalFlags& f) {
  std::vector<sudoku::EvalProblem> problems;
  if (!f.input.empty()) {
    std::ifstream in(f.input);
    if (!in) throw std::runtime_error("cannot open input file '" + f.input + "'");
    for (auto& r : sudoku::read_puzzles(in, f.input)) problems.push_back({r.puzzle, r.solution});
    return problems;
  }
  sudoku::GeneratorOptions options;
  options.count = f.count;
  options.tier = sudoku::parse_tier(f.tier);
  options.seed = f.data_seed;
  for (const auto& g : sudoku::generate(options)) problems.push_back({g.puzzle, g.solution});
  return problems;
}

// Flags `eval` and `sweep` share: the dataset ...
void add_dataset_flags(CLI::App* cmd, EvalFlags& f) {
  cmd->add_option("--task", f.task, "task (sudoku)")->capture_default_str();
  cmd->add_option("-i,--input", f.input, "dataset file (puzzle[,solution] lines); else generated");
  cmd->add_option("--tier", f.tier, "generated tier: " + sudoku::tier_names())->capture_default_str();
  cmd->add_option("--count", f.count, "generated puzzles")->capture_default_str();
  cmd->add_option("--data-seed", f.data_seed, "generator seed")->capture_default_str();
}

// ... and how the solvers run.
void add_run_flags(CLI::App* cmd, EvalFlags& f) {
  cmd->add_option("--budget-ms", f.budget_ms, "time budget per puzzle for EBM solvers")->capture_default_str();
  cmd->add_option("--batch", f.batch, "puzzles per solver call")->capture_default_str();
  cmd->add_option("--seed", f.seed, "seed of every solver")->capture_default_str();
  cmd->add_option("--device", f.device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--threads", f.threads, "LibTorch threads")->capture_default_str();
}

sudoku::EvalSettings eval_settings(const EvalFlags& f) {
  if (f.task != "sudoku") throw std::runtime_error("unknown task '" + f.task + "' (sudoku)");
  sudoku::EvalSettings settings;
  settings.budget_ms = f.budget_ms;
  settings.batch = f.batch;
  settings.seed = f.seed;
  settings.device = resolve_device(f.device);
  return settings;
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval",
      "evaluate solvers on one dataset, device and seed; every answer is checked by the exact verifier.\n"
      "Solvers (--solver, repeatable): ebm | ebm-constraint | ebm:MODEL[,energy=...][,chains=N][,budget=MS][,sampler=SPEC]\n"
      "  | ar[:MODEL][,decode=greedy|sample:T|beam:W|best-of:N[,verifier]] | reference (classical DLX, named as such).\n"
      "Reports solve rate with 95% Wilson interval, cell accuracy, valid-but-different, unsolved, wrong-but-claimed\n"
      "(must be 0), mean/median/p95 ms, puzzles/s, evaluations or decoder positions, FLOPs, peak RSS, parameters.");
  auto f = std::make_shared<EvalFlags>();
  add_dataset_flags(cmd, *f);
  cmd->add_option("--solver", f->solvers, "solver spec (repeatable); default: ebm and reference");
  add_run_flags(cmd, *f);
  cmd->add_option("--json", f->json, "write every field and the configuration as JSON (atomically)");
  cmd->add_option("--csv", f->csv, "write one row per solver as CSV (atomically)");
  cmd->callback([f] {
    sudoku::EvalSettings settings = eval_settings(*f);
    const int threads = set_threads(f->threads);
    auto problems = eval_problems(*f);
    if (problems.empty()) throw std::runtime_error("no problems in the dataset");
    settings.solvers = f->solvers.empty() ? std::vector<std::string>{"ebm", "reference"} : f->solvers;
    const bool bar = isatty(STDERR_FILENO);
    auto report = sudoku::evaluate(problems, settings, [&](const std::string& solver, size_t done, size_t total) {
      if (!bar) return;
      const int width = 30, filled = static_cast<int>(width * done / total);
      std::cerr << "\r" << std::left << std::setw(24) << solver.substr(0, 23) << " [" << std::string(filled, '#')
                << std::string(width - filled, '.') << "] " << done << "/" << total << std::flush;
      if (done == total) std::cerr << "\n";
    });

    std::cout << problems.size() << " puzzles (" << (f->input.empty() ? "generated " + f->tier : f->input) << "), "
              << device_description(settings.device) << ", seed " << f->seed << "\n"
              << std::left << std::setw(24) << "solver" << std::right << std::setw(9) << "solved" << std::setw(17)
              << "95% interval" << std::setw(8) << "cells" << std::setw(7) << "wrong" << std::setw(10) << "mean ms"
              << std::setw(9) << "p95 ms" << std::setw(9) << "puz/s" << std::setw(11) << "GFLOP/puz" << std::setw(10)
              << "params" << "\n";
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : report.solvers) {
      std::ostringstream interval;
      interval << std::fixed << std::setprecision(1) << "[" << 100 * e.solve_rate_low95 << ", "
               << 100 * e.solve_rate_high95 << "]";
      std::cout << std::left << std::setw(24) << e.name.substr(0, 23) << std::right << std::setw(8) << std::fixed
                << std::setprecision(1) << 100 * e.solve_rate << "%" << std::setw(17) << interval.str() << std::setw(7)
                << 100 * e.cell_accuracy << "%" << std::setw(7) << e.wrong_claimed << std::setw(10)
                << std::setprecision(2) << e.mean_ms << std::setw(9) << e.p95_ms << std::setw(9)
                << std::setprecision(1) << e.problems_per_second << std::setw(11) << std::setprecision(4)
                << e.mean_flops / 1e9 << std::setw(10) << e.parameters << "\n";
      rows.push_back(sudoku::to_json(e));
    }
    std::cout << "harness overhead " << std::setprecision(2) << 100 * report.harness_overhead << "% of "
              << report.total_seconds << " s\n";
    nlohmann::json out{{"task", f->task},
                       {"dataset", f->input.empty() ? nlohmann::json{{"generated", f->tier}, {"count", f->count},
                                                                      {"seed", f->data_seed}}
                                                     : nlohmann::json{{"file", f->input}}},
                       {"problems", problems.size()},
                       {"seed", f->seed},
                       {"device", device_description(settings.device)},
                       {"threads", threads},
                       {"budget_ms", f->budget_ms},
                       {"batch", f->batch},
                       {"versions", {{"ebm", EBM_VERSION}, {"libtorch", TORCH_VERSION}}},
                       {"harness_overhead", report.harness_overhead},
                       {"total_seconds", report.total_seconds},
                       {"solvers", rows}};
    if (!f->json.empty()) write_file_atomically(f->json, out.dump(2) + "\n");
    if (!f->csv.empty()) {
      std::ostringstream csv;
      std::vector<std::string> keys;
      for (auto it = rows.front().begin(); it != rows.front().end(); ++it) keys.push_back(it.key());
      for (size_t k = 0; k < keys.size(); ++k) csv << (k ? "," : "") << keys[k];
      csv << ",seed\n";
      for (const auto& r : rows) {
        for (size_t k = 0; k < keys.size(); ++k) {
          const auto& v = r[keys[k]];
          std::string field = v.is_object() ? v.dump() : (v.is_string() ? v.get<std::string>() : v.dump());
          if (v.is_object() || v.is_string()) {
            std::string escaped;
            for (char c : field) escaped += c == '"' ? std::string("\"\"") : std::string(1, c);
            field = "\"" + escaped + "\"";
          }
          csv << (k ? "," : "") << field;
        }
        csv << "," << f->seed << "\n";
      }
      write_file_atomically(f->csv, csv.str());
    }
  });
}

void add_sweep_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "sweep",
      "accuracy against compute: a grid over each solver's compute knobs on one dataset, one CSV row per\n"
      "(solver, setting) written as it finishes. EBM: --energy x --chains x --steps; AR: --ar MODEL with\n"
      "--decode specs (greedy, beam:W, best-of:N, sample:T). Resumable: rerun the same command and the rows\n"
      "already in --output are skipped. Plot with notebooks/accuracy_vs_compute.ipynb.");
  auto f = std::make_shared<EvalFlags>();
  auto grid = std::make_shared<sudoku::SweepGrid>();
  auto output = std::make_shared<std::string>("sweep.csv");
  auto no_reference = std::make_shared<bool>(false);
  add_dataset_flags(cmd, *f);
  cmd->add_option("--energy", grid->energies, "EBM energies: constraint, learned, combined")->capture_default_str();
  cmd->add_option("--chains", grid->chains, "EBM chains per puzzle (grid)");
  cmd->add_option("--steps", grid->steps, "EBM step budgets (grid)");
  cmd->add_option("--ar", grid->ar_model, "AR checkpoint for AR rows");
  cmd->add_option("--decode", grid->decodes, "AR decode specs (grid)");
  cmd->add_flag("--no-reference", *no_reference, "leave out the DLX reference row");
  add_run_flags(cmd, *f);
  cmd->add_option("-o,--output", *output, "sweep CSV (appended row by row; resumed if it exists)")->capture_default_str();
  cmd->callback([f, grid, output, no_reference] {
    sudoku::EvalSettings settings = eval_settings(*f);
    if (grid->chains.empty() != grid->steps.empty()) throw std::runtime_error("--chains and --steps go together");
    if (!grid->ar_model.empty() && grid->decodes.empty()) grid->decodes = {"greedy"};
    grid->reference = !*no_reference;
    set_threads(f->threads);
    auto problems = eval_problems(*f);
    const size_t ran = sudoku::run_sweep(problems, *grid, settings, *output, std::cerr);
    std::cout << "sweep: " << ran << " row(s) run now, " << sudoku::completed_specs(*output).size() << " in " << *output
              << "\n";
  });
}

}  // namespace ebm::cli
