#include "cli/serve/solve_service.h"

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
  for (auto& [key, workers] : pools_)
    for (auto& pool : workers) pool->stop(true);
}

TaskPool& SolveService::pool_for(const SolveRequest& request) {
  const std::string key = request.task->name() + "\n" + request.energy + "\n" + request.sampler;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = pools_.find(key);
  if (found != pools_.end()) {
    auto least_busy = std::min_element(found->second.begin(), found->second.end(),
                                       [](const auto& a, const auto& b) { return a->outstanding() < b->outstanding(); });
    return **least_busy;
  }
  if (static_cast<int64_t>(pools_.size()) >= settings_.limits.max_pools)
    throw Unavailable("this server already runs " + std::to_string(pools_.size()) +
                      " batches (task, energy, sampler); use one of the samplers in use or the task's default");
  TaskPoolSettings pool_settings;
  pool_settings.energy.name = request.energy;
  pool_settings.sampler = request.sampler;
  pool_settings.max_rows = settings_.batch_chains;
  pool_settings.seed = settings_.seed;
  std::vector<std::unique_ptr<TaskPool>> workers;
  try {
    for (int64_t w = 0; w < settings_.workers; ++w) {
      pool_settings.seed = settings_.seed + static_cast<uint64_t>(w);
      workers.push_back(std::make_unique<TaskPool>(request.task, pool_settings));
    }
  } catch (const std::exception& e) {
    const std::string what = e.what();
    const bool about_energy = what.find("energy") != std::string::npos && !request.energy.empty();
    throw BadRequest(std::string(about_energy ? "energy" : "sampler") + ": " + what);
  }
  return *pools_.emplace(key, std::move(workers)).first->second.front();
}

void SolveService::submit(const SolveRequest& request, const CancellationPtr& cancel, ResultCallback on_result) {
  if (!accepting_) throw Unavailable("shutting down");
  const int64_t count = static_cast<int64_t>(request.problems.size());
  if (outstanding_.fetch_add(count) + count > settings_.limits.max_queue) {
    outstanding_.fetch_sub(count);
    throw Unavailable("queue full: " + std::to_string(settings_.limits.max_queue) + " problems in flight");
  }
  const auto arrival = Clock::now();
  PoolSubmission submission;
  submission.problems = request.problems;
  submission.budget_ms = request.budget_ms;
  submission.deadline = arrival + std::chrono::microseconds(static_cast<int64_t>(request.deadline_ms * 1000.0));
  submission.seed = request.seed;
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
    pool_for(request).submit(std::move(submission));
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
  for (auto& [key, workers] : pools_)
    for (auto& pool : workers) pool->stop(true);  // answers what is left as "cancelled"
}

PoolGauges SolveService::gauges() const {
  PoolGauges gauges;
  int64_t row_steps = 0, steps = 0;
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, workers] : pools_) {
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
