#include "samplers/solving/task_batches.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ebm {

std::vector<std::pair<size_t, size_t>> batch_ranges(const Task& task, const std::vector<ProblemPtr>& problems,
                                                    int64_t batch, int taper_workers) {
  std::vector<std::pair<size_t, size_t>> ranges;
  size_t first = 0;
  while (first < problems.size()) {
    int64_t limit = batch;
    if (taper_workers > 0) {
      const int64_t left = static_cast<int64_t>(problems.size() - first), share = 2 * int64_t(taper_workers);
      const int64_t tapered = std::max<int64_t>(1, (left + share - 1) / share);
      limit = limit <= 0 ? tapered : std::min(limit, tapered);
    }
    size_t end = first + 1;
    while (end < problems.size() && (limit <= 0 || static_cast<int64_t>(end - first) < limit) &&
           task.batchable(*problems[first], *problems[end]))
      ++end;
    ranges.emplace_back(first, end);
    first = end;
  }
  return ranges;
}

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

TaskBatch encode_batch(const Task& task, const std::vector<ProblemPtr>& batch, const Sampler& sampler,
                       const torch::Device& device) {
  Encoding encoding = task.encode(batch, device);
  encoding.space = sampler_answer_space(sampler, encoding.space);
  return task_batch(task, std::move(encoding), batch.size());
}

TaskBatch task_batch(const Task& task, Encoding encoding, size_t problems) {
  TaskBatch batch;
  std::vector<int64_t> owner = encoding.owner;
  if (owner.empty())
    for (size_t i = 0; i < problems; ++i) owner.push_back(static_cast<int64_t>(i));
  if (static_cast<int64_t>(owner.size()) != encoding.problems)
    throw std::logic_error("task '" + task.name() + "': encoding.owner has " + std::to_string(owner.size()) +
                           " entries for " + std::to_string(encoding.problems) + " driver problems");
  batch.drivers.resize(problems);
  for (int64_t p = 0; p < encoding.problems; ++p) {
    if (owner[p] < 0 || owner[p] >= static_cast<int64_t>(problems))
      throw std::logic_error("task '" + task.name() + "': encoding.owner names problem " + std::to_string(owner[p]) +
                             " of a batch of " + std::to_string(problems));
    batch.drivers[owner[p]].push_back(p);
  }
  batch.encoding = std::move(encoding);
  return batch;
}

torch::Tensor answer_energies(Energy& energy, const Encoding& encoding, const torch::Tensor& states,
                              const torch::Tensor& rows) {
  torch::NoGradGuard no_grad;
  torch::Tensor condition = encoding.condition;
  if (condition.defined() && rows.defined()) condition = condition.index_select(0, rows.to(condition.device()));
  torch::Tensor y = states.to(condition.defined() ? condition.device() : states.device());
  if (encoding.space.is_categorical()) y = encoding.space.encode(encoding.space.decode(y), y.options());
  return energy.forward(condition, encoding.space.energy_input(y)).to(torch::kCPU).to(torch::kDouble);
}

SolvedProblem solved_problem(const Task& task, const Problem& problem, const std::vector<ProblemResult>& results,
                             const torch::Tensor& states, const torch::Tensor& energies, int64_t chains) {
  SolvedProblem solved;
  solved.chains = chains;
  if (results.empty()) return solved;
  solved.answer = task.decode(problem, states);
  for (size_t k = 0; k < results.size(); ++k) {
    solved.energy += energies[int64_t(k)].item<double>();
    solved.steps = std::max(solved.steps, results[k].steps);
    solved.evaluations += results[k].evaluations;
    solved.ms = std::max(solved.ms, results[k].elapsed_ms);
  }
  solved.verified = solved.answer && task.verify(problem, *solved.answer);
  return solved;
}

}  // namespace ebm
