// `ebm bench TASK`: solve rate and time per problem of the EBM over a grid of compute, beside the
// task's classical reference.
#include "commands.h"
#include "exit_codes.h"
#include "harness_flags.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"
#include "ebm/samplers/driver.h"
#include "ebm/tasks/registry.h"

#include <iostream>

namespace ebm::cli {

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
      const HarnessOptions options =
          harness_options(f->run, context, task, examples.size(), /*keep_answers=*/!f->json.empty());
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
