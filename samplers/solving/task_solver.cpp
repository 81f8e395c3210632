#include "ebm/samplers/task_solver.h"

#include "ebm/runtime/stopwatch.h"
#include "ebm/samplers/registry.h"
#include "samplers/solving/task_batches.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace ebm {

namespace {


// Records every running chain every `every` steps (SolveReport::chain_trace).
IterationCallback chain_tracer(const Encoding& encoding, int64_t every, int64_t chains_per_problem,
                               std::vector<ChainTraceRow>& rows) {
  return [&encoding, &rows, every, chains_per_problem](const IterationInfo& info) {
    if (info.step % every != 0) return CallbackResult::Continue;
    torch::NoGradGuard no_grad;
    auto decoded = encoding.space.decode(info.chains->y);
    auto ids = info.chain_ids.to(torch::kCPU);
    auto problem_of = ids.div(chains_per_problem, "floor");
    torch::Tensor violations;
    if (encoding.violations)
      violations = encoding.violations(decoded, problem_of.to(decoded.device())).to(torch::kCPU).to(torch::kDouble);
    auto energy = info.chains->energy.to(torch::kCPU).to(torch::kDouble);
    const auto energy_of = energy.accessor<double, 1>();
    const auto id_of = ids.accessor<int64_t, 1>();
    std::map<int64_t, int64_t> best_row;  // problem -> row of its lowest-energy chain
    for (int64_t r = 0; r < ids.size(0); ++r) {
      const int64_t problem = id_of[r] / chains_per_problem;
      auto it = best_row.find(problem);
      if (it == best_row.end() || energy_of[r] < energy_of[it->second]) best_row[problem] = r;
    }
    std::vector<std::string> texts;
    if (encoding.describe) texts = encoding.describe(decoded.to(torch::kCPU));
    for (int64_t r = 0; r < ids.size(0); ++r) {
      ChainTraceRow row;
      row.step = info.step;
      row.chain = id_of[r];
      row.problem = row.chain / chains_per_problem;
      row.energy = energy_of[r];
      if (violations.defined()) row.violations = violations[r].item<double>();
      if (best_row[row.problem] == r && r < static_cast<int64_t>(texts.size())) row.state = texts[r];
      rows.push_back(std::move(row));
    }
    return CallbackResult::Continue;
  };
}

// What one batch leaves in the report.
struct BatchOutcome {
  std::vector<SolvedProblem> problems;
  std::vector<TraceRow> trace;
  std::vector<ChainTraceRow> chain_trace;
  bool verifier_in_loop = false;
};

// One worker's own energy and sampler: annealing changes energy weights and samplers keep per-chain
// state, so two batches running side by side never share them.
struct SolverParts {
  EnergyPtr energy;
  SamplerSpec spec;
};

BatchOutcome solve_batch(const Task& task, const std::vector<ProblemPtr>& batch, size_t first, const SolverParts& parts,
                         const EbmSettings& settings) {
  BatchOutcome outcome;
  const SamplerSpec& spec = parts.spec;
  const TaskBatch encoded = encode_batch(task, batch, *spec.sampler, settings.device);
  const Encoding& encoding = encoded.encoding;

  RunRequest request;
  static_cast<ProblemBatch&>(request) = encoding;
  request.energy = parts.energy;
  request.space = encoding.space;
  request.device = settings.device;
  request.cancel = settings.cancel;
  outcome.verifier_in_loop = static_cast<bool>(encoding.verifier);
  const bool first_batch = first == 0;
  if (first_batch && settings.trace_chains_every > 0)
    request.callbacks.push_back(
        chain_tracer(encoding, settings.trace_chains_every, spec.driver.chains, outcome.chain_trace));
  DriverOptions driver = spec.driver;
  driver.seed = settings.seed + first;
  RunResult result = run_sampler(*spec.sampler, request, driver);
  if (settings.trace && first_batch) outcome.trace = result.trace;

  std::vector<torch::Tensor> states;
  for (const auto& r : result.problems) states.push_back(r.answer);
  auto final_states = torch::stack(states);
  auto energies = answer_energies(*parts.energy, encoding, final_states);
  final_states = final_states.to(torch::kCPU);
  for (size_t i = 0; i < batch.size(); ++i) {
    const auto& drivers = encoded.drivers[i];
    std::vector<ProblemResult> results;
    for (int64_t p : drivers) results.push_back(result.problems[p]);
    auto index = torch::tensor(drivers, torch::kLong);
    outcome.problems.push_back(solved_problem(task, *batch[i], results, final_states.index_select(0, index),
                                              energies.index_select(0, index), driver.chains));
  }
  return outcome;
}

// Batches taken in turn by `workers` threads; outcomes[b] is batch b's (empty when cancelled first).
// Returns the description of the energy the workers built.
std::string solve_batches_in_parallel(const Task& task, const std::vector<ProblemPtr>& problems,
                               const std::vector<std::pair<size_t, size_t>>& ranges, const EnergyChoice& choice,
                               const SamplerSpec& spec, const EbmSettings& settings, int workers, std::vector<BatchOutcome>& outcomes,
                               const std::function<void(size_t, size_t)>& progress) {
  std::atomic<size_t> next{0}, done{0};
  std::mutex report_mutex;  // guards progress calls, the failure and the energy description
  std::exception_ptr failure;
  std::string energy_description;
  auto work = [&] {
    try {
      at::set_num_threads(1);  // per thread under OpenMP: this worker's LibTorch runs on its own core
      SolverParts parts{task.make_energy(choice, problems, settings.device), parse_sampler_spec(spec.text, spec.driver)};
      parts.spec.driver = spec.driver;
      {
        std::lock_guard<std::mutex> lock(report_mutex);
        energy_description = parts.energy->describe();
      }
      for (size_t b = next++; b < ranges.size(); b = next++) {
        if (is_cancelled(settings.cancel)) continue;
        const auto [first, end] = ranges[b];
        std::vector<ProblemPtr> batch(problems.begin() + first, problems.begin() + end);
        outcomes[b] = solve_batch(task, batch, first, parts, settings);
        const size_t solved = done += end - first;
        if (progress) {
          std::lock_guard<std::mutex> lock(report_mutex);
          progress(solved, problems.size());
        }
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(report_mutex);
      if (!failure) failure = std::current_exception();
      next = ranges.size();
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) threads.emplace_back(work);
  for (auto& thread : threads) thread.join();
  if (failure) std::rethrow_exception(failure);
  return energy_description;
}

}  // namespace

SolveReport solve_with_energy(const Task& task, const std::vector<ProblemPtr>& problems, const EbmSettings& settings,
                              const std::function<void(size_t, size_t)>& progress) {
  SolveReport report;
  if (problems.empty()) return report;
  if (settings.batch < 1) throw std::invalid_argument("solve: batch must be >= 1, got " + std::to_string(settings.batch));
  if (!(settings.budget_ms > 0)) throw std::invalid_argument("solve: the budget must be > 0 ms");
  if (settings.workers < 1) throw std::invalid_argument("solve: workers must be >= 1, got " + std::to_string(settings.workers));
  EnergyChoice choice = settings.energy;
  if (choice.name.empty()) choice.name = task.default_energy(problems);

  DriverOptions defaults;
  defaults.seed = settings.seed;
  defaults.max_steps = 0;
  defaults.max_ms = settings.budget_ms;
  defaults.trace = settings.trace;
  SamplerSpec spec = parse_sampler_spec(
      settings.sampler.empty() ? task.default_sampler(choice.name) : settings.sampler, defaults);
  spec.driver.max_ms = std::min(spec.driver.max_ms > 0 ? spec.driver.max_ms : settings.budget_ms, settings.budget_ms);
  report.sampler = spec.text;

  const auto start = Clock::now();
  const auto ranges = batch_ranges(task, problems, settings.batch, settings.taper && settings.workers > 1 ? settings.workers : 0);
  const int workers = settings.prebuilt || choice.learned || settings.device.is_cuda()
                          ? 1
                          : static_cast<int>(std::min<size_t>(settings.workers, ranges.size()));
  std::vector<BatchOutcome> outcomes(ranges.size());
  if (workers > 1) {
    report.energy = solve_batches_in_parallel(task, problems, ranges, choice, spec, settings, workers, outcomes, progress);
  } else {
    SolverParts parts{settings.prebuilt ? settings.prebuilt : task.make_energy(choice, problems, settings.device), spec};
    report.energy = parts.energy->describe();
    for (size_t b = 0; b < ranges.size(); ++b) {
      if (is_cancelled(settings.cancel)) break;  // later batches: no answer, never verified
      const auto [first, end] = ranges[b];
      std::vector<ProblemPtr> batch(problems.begin() + first, problems.begin() + end);
      outcomes[b] = solve_batch(task, batch, first, parts, settings);
      if (progress) progress(end, problems.size());
    }
  }
  for (auto& outcome : outcomes) {
    if (outcome.problems.empty()) {  // cancelled before this batch: the rest come back unanswered
      report.problems.resize(problems.size());
      break;
    }
    for (auto& solved : outcome.problems) report.problems.push_back(std::move(solved));
    report.verifier_in_loop = report.verifier_in_loop || outcome.verifier_in_loop;
    if (!outcome.trace.empty()) report.trace = std::move(outcome.trace);
    if (!outcome.chain_trace.empty()) report.chain_trace = std::move(outcome.chain_trace);
  }
  report.total_ms = milliseconds_since(start);
  return report;
}

}  // namespace ebm
