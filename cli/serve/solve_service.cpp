#include "solve_service.h"

#include "ebm/samplers/registry.h"
#include "ebm/tasks/registry.h"

#include <algorithm>
#include <thread>

namespace ebm::serve {

namespace {
using Clock = std::chrono::steady_clock;
}

SolveService::SolveService(ServiceSettings settings) : settings_(std::move(settings)) {}

SolveService::~SolveService() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [key, pools] : pools_)
    for (auto& pool : pools.workers) pool->stop(true);
}

bool SolveService::evict_idle_locked() {
  auto idlest = pools_.end();
  for (auto it = pools_.begin(); it != pools_.end(); ++it) {
    const bool idle = std::all_of(it->second.workers.begin(), it->second.workers.end(),
                                  [](const auto& pool) { return pool->outstanding() == 0; });
    const bool evictable = idle && !it->second.task_default;
    if (evictable && (idlest == pools_.end() || it->second.last_used < idlest->second.last_used)) idlest = it;
  }
  if (idlest == pools_.end()) return false;
  for (auto& pool : idlest->second.workers) {
    pool->stop(false);
    const PoolStats stats = pool->stats();
    retired_.steps += stats.steps;
    retired_.row_steps += stats.row_steps;
  }
  pools_.erase(idlest);
  return true;
}

void SolveService::submit_locked(const SolveRequest& request, PoolSubmission submission) {
  const std::string energy = request.energy.empty() ? request.task->default_energy(request.problems) : request.energy;
  std::string spec = request.sampler.empty() ? request.task->default_sampler(energy) : request.sampler;
  DriverOptions defaults;
  defaults.max_steps = 0;
  defaults.max_ms = 1.0;
  try {
    const SamplerSpec parsed = parse_sampler_spec(spec, defaults);
    spec = parsed.text + " " + parsed.driver.describe();  // one pool however a spec is spelled
  } catch (const std::exception& e) {
    throw BadRequest(std::string("sampler: ") + e.what());
  }
  const std::string key = request.task->name() + "\n" + energy + "\n" + spec;
  // The task's default energy with its default sampler: always admissible, beside the limit.
  const bool task_default = request.sampler.empty() && energy == request.task->default_energy(request.problems);
  auto found = pools_.find(key);
  if (found != pools_.end()) {
    found->second.last_used = Clock::now();
    auto& workers = found->second.workers;
    auto least_busy = std::min_element(workers.begin(), workers.end(),
                                       [](const auto& a, const auto& b) { return a->outstanding() < b->outstanding(); });
    (*least_busy)->submit(std::move(submission));
    return;
  }
  const auto counted = std::count_if(pools_.begin(), pools_.end(), [](const auto& entry) { return !entry.second.task_default; });
  if (!task_default && counted >= settings_.limits.max_pools && !evict_idle_locked())
    throw Unavailable("this server already runs " + std::to_string(counted) +
                      " busy batches (task, energy, sampler) besides the tasks' defaults; retry later, or use a "
                      "task's default sampler");
  TaskPoolSettings pool_settings;
  pool_settings.energy.name = request.energy;
  pool_settings.sampler = request.sampler;
  pool_settings.max_rows = settings_.batch_chains;
  Pools made;
  made.last_used = Clock::now();
  made.task_default = task_default;
  for (int64_t w = 0; w < settings_.workers; ++w)
    made.workers.push_back(std::make_unique<TaskPool>(request.task, pool_settings));
  made.workers.front()->submit(std::move(submission));  // refused: `made` goes, nothing is kept
  pools_.emplace(key, std::move(made));
}

void SolveService::submit(const SolveRequest& request, const CancellationPtr& cancel, ResultCallback on_result) {
  if (!accepting_) throw Unavailable("shutting down");
  const int64_t count = static_cast<int64_t>(request.problems.size());
  if (outstanding_.fetch_add(count) + count > settings_.limits.max_queue) {
    outstanding_.fetch_sub(count);
    throw Unavailable("queue full: " + std::to_string(settings_.limits.max_queue) + " problems in flight");
  }
  const auto arrival = request.arrival;
  PoolSubmission submission;
  submission.problems = request.problems;
  submission.budget_ms = request.budget_ms;
  submission.deadline = arrival + std::chrono::microseconds(static_cast<int64_t>(request.deadline_ms * 1000.0));
  submission.seed = request.seed.value_or(settings_.seed);
  submission.cancel = cancel;
  TaskPtr task = request.task;
  auto problems = request.problems;
  submission.on_result = [this, task, problems, on_result, arrival](size_t index, const SolvedProblem& solved,
                                                                    PoolStop why) {
    const double seconds = std::chrono::duration<double>(Clock::now() - arrival).count();
    metrics_.problem(solved.verified, seconds);
    on_result(index, result_json(*task, *problems[index], solved, why));
    outstanding_.fetch_sub(1);
  };
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    submit_locked(request, std::move(submission));
  } catch (const SubmissionError& e) {
    outstanding_.fetch_sub(count);
    throw BadRequest(e.field() + ": " + e.what());
  } catch (const BadRequest&) {
    outstanding_.fetch_sub(count);
    throw;
  } catch (const Unavailable&) {
    outstanding_.fetch_sub(count);
    throw;
  } catch (const std::exception& e) {
    outstanding_.fetch_sub(count);
    throw BadRequest(std::string("problems: ") + e.what());
  }
}

void SolveService::shutdown(double drain_ms) {
  accepting_ = false;
  const auto until = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(drain_ms * 1000.0));
  while (outstanding_.load() > 0 && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& [key, pools] : pools_)
    for (auto& pool : pools.workers) pool->stop(true);  // answers what is left as "cancelled"
}

PoolGauges SolveService::gauges() const {
  PoolGauges gauges;
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t row_steps = retired_.row_steps, steps = retired_.steps;
  gauges.sampler_steps = retired_.steps;
  for (const auto& [key, pools] : pools_) {
    const auto& workers = pools.workers;
    for (const auto& pool : workers) {
      PoolStats stats = pool->stats();
      gauges.queue_depth += stats.waiting_problems;
      gauges.running_chains += stats.running_rows;
      gauges.sampler_steps += stats.steps;
      row_steps += stats.row_steps;
      steps += stats.steps;
    }
    gauges.pools += static_cast<int64_t>(workers.size());
  }
  gauges.chain_steps = row_steps;
  gauges.batch_chains = settings_.batch_chains;
  gauges.outstanding = outstanding_.load();
  if (steps > 0 && settings_.batch_chains > 0)
    gauges.batch_occupancy = double(row_steps) / double(steps) / double(settings_.batch_chains);
  return gauges;
}

nlohmann::json SolveService::tasks_json() const {
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& task : all_tasks()) {
    const auto energies = task->energy_names();
    tasks.push_back({{"name", task->name()},
                     {"summary", task->summary()},
                     {"energies", energies},
                     {"default_sampler", task->default_sampler(energies.front())},
                     {"input_format", task->input_format()}});
  }
  return tasks;
}

}  // namespace ebm::serve
