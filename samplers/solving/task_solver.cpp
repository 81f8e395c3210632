#include "ebm/samplers/task_solver.h"

#include "ebm/samplers/registry.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>

namespace ebm {

namespace {

using Clock = std::chrono::steady_clock;

// Consecutive runs of at most `batch` problems that the task lets share one driver batch.
std::vector<std::pair<size_t, size_t>> batch_ranges(const Task& task, const std::vector<ProblemPtr>& problems,
                                                    int64_t batch) {
  std::vector<std::pair<size_t, size_t>> ranges;
  size_t first = 0;
  while (first < problems.size()) {
    size_t end = first + 1;
    while (end < problems.size() && static_cast<int64_t>(end - first) < batch &&
           task.batchable(*problems[first], *problems[end]))
      ++end;
    ranges.emplace_back(first, end);
    first = end;
  }
  return ranges;
}

// Records every running chain every `every` steps (SolveReport::chain_trace).
IterationCallback chain_tracer(const Encoding& encoding, int64_t every, int64_t chains_per_problem,
                               std::vector<ChainTraceRow>& rows) {
  return [&encoding, &rows, every, chains_per_problem](const IterationInfo& info) {
    if (info.step % every != 0) return CallbackResult::CONTINUE;
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
    return CallbackResult::CONTINUE;
  };
}

// Energy of each final state; for categorical spaces that of its decoded one-hot form, where
// annealed relaxation terms vanish.
torch::Tensor answer_energies(Energy& energy, const Encoding& encoding, const torch::Tensor& states) {
  torch::NoGradGuard no_grad;
  torch::Tensor condition = encoding.condition;
  torch::Tensor y = states.to(condition.defined() ? condition.device() : states.device());
  if (encoding.space.is_categorical()) y = encoding.space.encode(encoding.space.decode(y), y.options());
  return energy.forward(condition, encoding.space.energy_input(y)).to(torch::kCPU).to(torch::kDouble);
}

}  // namespace

AnswerSpace sampler_answer_space(const Sampler& sampler, const AnswerSpace& space) {
  try {
    sampler.check_space(space);
    return space;
  } catch (const std::invalid_argument&) {
    const bool one_hot = space.kind == AnswerKind::OneHot;
    const bool probabilities = space.kind == AnswerKind::Categorical && space.param == CategoricalParam::Probabilities;
    if (!one_hot && !probabilities) throw;
    AnswerSpace other = one_hot ? AnswerSpace::categorical(space.num_variables(), space.num_categories())
                                : AnswerSpace::one_hot(space.num_variables(), space.num_categories());
    try {
      sampler.check_space(other);
    } catch (const std::invalid_argument&) {
      sampler.check_space(space);  // report the refusal of the task's own space
    }
    return other;
  }
}

SolveReport solve_with_energy(const Task& task, const std::vector<ProblemPtr>& problems, const EbmSettings& settings,
                              const std::function<void(size_t, size_t)>& progress) {
  SolveReport report;
  if (problems.empty()) return report;
  if (settings.batch < 1) throw std::invalid_argument("solve: batch must be >= 1, got " + std::to_string(settings.batch));
  if (!(settings.budget_ms > 0)) throw std::invalid_argument("solve: the budget must be > 0 ms");
  EnergyChoice choice = settings.energy;
  if (choice.name.empty()) choice.name = task.energy_names().front();

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
  EnergyPtr energy = settings.prebuilt ? settings.prebuilt : task.make_energy(choice, problems, settings.device);
  report.energy = energy->describe();
  for (const auto& [first, end] : batch_ranges(task, problems, settings.batch)) {
    if (is_cancelled(settings.cancel)) {  // later batches: no answer, never verified
      report.problems.resize(problems.size());
      break;
    }
    std::vector<ProblemPtr> batch(problems.begin() + first, problems.begin() + end);
    Encoding encoding = task.encode(batch, settings.device);
    encoding.space = sampler_answer_space(*spec.sampler, encoding.space);
    std::vector<int64_t> owner = encoding.owner;
    if (owner.empty())
      for (size_t i = 0; i < batch.size(); ++i) owner.push_back(static_cast<int64_t>(i));
    if (static_cast<int64_t>(owner.size()) != encoding.problems)
      throw std::logic_error("task '" + task.name() + "': encoding.owner has " + std::to_string(owner.size()) +
                             " entries for " + std::to_string(encoding.problems) + " driver problems");

    RunRequest request;
    request.energy = energy;
    request.problems = encoding.problems;
    request.condition = encoding.condition;
    request.space = encoding.space;
    request.clamp = encoding.clamp;
    request.device = settings.device;
    request.initializer = encoding.initializer;
    request.verifier = encoding.verifier;
    request.cancel = settings.cancel;
    report.verifier_in_loop = report.verifier_in_loop || static_cast<bool>(encoding.verifier);
    const bool first_batch = first == 0;
    if (first_batch && settings.trace_chains_every > 0)
      request.callbacks.push_back(
          chain_tracer(encoding, settings.trace_chains_every, spec.driver.chains, report.chain_trace));
    DriverOptions driver = spec.driver;
    driver.seed = settings.seed + first;
    RunResult result = run_sampler(*spec.sampler, request, driver);
    if (settings.trace && first_batch) report.trace = result.trace;

    std::vector<torch::Tensor> states;
    for (const auto& r : result.problems) states.push_back(r.answer);
    auto final_states = torch::stack(states);
    auto energies = answer_energies(*energy, encoding, final_states);
    final_states = final_states.to(torch::kCPU);
    for (size_t i = 0; i < batch.size(); ++i) {
      std::vector<int64_t> mine;
      for (int64_t p = 0; p < encoding.problems; ++p)
        if (owner[p] == static_cast<int64_t>(i)) mine.push_back(p);
      SolvedProblem solved;
      solved.chains = driver.chains;
      if (!mine.empty()) {
        auto index = torch::tensor(mine, torch::kLong);
        solved.answer = task.decode(*batch[i], final_states.index_select(0, index));
        for (int64_t p : mine) {
          const ProblemResult& r = result.problems[p];
          solved.energy += energies[p].item<double>();
          solved.steps = std::max(solved.steps, r.steps);
          solved.evaluations += r.evaluations;
          solved.ms = std::max(solved.ms, r.elapsed_ms);
        }
      }
      solved.verified = solved.answer && task.verify(*batch[i], *solved.answer);
      report.problems.push_back(std::move(solved));
    }
    if (progress) progress(end, problems.size());
  }
  report.total_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  return report;
}

}  // namespace ebm
