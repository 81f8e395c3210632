// `ebm eval`: the evaluation harness on one dataset, every solver given the same budget, batch, seed
// and device, every answer checked by the task's exact verifier.
#include "commands.h"
#include "exit_codes.h"
#include "harness_flags.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"
#include "ebm/version.h"

#include <torch/version.h>

#include <iostream>

namespace ebm::cli {

namespace {

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
  add_eval_flags(cmd, *f, parameters);
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
    const HarnessOptions options =
        harness_options(f->run, context, task, examples.size(), /*keep_answers=*/!f->json.empty());
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

}  // namespace ebm::cli
