// `ebm bench chains`: time per sampler step as the batch of chains grows, on one problem.
//
// The problem must outlast the budget (an unsolvable one, such as bench/unsolvable_sudoku.txt), so
// every chain runs every step and the task's verifier checks them at its usual cadence. The time
// per step is (t(steps) - t(steps / 5)) / (steps - steps / 5), medians over --repeats runs, so the
// driver's set-up and final reads cancel out.
//
// With the task's default sampler, the hand-fused reference of that step (bench/reference_steps/) runs
// beside it on the same problem, chains and steps: its time per chain-step, and the driver's as a
// multiple of it.
#include "commands.h"
#include "exit_codes.h"
#include "option_checks.h"
#include "task_flags.h"

#include "ebm/atomic_file.h"
#include "ebm/device.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"

#include "bench/reference_steps/reference_chains.h"

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ebm::cli {

namespace {

struct ChainsFlags {
  std::string task = "sudoku", input, sampler, device = "cpu", json;
  std::vector<int64_t> chains = {16, 64, 256, 1024, 4096};
  int64_t steps = 50, repeats = 3;
  int threads = 1;
};

// Milliseconds of one solve of `problem` with `steps` steps; throws when it stopped early.
double solve_ms(const Task& task, const ProblemPtr& problem, EbmSettings settings, int64_t chains, int64_t steps) {
  settings.sampler += ",chains=" + std::to_string(chains) + ",steps=" + std::to_string(steps);
  const SolveReport report = solve_with_energy(task, {problem}, settings);
  const SolvedProblem& solved = report.problems.front();
  if (solved.steps != steps)
    throw InputError("the problem stopped after " + std::to_string(solved.steps) + " of " +
                             std::to_string(steps) + " steps (" + (solved.verified ? "solved" : "every chain stopped") +
                             "): give one the sampler cannot finish, e.g. bench/unsolvable_sudoku.txt");
  return solved.ms;
}

double median_solve_ms(const Task& task, const ProblemPtr& problem, const EbmSettings& settings, int64_t chains,
                       int64_t steps, int64_t repeats) {
  std::vector<double> ms;
  for (int64_t r = 0; r < repeats; ++r) ms.push_back(solve_ms(task, problem, settings, chains, steps));
  std::nth_element(ms.begin(), ms.begin() + ms.size() / 2, ms.end());
  return ms[ms.size() / 2];
}

// Microseconds per chain-step of the hand-fused reference: `steps / 5` steps to warm up, then the rest
// timed; median of `repeats` fresh runs. Negative when the task has no reference.
double reference_us_per_chain_step(const std::string& task, const std::string& problem_text, int64_t chains,
                                   int64_t steps, int64_t repeats) {
  std::vector<double> us;
  for (int64_t r = 0; r < repeats; ++r) {
    auto reference = reference_steps::make_reference_chains(task, problem_text, chains, 1000 + uint64_t(r));
    if (!reference) return -1.0;
    reference->run(steps / 5);
    const auto start = std::chrono::steady_clock::now();
    reference->run(steps - steps / 5);
    const std::chrono::duration<double, std::micro> elapsed = std::chrono::steady_clock::now() - start;
    if (reference->chains_verified() > 0)
      throw InputError("the hand-fused reference solved the problem: give one it cannot finish, e.g. "
                       "bench/unsolvable_sudoku.txt");
    us.push_back(elapsed.count() / double((steps - steps / 5) * chains));
  }
  std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
  return us[us.size() / 2];
}

// The first problem in the task's own file text, for the reference.
std::string problem_text(const Task& task, const Example& example) {
  std::ostringstream text;
  task.write_problems(text, {example});
  return text.str();
}

}  // namespace

void add_bench_chains_command(CLI::App& bench) {
  auto* cmd = bench.add_subcommand(
      "chains",
      "time per sampler step as chains per problem grow (one problem that outlasts the budget, the task's\n"
      "verifier in the loop): ms per step and microseconds per chain-step, which stay flat while the batch\n"
      "scales linearly. Per step = (t(steps) - t(steps/5)) / (4 steps/5), medians of --repeats runs.\n"
      "With the task's default sampler (sudoku, sat, coloring), its hand-fused reference step\n"
      "(bench/reference_steps/: the same arithmetic in one pass per chain, one thread, no LibTorch) runs\n"
      "beside it: 'x reference' is the driver's time per chain-step over the reference's. Inputs that\n"
      "never finish: bench/unsolvable_sudoku.txt, bench/unsatisfiable_sat_200.cnf, bench/uncolourable_200.col.");
  auto f = std::make_shared<ChainsFlags>();
  cmd->add_option("--task", f->task, "task name")->capture_default_str();
  cmd->add_option("-i,--input", f->input, "file whose first problem is used (one the sampler cannot finish)")->required();
  cmd->add_option("--chains", f->chains, "chains per problem to time")
      ->capture_default_str()
      ->check(integer_in(1, kMaxChains));
  cmd->add_option("--steps", f->steps, "steps of the longer timed run")
      ->capture_default_str()
      ->check(integer_in(5, 10000000));
  cmd->add_option("--repeats", f->repeats, "runs per budget (median)")->capture_default_str()->check(integer_in(1, 1000));
  cmd->add_option("--sampler", f->sampler, "sampler spec (default: the task's tuned one)")->check(non_empty());
  add_device_flags(cmd, f->device, f->threads);
  cmd->add_option("--json", f->json, "also write the rows as JSON to this file (atomically)")->check(writable_output());
  cmd->callback([f] {
    const TaskPtr task = find_task(f->task);
    const int threads = set_threads(f->threads);
    auto examples = read_problems(*task, f->input, TaskParameters{});
    if (examples.empty()) throw InputError(f->input + ": no problems");
    EbmSettings settings;
    settings.device = resolve_device(f->device);
    settings.sampler = f->sampler.empty() ? task->default_sampler(task->energy_names().front()) : f->sampler;
    settings.budget_ms = 1e9;  // the step budget decides
    settings.batch = 1;
    const int64_t short_steps = f->steps / 5;
    const bool with_reference = f->sampler.empty() &&
                                reference_steps::make_reference_chains(task->name(), problem_text(*task, examples.front()), 1, 0);

    std::cout << task->name() << ", " << f->input << " (first problem), " << device_description(settings.device)
              << ", threads " << threads << ", steps " << short_steps << " and " << f->steps << ", median of "
              << f->repeats << "\nsampler " << settings.sampler << "\n\n"
              << std::setw(8) << "chains" << std::setw(12) << "ms/step" << std::setw(18) << "us/chain-step"
              << std::setw(16) << "x chains" << std::setw(16) << "x ms/step";
    if (with_reference) std::cout << std::setw(22) << "reference us/c-step" << std::setw(14) << "x reference";
    std::cout << "\n";
    nlohmann::json rows = nlohmann::json::array();
    double first_ms_per_step = 0.0;
    for (size_t i = 0; i < f->chains.size(); ++i) {
      const int64_t chains = f->chains[i];
      (void)solve_ms(*task, examples.front().problem, settings, chains, short_steps);  // warm-up
      const double longer = median_solve_ms(*task, examples.front().problem, settings, chains, f->steps, f->repeats);
      const double shorter = median_solve_ms(*task, examples.front().problem, settings, chains, short_steps, f->repeats);
      const double ms_per_step = (longer - shorter) / double(f->steps - short_steps);
      const double us_per_chain_step = ms_per_step * 1000.0 / double(chains);
      if (i == 0) first_ms_per_step = ms_per_step;
      std::cout << std::setw(8) << chains << std::fixed << std::setprecision(3) << std::setw(12) << ms_per_step
                << std::setprecision(2) << std::setw(18) << us_per_chain_step << std::setprecision(1)
                << std::setw(16) << double(chains) / double(f->chains.front()) << std::setw(16)
                << ms_per_step / first_ms_per_step;
      nlohmann::json row{{"chains", chains}, {"ms_per_step", ms_per_step}, {"us_per_chain_step", us_per_chain_step}};
      if (with_reference) {
        const double reference = reference_us_per_chain_step(task->name(), problem_text(*task, examples.front()),
                                                             chains, f->steps, f->repeats);
        std::cout << std::setprecision(3) << std::setw(22) << reference << std::setprecision(2) << std::setw(14)
                  << us_per_chain_step / reference;
        row["reference_us_per_chain_step"] = reference;
        row["times_reference"] = us_per_chain_step / reference;
      }
      std::cout << std::endl;
      rows.push_back(row);
    }
    if (!f->json.empty()) {
      nlohmann::json out{{"task", task->name()}, {"input", f->input}, {"device", device_description(settings.device)},
                         {"threads", threads}, {"sampler", settings.sampler}, {"steps", {short_steps, f->steps}},
                         {"repeats", f->repeats}, {"rows", rows},
                         {"reference", with_reference ? "bench/reference_steps (hand-fused, one thread)" : "none"}};
      write_file_atomically(f->json, out.dump(2) + "\n");
    }
  });
}

}  // namespace ebm::cli
