// `ebm generate sudoku` and `ebm solve sudoku`.
#include "cli/commands.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"
#include "tasks/sudoku/generator.h"
#include "tasks/sudoku/solver.h"
#include "tasks/sudoku/ar_training.h"
#include "tasks/sudoku/training.h"
#include "tasks/sudoku/benchmark.h"

#include <unistd.h>

#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ebm::cli {

namespace {

struct GenerateFlags {
  int count = 100, box = 3, threads = 0;
  std::string tier = "hard", output;
  uint64_t seed = 0;
};

struct SolveFlags {
  std::string puzzle, input, sampler, energy = "constraint", model, device = "cpu", trace_csv, chains_csv;
  int64_t chains_every = 5;
  double budget_ms = 10000;
  int64_t batch = 8;
  int threads = 1;
  uint64_t seed = 0;
  bool json = false, quiet = false, no_board = false;
};

std::vector<sudoku::Board> read_input(const SolveFlags& flags) {
  std::vector<sudoku::Board> boards;
  if (!flags.puzzle.empty()) {
    try {
      boards.push_back(sudoku::parse_board(flags.puzzle));
    } catch (const sudoku::ParseError& e) {
      throw std::runtime_error(std::string("puzzle argument: ") + e.what());
    }
    return boards;
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  std::string name = "stdin";
  if (!flags.input.empty() && flags.input != "-") {
    file.open(flags.input);
    if (!file) throw std::runtime_error("cannot open input file '" + flags.input + "'");
    in = &file;
    name = flags.input;
  }
  for (auto& record : sudoku::read_puzzles(*in, name)) boards.push_back(record.puzzle);
  return boards;
}

void write_trace_csv(const std::string& path, const std::vector<TraceRow>& trace) {
  std::ostringstream csv;
  csv << "step,elapsed_ms,evaluations,running_chains,mean_energy,min_energy,mean_gradient_norm,mean_acceptance\n";
  for (const auto& r : trace)
    csv << r.step << "," << r.elapsed_ms << "," << r.evaluations << "," << r.running_chains << "," << r.mean_energy
        << "," << r.min_energy << "," << r.mean_gradient_norm << "," << r.mean_acceptance << "\n";
  write_file_atomically(path, csv.str());
}

// A compact energy trace: min energy at ~12 points of the run.
std::string sparkline(const std::vector<TraceRow>& trace) {
  std::ostringstream s;
  if (trace.empty()) return "";
  const size_t points = std::min<size_t>(12, trace.size());
  for (size_t i = 0; i < points; ++i) {
    const auto& r = trace[(trace.size() - 1) * i / std::max<size_t>(1, points - 1)];
    s << "  step " << std::setw(5) << r.step << "  E_min " << std::fixed << std::setprecision(3) << r.min_energy
      << "  chains " << r.running_chains << "\n";
  }
  return s.str();
}

void run_solve(const SolveFlags& flags) {
  set_threads(flags.threads);
  auto boards = read_input(flags);
  if (boards.empty()) throw std::runtime_error("no puzzles in the input");
  sudoku::SolverSettings settings;
  settings.energy = flags.energy;
  settings.model = flags.model;
  settings.sampler = flags.sampler;
  settings.budget_ms = flags.budget_ms;
  settings.batch = flags.batch;
  settings.seed = flags.seed;
  settings.device = resolve_device(flags.device);
  const bool single_on_terminal = boards.size() == 1 && !flags.json && isatty(STDOUT_FILENO) && !flags.no_board;
  settings.trace = single_on_terminal || !flags.trace_csv.empty();
  if (!flags.chains_csv.empty()) settings.trace_chains_every = flags.chains_every;
  const bool show_progress = !flags.quiet && boards.size() > 1 && isatty(STDERR_FILENO);
  auto report = sudoku::solve(boards, settings, [&](size_t done, size_t total) {
    if (show_progress) std::cerr << "\rsolved batches: " << done << "/" << total << " puzzles" << std::flush;
  });
  if (show_progress) std::cerr << "\n";
  if (!flags.trace_csv.empty()) write_trace_csv(flags.trace_csv, report.trace);
  if (!flags.chains_csv.empty()) {
    std::ostringstream csv;
    csv << "step,chain,problem,energy,violations,board\n";
    for (const auto& r : report.chain_trace)
      csv << r.step << "," << r.chain << "," << r.problem << "," << r.energy << "," << r.violations << "," << r.board << "\n";
    write_file_atomically(flags.chains_csv, csv.str());
  }

  size_t verified = 0;
  for (size_t i = 0; i < boards.size(); ++i) {
    const auto& s = report.puzzles[i];
    verified += s.verified;
    if (flags.json) {
      nlohmann::json line{{"puzzle", sudoku::to_line(boards[i])},
                          {"answer", s.verified ? nlohmann::json(sudoku::to_line(s.answer)) : nlohmann::json(nullptr)},
                          {"verified", s.verified},
                          {"energy", s.energy},
                          {"steps", s.steps},
                          {"energy_evaluations", s.evaluations},
                          {"milliseconds", s.ms},
                          {"chains", s.chains}};
      std::cout << line.dump() << "\n";
    } else if (single_on_terminal) {
      std::cout << sudoku::render(boards[i], s.verified ? s.answer : boards[i], true) << "\n"
                << (s.verified ? "verified: yes" : "verified: no (unsolved)") << "   energy " << s.energy << "   steps "
                << s.steps << "   evaluations " << s.evaluations << "   " << std::fixed << std::setprecision(1) << s.ms
                << " ms   chains " << s.chains << "\n"
                << "energy trace (lowest energy among running chains):\n"
                << sparkline(report.trace);
    } else {
      std::cout << (s.verified ? sudoku::to_line(s.answer) : std::string("unsolved")) << "\n";
    }
  }
  if (!flags.quiet && boards.size() > 1)
    std::cerr << "verified " << verified << "/" << boards.size() << " in " << std::fixed << std::setprecision(0)
              << report.total_ms << " ms (" << std::setprecision(1) << report.total_ms / boards.size()
              << " ms per puzzle); sampler " << report.sampler << "\n";
}

}  // namespace

void add_sudoku_commands(CLI::App& app) {
  auto* generate = app.add_subcommand("generate", "generate task data");
  generate->require_subcommand(1);
  auto* gen = generate->add_subcommand(
      "sudoku", "seeded unique-solution Sudoku puzzles as puzzle,solution CSV.\nTiers:\n  " +
                    [] {
                      std::string s;
                      for (auto t : sudoku::all_tiers()) s += sudoku::describe_tier(t) + "\n  ";
                      return s;
                    }());
  auto g = std::make_shared<GenerateFlags>();
  gen->add_option("--count", g->count, "number of puzzles")->capture_default_str();
  gen->add_option("--tier", g->tier, "difficulty: " + sudoku::tier_names())->capture_default_str();
  gen->add_option("--seed", g->seed, "seed; puzzle i depends only on (seed, i, tier, box)")->capture_default_str();
  gen->add_option("--box", g->box, "box size: 2 (4x4), 3 (9x9), 4 (16x16)")->capture_default_str();
  gen->add_option("--threads", g->threads, "OpenMP threads (0 = all); output does not depend on it")->capture_default_str();
  gen->add_option("-o,--output", g->output, "write the CSV here (atomically) instead of stdout");
  gen->callback([g] {
    sudoku::GeneratorOptions options;
    options.box = g->box;
    options.count = g->count;
    options.tier = sudoku::parse_tier(g->tier);
    options.seed = g->seed;
    options.threads = g->threads;
    std::ostringstream csv;
    sudoku::write_csv(csv, sudoku::generate(options));
    if (g->output.empty()) std::cout << csv.str();
    else write_file_atomically(g->output, csv.str());
  });

  auto* solve = app.add_subcommand("solve", "solve task instances with an energy-based model");
  solve->require_subcommand(1);
  auto* sud = solve->add_subcommand(
      "sudoku",
      "solve Sudoku puzzles by energy minimisation.\n"
      "Input: a PUZZLE argument (81 characters, '.' or '0' for blanks) or --input FILE with one puzzle per\n"
      "line (blank lines and '#' comments ignored; 'puzzle,solution' CSV uses the first field; a header is\n"
      "skipped). Output: one line per puzzle, in order: the 81-digit answer if the exact verifier accepts\n"
      "it, else 'unsolved'. --json prints one JSON object per puzzle instead. For one puzzle on a\n"
      "terminal: the board (givens bold, filled cells green), verified flag and energy trace.");
  auto f = std::make_shared<SolveFlags>();
  sud->add_option("puzzle", f->puzzle, "one puzzle as a line of 16, 81 or 256 characters");
  sud->add_option("-i,--input", f->input, "file of puzzles ('-' = stdin)");
  sud->add_flag("--json", f->json, "one JSON object per puzzle: answer, verified, energy, steps, energy_evaluations, milliseconds, chains");
  sud->add_option("--budget-ms", f->budget_ms, "wall-clock bound per puzzle (per batch run)")->capture_default_str();
  sud->add_option("--sampler", f->sampler, "sampler spec (see `ebm samplers`); default: the tuned Sudoku spec");
  sud->add_option("--energy", f->energy, "constraint | learned | combined")->capture_default_str();
  sud->add_option("--model", f->model, "checkpoint of the learned energy (learned, combined); default: the shipped models/sudoku-energy.ckpt");
  sud->add_option("--device", f->device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  sud->add_option("--threads", f->threads, "LibTorch threads (0 = LibTorch default)")->capture_default_str();
  sud->add_option("--seed", f->seed, "seed of the sampler")->capture_default_str();
  sud->add_option("--batch", f->batch, "puzzles solved together in one batch")->capture_default_str();
  sud->add_option("--trace", f->trace_csv, "write the first batch's per-step energy trace as CSV");
  sud->add_option("--trace-chains", f->chains_csv,
                  "write every running chain of the first batch (energy, rule violations of its argmax board, the\n"
                  "best chain's board) every --trace-every steps as CSV (notebooks/energy_landscape.ipynb)");
  sud->add_option("--trace-every", f->chains_every, "steps between --trace-chains records")->capture_default_str();
  sud->add_flag("--no-board", f->no_board, "print the answer line even for one puzzle on a terminal");
  sud->add_flag("-q,--quiet", f->quiet, "no progress or summary on stderr");
  sud->callback([f] {
    if (f->puzzle.empty() == f->input.empty())
      throw std::runtime_error("give either a PUZZLE argument or --input FILE (see --help)");
    run_solve(*f);
  });
}

namespace {
struct BenchSudokuFlags {
  std::string input, tier = "hardest", model, device = "cpu", csv, json;
  int count = 100, threads = 1;
  uint64_t seed = 0, data_seed = 1;
  std::vector<std::string> energies = {"constraint"};
  std::vector<int64_t> chains, steps;
  double budget_ms = 10000;
  int64_t batch = 1;
};

std::vector<sudoku::Board> bench_puzzles(const BenchSudokuFlags& f) {
  if (!f.input.empty()) {
    SolveFlags s;
    s.input = f.input;
    return read_input(s);
  }
  sudoku::GeneratorOptions options;
  options.count = f.count;
  options.tier = sudoku::parse_tier(f.tier);
  options.seed = f.data_seed;
  std::vector<sudoku::Board> boards;
  for (const auto& g : sudoku::generate(options)) boards.push_back(g.puzzle);
  return boards;
}

nlohmann::json row_json(const sudoku::BenchmarkRow& r) {
  return {{"solver", r.solver}, {"energy", r.energy}, {"sampler", r.sampler}, {"chains", r.chains},
          {"max_steps", r.max_steps}, {"budget_ms", r.budget_ms}, {"puzzles", r.puzzles}, {"solved", r.solved},
          {"solve_rate", r.puzzles ? double(r.solved) / r.puzzles : 0.0}, {"solve_rate_low95", r.solved_low},
          {"solve_rate_high95", r.solved_high}, {"wrong", r.wrong},
          {"mean_ms", r.mean_ms}, {"median_ms", r.median_ms}, {"p95_ms", r.p95_ms}, {"max_ms", r.max_ms},
          {"mean_evaluations", r.mean_evaluations}, {"compute", r.compute}};
}
}  // namespace

void add_bench_sudoku_command(CLI::App& bench) {
  auto* cmd = bench.add_subcommand(
      "sudoku",
      "solve rate and time per puzzle of the EBM solver on one puzzle set: the default settings within\n"
      "--budget-ms per puzzle, then a grid of compute (--chains x --steps), per --energy; the classical\n"
      "reference solver (DLX) timed on the same puzzles first. Puzzles: --input FILE, or generated\n"
      "(--tier, --count, --data-seed).");
  auto f = std::make_shared<BenchSudokuFlags>();
  cmd->add_option("-i,--input", f->input, "puzzle file (else generated)");
  cmd->add_option("--tier", f->tier, "generated tier: " + sudoku::tier_names())->capture_default_str();
  cmd->add_option("--count", f->count, "generated puzzles")->capture_default_str();
  cmd->add_option("--data-seed", f->data_seed, "generator seed")->capture_default_str();
  cmd->add_option("--energy", f->energies, "energies to compare: constraint, learned, combined")->capture_default_str();
  cmd->add_option("--model", f->model, "learned energy checkpoint (learned, combined)");
  cmd->add_option("--chains", f->chains, "grid: chains per puzzle (e.g. 1 4 16)");
  cmd->add_option("--steps", f->steps, "grid: step budgets per puzzle (e.g. 100 400 1600)");
  cmd->add_option("--budget-ms", f->budget_ms, "time budget per puzzle")->capture_default_str();
  cmd->add_option("--batch", f->batch, "puzzles per batch (1 = each alone: latency)")->capture_default_str();
  cmd->add_option("--seed", f->seed, "sampler seed")->capture_default_str();
  cmd->add_option("--device", f->device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--threads", f->threads, "LibTorch threads")->capture_default_str();
  cmd->add_option("--csv", f->csv, "write rows as CSV (atomically)");
  cmd->add_option("--json", f->json, "write rows and setup as JSON (atomically)");
  cmd->callback([f] {
    const int threads = set_threads(f->threads);
    auto puzzles = bench_puzzles(*f);
    if (puzzles.empty()) throw std::runtime_error("no puzzles to benchmark");
    sudoku::BenchmarkPlan plan;
    plan.energies = f->energies;
    plan.model = f->model;
    plan.chains = f->chains;
    plan.steps = f->steps;
    if (plan.chains.empty() != plan.steps.empty()) throw std::runtime_error("--chains and --steps go together");
    plan.budget_ms = f->budget_ms;
    plan.batch = f->batch;
    plan.seed = f->seed;
    plan.device = resolve_device(f->device);
    std::cout << puzzles.size() << " puzzles (" << (f->input.empty() ? "generated " + f->tier : f->input) << "), "
              << device_description(plan.device) << ", batch " << plan.batch << "\n";
    std::cout << std::left << std::setw(15) << "solver" << std::setw(12) << "energy" << std::right << std::setw(7)
              << "chains" << std::setw(7) << "steps" << std::setw(10) << "solved" << std::setw(7) << "wrong"
              << std::setw(10) << "mean ms" << std::setw(10) << "median" << std::setw(10) << "p95" << std::setw(10)
              << "max" << std::setw(12) << "evals" << "\n";
    auto rows = sudoku::run_benchmark(puzzles, plan, [](const sudoku::BenchmarkRow& r) {
      std::cout << std::left << std::setw(15) << r.solver << std::setw(12) << r.energy << std::right << std::setw(7)
                << r.chains << std::setw(7) << r.max_steps << std::setw(10)
                << (std::to_string(r.solved) + "/" + std::to_string(r.puzzles)) << std::setw(7) << r.wrong
                << std::fixed << std::setprecision(2) << std::setw(10) << r.mean_ms << std::setw(10) << r.median_ms
                << std::setw(10) << r.p95_ms << std::setw(10) << r.max_ms << std::setprecision(0) << std::setw(12)
                << r.mean_evaluations << "\n"
                << std::flush;
    });
    nlohmann::json all = nlohmann::json::array();
    for (const auto& r : rows) all.push_back(row_json(r));
    if (!f->csv.empty()) {
      std::ostringstream csv;
      const std::vector<std::string> keys{"solver", "energy", "chains", "max_steps", "budget_ms", "puzzles",
                                          "solved", "solve_rate", "solve_rate_low95", "solve_rate_high95", "wrong", "mean_ms", "median_ms", "p95_ms",
                                          "max_ms", "mean_evaluations", "compute", "sampler"};
      for (size_t k = 0; k < keys.size(); ++k) csv << (k ? "," : "") << keys[k];
      csv << "\n";
      for (const auto& r : all) {
        for (size_t k = 0; k < keys.size(); ++k) {
          const auto& v = r[keys[k]];
          csv << (k ? "," : "") << (v.is_string() ? "\"" + v.get<std::string>() + "\"" : v.dump());
        }
        csv << "\n";
      }
      write_file_atomically(f->csv, csv.str());
    }
    if (!f->json.empty()) {
      nlohmann::json out{{"puzzles", puzzles.size()}, {"source", f->input.empty() ? "generated:" + f->tier : f->input},
                         {"device", device_description(plan.device)}, {"threads", threads}, {"batch", plan.batch},
                         {"seed", plan.seed}, {"rows", all}};
      write_file_atomically(f->json, out.dump(2) + "\n");
    }
  });
}

// Flags every trainer shares (the EBM's and the AR's settings name these fields alike).
template <typename Settings>
void add_training_flags(CLI::App* cmd, Settings& s, std::string& device, int& threads) {
  cmd->add_option("--steps", s.steps, "optimizer steps in total")->capture_default_str();
  cmd->add_option("--batch", s.batch, "boards per step")->capture_default_str();
  cmd->add_option("--lr", s.learning_rate, "Adam learning rate")->capture_default_str();
  cmd->add_option("--train-puzzles", s.train_puzzles, "generated training boards (the same for every trainer)")
      ->capture_default_str();
  cmd->add_option("--tiers", s.tiers, "training tiers, comma-separated")->capture_default_str();
  cmd->add_option("--validate-every", s.validate_every, "steps between validation and checkpoint")->capture_default_str();
  cmd->add_option("--validation-puzzles", s.validation_puzzles, "hardest-tier validation puzzles")->capture_default_str();
  cmd->add_option("--seed", s.seed, "seed of data and training")->capture_default_str();
  cmd->add_option("-o,--output", s.output, "checkpoint path (OUTPUT.optim holds the optimizer)")->capture_default_str();
  cmd->add_flag("--resume", s.resume, "continue from the checkpoint at --output");
  cmd->add_option("--device", device, "auto, cpu, cuda, cuda:N")->capture_default_str();
  cmd->add_option("--threads", threads, "LibTorch threads (0 = LibTorch default)")->capture_default_str();
}

void add_train_command(CLI::App& app, const std::string& command_line) {
  auto* train = app.add_subcommand("train", "train learned energies");
  train->require_subcommand(1);
  auto* cmd = train->add_subcommand(
      "sudoku",
      "train the learned Sudoku energy (message passing over rows, columns and boxes) by denoising\n"
      "gradient matching on generated boards; validates the solve rate and checkpoints every\n"
      "--validate-every steps (atomic), and --resume continues from the checkpoint. See docs/TRAINING.md.");
  auto s = std::make_shared<sudoku::TrainSettings>();
  auto device = std::make_shared<std::string>("cpu");
  auto threads = std::make_shared<int>(1);
  s->command_line = command_line;
  cmd->add_option("--hidden", s->architecture.hidden, "hidden width per cell")->capture_default_str();
  cmd->add_option("--layers", s->architecture.layers, "message-passing layers")->capture_default_str();
  cmd->add_option("--objective", s->objective, "denoising (gradient matching) | contrastive (sampler negatives)")
      ->capture_default_str();
  cmd->add_option("--negative-steps", s->negative_steps, "contrastive: sampler steps per negative")->capture_default_str();
  cmd->add_option("--t-min", s->t_min, "smallest corruption level t in y~ = (1-t) y* + t u")->capture_default_str();
  cmd->add_option("--validation-budget-ms", s->validation_budget_ms, "solver budget for validation")->capture_default_str();
  add_training_flags(cmd, *s, *device, *threads);
  cmd->callback([s, device, threads] {
    set_threads(*threads);
    s->device = resolve_device(*device);
    auto result = sudoku::train(*s, std::cout);
    std::cout << "done: " << result.steps << " steps, loss " << result.final_loss << ", validation "
              << result.validation_learned * 100 << "% learned / " << result.validation_combined * 100 << "% combined\n";
  });
}

void add_train_ar_command(CLI::App& app, const std::string& command_line) {
  auto* train = app.add_subcommand("train-ar", "train the autoregressive transformer baseline");
  train->require_subcommand(1);
  auto* cmd = train->add_subcommand(
      "sudoku",
      "train the causal-transformer baseline on the same generated boards as `ebm train sudoku`, with\n"
      "teacher forcing (cross-entropy on answer tokens). --order fixed writes the 81 digits row-major;\n"
      "--order solver writes (cell, digit) pairs in the order a deductive solver fills the blanks.\n"
      "--params N matches the parameter count (e.g. to the learned EBM's 165953). Validates (greedy\n"
      "decoding, exact verifier) and checkpoints atomically every --validate-every steps; --resume.");
  auto s = std::make_shared<sudoku::ArTrainSettings>();
  auto device = std::make_shared<std::string>("cpu");
  auto threads = std::make_shared<int>(1);
  s->command_line = command_line;
  cmd->add_option("--order", s->order, "fixed | solver")->capture_default_str();
  cmd->add_option("--params", s->target_parameters, "target parameter count (0 = use --d-model)")->capture_default_str();
  cmd->add_option("--d-model", s->d_model, "model width")->capture_default_str();
  cmd->add_option("--layers", s->layers, "transformer blocks")->capture_default_str();
  cmd->add_option("--heads", s->heads, "attention heads")->capture_default_str();
  add_training_flags(cmd, *s, *device, *threads);
  cmd->callback([s, device, threads] {
    set_threads(*threads);
    s->device = resolve_device(*device);
    auto result = sudoku::train_ar(*s, std::cout);
    std::cout << "done: " << result.steps << " steps, " << result.parameters << " parameters, loss " << result.final_loss
              << ", validation " << result.validation_solved * 100 << "% solved, "
              << result.validation_cell_accuracy * 100 << "% of blank cells right\n";
  });
}

}  // namespace ebm::cli
