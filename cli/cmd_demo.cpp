// `ebm demo`: the showcase. Solves a hard generated Sudoku with the default EBM settings (board,
// verified flag, energy trace, time), then minimises a built-in two-well energy with two samplers.
#include "commands.h"
#include "option_checks.h"

#include "ebm/builtin_energies.h"
#include "ebm/samplers/registry.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"
#include "ebm/tasks/sudoku/board.h"

#include <unistd.h>

#include <iomanip>
#include <iostream>

namespace ebm::cli {

namespace {

void sudoku_demo(uint64_t seed, const std::string& energy, const std::string& model) {
  const TaskPtr task = find_task("sudoku");
  GenerateRequest request;
  request.count = 1;
  request.seed = seed;
  request.parameters = {{"tier", "hardest"}};
  const ProblemPtr puzzle = task->generate(request).front().problem;
  const bool color = isatty(STDOUT_FILENO);
  const auto board = sudoku::parse_board(task->problem_fields(*puzzle).at("puzzle"));
  std::cout << "A hardest-tier Sudoku (" << sudoku::count_givens(board) << " givens; the DLX reference needs "
            << sudoku::reference_guesses(board) << " guesses):\n\n"
            << task->render(*puzzle, nullptr, color) << "\n";
  EbmSettings settings;
  settings.energy = {energy, model, nullptr};
  settings.trace = true;
  settings.seed = seed;
  auto report = solve_with_energy(*task, {puzzle}, settings);
  const auto& s = report.problems.front();
  std::cout << "Energy: constraints + w * purity, minimised by\n  " << report.sampler << "\n\n"
            << task->render(*puzzle, s.verified ? s.answer.get() : nullptr, color)
            << "\nverified: " << (s.verified ? "yes (exact verifier)" : "no (unsolved)") << "   energy "
            << s.energy << "   " << s.steps << " steps x " << s.chains << " chains   " << s.evaluations
            << " energy evaluations   " << std::fixed << std::setprecision(1) << s.ms << " ms\n\n"
            << "energy trace (lowest energy among running chains; E = constraints + w * purity with w annealed\n"
            << "from -0.3 to 0.6 every 400 steps, so E rises while the boards spread out and falls as they commit):\n";
  const auto& trace = report.trace;
  for (size_t i = 0; i < trace.size(); i += std::max<size_t>(1, trace.size() / 10))
    std::cout << "  step " << std::setw(5) << trace[i].step << "  E_min " << std::setprecision(3) << std::setw(8)
              << trace[i].min_energy << "  " << std::string(static_cast<size_t>(std::min(60.0, trace[i].min_energy * 2)), '#')
              << "\n";
  std::cout << std::defaultfloat << "\n";
}

void sampler_demo(uint64_t seed) {
  auto energy = std::make_shared<DoubleWellEnergy>(4.0);
  RunRequest request;
  request.energy = energy;
  request.problems = 4;
  request.space = AnswerSpace::real({16});
  std::cout << "Samplers on a built-in energy: " << energy->describe() << " on " << request.space.describe()
            << ", 4 problems; minima E = 0 at y = (+-1, 0, ..., 0)\n";
  for (const std::string text : {"gd:step=0.02,momentum=0.9,chains=8,steps=400,tol=1e-6",
                                 "anneal:t_start=2,t_end=0.001/mala:step=0.01,chains=8,steps=600,tol=1e-3"}) {
    DriverOptions defaults;
    defaults.seed = seed;
    SamplerSpec spec = parse_sampler_spec(text, defaults);
    RunResult result = run_sampler(*spec.sampler, request, spec.driver);
    std::cout << "  " << result.summary.brief_report() << "\n";
  }
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "demo", "solve a hard generated Sudoku by energy minimisation (board, verified flag, energy trace, time),\n"
              "then minimise a built-in two-well energy with two samplers");
  auto seed = std::make_shared<uint64_t>(2);
  auto energy = std::make_shared<std::string>("constraint");
  auto model = std::make_shared<std::string>();
  cmd->add_option("--seed", *seed, "seed of the puzzle and the samplers")->capture_default_str()->check(unsigned_seed());
  cmd->add_option("--energy", *energy, "constraint | learned | combined")
      ->capture_default_str()
      ->check(CLI::IsMember({"constraint", "learned", "combined"}));
  cmd->add_option("--model", *model, "learned energy checkpoint (learned, combined)")->check(non_empty());
  cmd->callback([seed, energy, model] {
    sudoku_demo(*seed, *energy, *model);
    sampler_demo(*seed);
  });
}

}  // namespace ebm::cli
