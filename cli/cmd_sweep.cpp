// `ebm sweep`: accuracy against compute, one resumable CSV row per (solver, setting).
#include "commands.h"
#include "exit_codes.h"
#include "harness_flags.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/device.h"
#include "ebm/samplers/registry.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/sweep.h"
#include "ebm/tasks/registry.h"

#include <iostream>

namespace ebm::cli {

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
  add_eval_flags(cmd, *f, parameters);
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

}  // namespace ebm::cli
