#include "ebm/harness.h"

#include "ebm/checkpoint.h"
#include "ebm/device.h"
#include "ebm/evaluation/metrics.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <mutex>
#include <thread>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <tuple>

namespace ebm {

namespace {

using Clock = std::chrono::steady_clock;

// A field of /proc/self/status in MiB ("VmHWM", "VmRSS"), or 0 when unreadable.
double proc_status_mb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) != 0) continue;
    return std::stod(line.substr(field.size() + 1)) / 1024.0;  // the kernel writes kB
  }
  return 0.0;
}

// Resets the process's peak resident memory to its current value (Linux >= 4.0); false if refused.
bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  return static_cast<bool>(out.flush());
}

// Examples [first, first + count) through one solve() call; checks the outcome count.
std::vector<Outcome> solve_batch(Solver& solver, const std::string& spec, const std::vector<Example>& examples,
                                 size_t first, size_t count) {
  std::vector<ProblemPtr> batch;
  for (size_t i = first; i < first + count; ++i) batch.push_back(examples[i].problem);
  auto outcomes = solver.solve(batch);
  if (outcomes.size() != count)
    throw std::logic_error("solver '" + spec + "' returned " + std::to_string(outcomes.size()) + " outcomes for " +
                           std::to_string(count) + " problems");
  return outcomes;
}

// Every example's outcome, batches taken in turn by one thread per solver copy (one LibTorch thread
// each); the first exception any worker meets is rethrown once all have stopped.
std::vector<Outcome> solve_side_by_side(const std::string& spec, const std::vector<Example>& examples,
                                        const std::vector<Solver*>& copies, const HarnessOptions& options,
                                        const std::function<void(const std::string&, size_t, size_t)>& progress) {
  std::vector<Outcome> outcomes(examples.size());
  std::atomic<size_t> next_batch{0};
  std::mutex guard;  // progress, done, failure
  size_t done = 0;
  std::exception_ptr failure;
  const int threads_before = at::get_num_threads();
  at::set_num_threads(1);
  auto work = [&](Solver& solver) {
    try {
      for (size_t first = next_batch.fetch_add(1) * options.batch; first < examples.size();
           first = next_batch.fetch_add(1) * options.batch) {
        const size_t count = std::min<size_t>(options.batch, examples.size() - first);
        auto solved = solve_batch(solver, spec, examples, first, count);
        std::lock_guard<std::mutex> lock(guard);
        std::move(solved.begin(), solved.end(), outcomes.begin() + std::ptrdiff_t(first));
        done += count;
        if (progress) progress(spec, done, examples.size());
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(guard);
      if (!failure) failure = std::current_exception();
      next_batch = examples.size();  // the others stop after their current batch
    }
  };
  std::vector<std::thread> workers;
  for (Solver* copy : copies) workers.emplace_back(work, std::ref(*copy));
  for (auto& worker : workers) worker.join();
  at::set_num_threads(threads_before);
  if (failure) std::rethrow_exception(failure);
  return outcomes;
}

struct Accumulator {
  std::vector<double> latency;
  std::map<std::string, std::pair<double, int64_t>> measures;  // sum, count
  double evaluations = 0, passes = 0, flops = 0;
};

void score(const Task& task, const Example& example, const Outcome& o, SolverEvaluation& e, Accumulator& acc,
           bool keep_answer) {
  const bool verified = o.answer && task.verify(*example.problem, *o.answer);  // the harness's own check
  e.solved += verified;
  e.unsolved += !verified;
  e.wrong_claimed += o.claimed && !verified;
  if (example.solution && o.answer) {
    const bool same = task.same_answer(*o.answer, *example.solution);
    e.matches_reference += same;
    e.valid_but_different += verified && !same;
  }
  if (o.answer)
    for (const auto& [name, value] : task.measure(*example.problem, *o.answer, example.solution.get())) {
      auto& [sum, count] = acc.measures[name];
      sum += value;
      ++count;
    }
  acc.latency.push_back(o.latency_ms);
  acc.evaluations += o.evaluations;
  acc.passes += o.forward_passes;
  acc.flops += o.flops;
  if (keep_answer)
    e.answers.push_back({{"source", example.problem->source},
                         {"verified", verified},
                         {"answer", o.answer ? task.answer_json(*example.problem, *o.answer) : nlohmann::json()}});
}

}  // namespace

std::string dataset_fingerprint(const Task& task, const std::vector<Example>& examples) {
  std::string bytes;
  for (const auto& example : examples) {
    const uint64_t f = task.fingerprint(*example.problem);
    bytes.append(reinterpret_cast<const char*>(&f), sizeof f);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a64(bytes.data(), bytes.size())));
  return hex;
}

EvalReport evaluate(const Task& task, const std::vector<Example>& examples, std::vector<SolverUnderTest>& solvers,
                    const HarnessOptions& options,
                    const std::function<void(const std::string&, size_t, size_t)>& progress) {
  if (examples.empty()) throw std::invalid_argument("evaluate: no problems");
  if (options.batch < 1) throw std::invalid_argument("evaluate: batch must be >= 1");
  if (options.workers < 1) throw std::invalid_argument("evaluate: workers must be >= 1");
  if (options.workers > 1 && !options.replicate)
    throw std::invalid_argument("evaluate: workers > 1 needs a way to replicate the solvers");
  EvalReport report;
  report.dataset = dataset_fingerprint(task, examples);
  const auto start = Clock::now();
  double inside = 0.0;
  for (auto& [spec, solver] : solvers) {
    SolverEvaluation e;
    e.spec = spec;
    e.name = solver->name();
    e.config = solver->config();
    e.device = device_description(options.device);
    e.problems = static_cast<int64_t>(examples.size());
    Accumulator acc;
    const double rss_before = proc_status_mb("VmRSS");
    const bool peak_reset = reset_peak_rss();
    if (options.workers > 1) {
      std::vector<SolverPtr> extra;  // the given solver is the first worker's
      for (int w = 1; w < options.workers; ++w) extra.push_back(options.replicate(spec));
      std::vector<Solver*> copies{solver.get()};
      for (auto& copy : extra) copies.push_back(copy.get());
      const auto call = Clock::now();
      const auto outcomes = solve_side_by_side(spec, examples, copies, options, progress);
      e.solver_seconds = std::chrono::duration<double>(Clock::now() - call).count();
      // What a solver learns about itself on its first batch (parameters, a verifier in the loop) is
      // taken from any copy: the given one may not have solved a batch.
      for (Solver* copy : copies) {
        e.parameters = std::max(e.parameters, copy->parameters());
        e.uses_verifier = e.uses_verifier || copy->uses_verifier();
      }
      for (size_t i = 0; i < examples.size(); ++i) score(task, examples[i], outcomes[i], e, acc, options.keep_answers);
    }
    for (size_t first = 0; options.workers == 1 && first < examples.size(); first += options.batch) {
      const size_t count = std::min<size_t>(options.batch, examples.size() - first);
      synchronize(options.device);
      const auto call = Clock::now();
      auto outcomes = solve_batch(*solver, spec, examples, first, count);
      synchronize(options.device);
      e.solver_seconds += std::chrono::duration<double>(Clock::now() - call).count();
      for (size_t i = 0; i < count; ++i) score(task, examples[first + i], outcomes[i], e, acc, options.keep_answers);
      if (progress) progress(spec, first + count, examples.size());
    }
    e.peak_rss_mb = proc_status_mb("VmHWM");
    e.peak_rss_isolated = peak_reset;
    e.rss_growth_mb = std::max(0.0, e.peak_rss_mb - rss_before);
    e.parameters = std::max(e.parameters, solver->parameters());
    e.uses_verifier = e.uses_verifier || solver->uses_verifier();
    inside += e.solver_seconds;
    e.solve_rate = double(e.solved) / e.problems;
    std::tie(e.solve_rate_low95, e.solve_rate_high95) = wilson_interval(e.solved, e.problems);
    for (const auto& [name, sum_count] : acc.measures) e.measures[name] = sum_count.first / sum_count.second;
    e.mean_ms = mean(acc.latency);
    e.median_ms = percentile(acc.latency, 0.5);
    e.p95_ms = percentile(acc.latency, 0.95);
    e.amortized_ms = 1000.0 * e.solver_seconds / e.problems;
    e.problems_per_second = e.solver_seconds > 0 ? e.problems / e.solver_seconds : 0.0;
    e.mean_evaluations = acc.evaluations / e.problems;
    e.mean_forward_passes = acc.passes / e.problems;
    e.mean_flops = acc.flops / e.problems;
    report.solvers.push_back(std::move(e));
  }
  report.total_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  report.harness_overhead = report.total_seconds > 0 ? (report.total_seconds - inside) / report.total_seconds : 0.0;
  return report;
}

nlohmann::json to_json(const SolverEvaluation& e) {
  nlohmann::json j{{"spec", e.spec}, {"solver", e.name}, {"config", e.config}, {"problems", e.problems},
                   {"solved", e.solved}, {"solve_rate", e.solve_rate}, {"solve_rate_low95", e.solve_rate_low95},
                   {"solve_rate_high95", e.solve_rate_high95}, {"matches_reference", e.matches_reference},
                   {"valid_but_different", e.valid_but_different}, {"unsolved", e.unsolved},
                   {"wrong_claimed", e.wrong_claimed}, {"mean_ms", e.mean_ms}, {"median_ms", e.median_ms},
                   {"p95_ms", e.p95_ms}, {"amortized_ms", e.amortized_ms},
                   {"problems_per_second", e.problems_per_second}, {"mean_evaluations", e.mean_evaluations},
                   {"mean_forward_passes", e.mean_forward_passes}, {"mean_flops", e.mean_flops},
                   {"peak_rss_mb", e.peak_rss_mb}, {"peak_rss_isolated", e.peak_rss_isolated}, {"rss_growth_mb", e.rss_growth_mb}, {"parameters", e.parameters}, {"uses_verifier", e.uses_verifier},
                   {"device", e.device}, {"solver_seconds", e.solver_seconds}};
  for (const auto& [name, value] : e.measures) j[name] = value;
  if (!e.answers.empty()) j["answers"] = e.answers;
  return j;
}

}  // namespace ebm
