#include "ebm/samplers/pool.h"

#include "ebm/runtime/host_sync.h"
#include "ebm/runtime/stopwatch.h"
#include "samplers/chains/chain_engine.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace ebm {

namespace {

}  // namespace

const char* pool_stop_name(PoolStop stop) {
  switch (stop) {
    case PoolStop::Verified: return "verified";
    case PoolStop::Stopped: return "stopped";
    case PoolStop::Budget: return "budget";
    case PoolStop::Deadline: return "deadline";
    case PoolStop::Cancelled: return "cancelled";
  }
  return "?";
}

PoolOptions PoolOptions::from_driver(const DriverOptions& driver) {
  PoolOptions options;
  options.rules = driver;
  return options;
}

double PoolStats::occupancy(int64_t capacity) const {
  if (steps == 0) return 0.0;
  const double mean_rows = double(row_steps) / double(steps);
  return capacity > 0 ? mean_rows / double(capacity) : mean_rows;
}

// A problem in the batch.
struct ChainPool::Live {
  std::shared_ptr<PoolGroup> group;
  int64_t local = 0;        // index within its group
  int64_t joined_step = 0;  // the pool's clock when it joined
  Clock::time_point joined;
  double evaluations = 0.0;  // spent so far, for its evaluation budget
  double charged_ms = 0.0;   // its share of the batch's step time so far, for its time budget (see below)
  int64_t chains_left = 0;   // chains still running
  std::vector<ChainRecord> chains;    // its chains' records, by chain index, as they stop
  std::vector<torch::Tensor> states;  // their result states
  bool leaving = false;               // a budget, its deadline or its cancellation ends it
  PoolStop why = PoolStop::Stopped;
  std::string failure;                // fail_all(): why it failed
};

ChainPool::ChainPool(SamplerPtr sampler, EnergyPtr energy, AnswerSpace space, PoolOptions options)
    : sampler_(std::move(sampler)), energy_(std::move(energy)), space_(std::move(space)), options_(options) {
  if (!sampler_) throw std::invalid_argument("pool: no sampler");
  if (options_.max_rows < 0) throw std::invalid_argument("pool: max_rows must be >= 0 (0 = unlimited)");
  engine_ = std::make_unique<ChainEngine>("pool", *sampler_, energy_, space_, options_.rules, options_.device,
                                          options_.dtype);
}

ChainPool::~ChainPool() = default;

void ChainPool::admit(PoolGroup group) {
  ChainEngine::check_group(group, space_, "pool");
  if (group.max_steps < 0 || group.max_evaluations < 0)
    throw std::invalid_argument("pool: max_steps and max_evaluations must be >= 0");
  if (!(group.max_ms >= 0) || std::isinf(group.max_ms)) throw std::invalid_argument("pool: max_ms must be finite and >= 0");
  if (group.max_steps == 0 && group.max_ms == 0 && group.max_evaluations == 0)
    throw std::invalid_argument("pool: no budget: set max_steps, max_ms or max_evaluations");
  std::lock_guard<std::mutex> lock(mutex_);
  const int kind = group.condition.defined() ? 1 : 0;
  std::vector<int64_t> condition_shape;
  if (kind) condition_shape = group.condition.sizes().slice(1).vec();
  if (condition_kind_ < 0) {
    condition_kind_ = kind;
    condition_shape_ = condition_shape;
  } else if (kind != condition_kind_ || condition_shape != condition_shape_) {
    throw std::invalid_argument("pool: condition shape differs from the pool's (every group shares one energy)");
  }
  stats_.waiting_problems += group.problems;
  waiting_.push_back(std::make_shared<PoolGroup>(std::move(group)));
}

PoolStats ChainPool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

void ChainPool::join_waiting() {
  const bool was_empty = engine_->rows() == 0;
  while (true) {
    std::shared_ptr<PoolGroup> group;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (waiting_.empty()) break;
      const int64_t rows = engine_->rows(), wanted = waiting_.front()->problems * options_.rules.chains;
      if (rows > 0 && options_.max_rows > 0 && rows + wanted > options_.max_rows) break;
      if (rows > 0 && !sampler_->takes_rows_mid_run()) break;  // it waits for an empty batch
      group = waiting_.front();
      waiting_.pop_front();
      stats_.waiting_problems -= group->problems;
      stats_.problems_admitted += group->problems;
    }
    const bool cancelled = is_cancelled(group->cancel);
    if (cancelled || Clock::now() >= group->deadline) {  // never ran: reported without an answer
      finish_unrun(*group, cancelled ? PoolStop::Cancelled : PoolStop::Deadline, "");
      continue;
    }
    try {
      join(group);
    } catch (const std::exception& e) {
      // The group cannot run (its initializer, the energy or the machine's memory refused it): each
      // problem is reported once, failed with the reason, and the pool runs on.
      finish_unrun(*group, PoolStop::Stopped, e.what());
    }
  }
  // Fresh groups in an empty batch are checked before their first step, as run_sampler checks its
  // initial states.
  if (was_empty && engine_->rows() > 0) settle(/*after_step=*/false);
}

void ChainPool::join(const std::shared_ptr<PoolGroup>& group) {
  torch::NoGradGuard no_grad;
  if (engine_->rows() == 0) {  // the clock and the noise restart with the group that finds the batch empty
    clock_ = 0;
    noise_ = std::make_unique<NoiseSource>(group->seed ^ 0x9E3779B97F4A7C15ULL, options_.device);
  }
  const int64_t first = engine_->admit(*group, group->seed, context());
  const Clock::time_point now = Clock::now();
  const int64_t per_problem = options_.rules.chains;
  for (int64_t p = 0; p < group->problems; ++p) {
    Live& problem = live_[first + p];
    problem.group = group;
    problem.local = p;
    problem.joined_step = clock_;
    problem.joined = now;
    problem.evaluations = double(per_problem);
    problem.chains_left = per_problem;
    problem.chains.resize(per_problem);
    problem.states.resize(per_problem);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.running_rows = engine_->rows();
}

double ChainPool::schedule_progress() const {
  double progress = 0.0;
  for (const auto& [id, problem] : live_) {
    const PoolGroup& group = *problem.group;
    if (group.max_steps > 0) progress = std::max(progress, double(clock_ - problem.joined_step) / group.max_steps);
    if (group.max_ms > 0) progress = std::max(progress, problem.charged_ms / group.max_ms);
    if (group.max_evaluations > 0) progress = std::max(progress, problem.evaluations / group.max_evaluations);
  }
  return std::min(progress, 1.0);
}

std::chrono::steady_clock::time_point ChainPool::latest_time_left() const {
  Clock::time_point latest = Clock::time_point::min();
  for (const auto& [id, problem] : live_) {
    const PoolGroup& group = *problem.group;
    Clock::time_point end = group.deadline;
    if (group.max_ms > 0)  // at its present share of the batch, its budget ends after this much wall time
      end = std::min(end, after_ms(Clock::now(), (group.max_ms - problem.charged_ms) * double(engine_->rows()) /
                                                     double(std::max<int64_t>(problem.chains_left, 1))));
    latest = std::max(latest, end);
  }
  return latest;
}

StepContext ChainPool::context() const {
  StepContext context;
  context.step = clock_;
  context.progress = schedule_progress();
  context.noise = noise_.get();
  context.deadline = live_.empty() ? Clock::time_point::max() : latest_time_left();
  return context;
}

bool ChainPool::step() {
  join_waiting();
  if (engine_->rows() == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    return !waiting_.empty();
  }
  const int64_t rows = engine_->rows(), evaluations_before = engine_->evaluations();
  const Clock::time_point began = Clock::now();
  engine_->step(context());
  ++clock_;
  const double per_row = double(engine_->evaluations() - evaluations_before) / double(rows);
  const double step_ms_per_row = milliseconds_since(began) / double(rows);
  for (auto& [id, problem] : live_) {
    problem.evaluations += per_row * double(problem.chains_left);
    problem.charged_ms += step_ms_per_row * double(problem.chains_left);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.steps;
    stats_.row_steps += rows;
  }
  settle(/*after_step=*/true);
  return true;
}

void ChainPool::settle(bool after_step) {
  torch::NoGradGuard no_grad;
  // Problems whose own time ends now, decided on the host.
  std::unordered_set<int64_t> leaving;
  for (auto& [id, problem] : live_) {
    const PoolGroup& group = *problem.group;
    if (is_cancelled(group.cancel)) {
      problem.why = PoolStop::Cancelled;
    } else if (Clock::now() >= group.deadline) {
      problem.why = PoolStop::Deadline;
    } else if ((group.max_steps > 0 && clock_ - problem.joined_step >= group.max_steps) ||
               (group.max_ms > 0 && problem.charged_ms >= group.max_ms) ||
               (group.max_evaluations > 0 && problem.evaluations >= double(group.max_evaluations))) {
      problem.why = PoolStop::Budget;
    } else {
      continue;
    }
    problem.leaving = true;
    leaving.insert(id);
  }
  engine_->settle(clock_, after_step, leaving, [this](const ChainExit& exit) { record(exit); });
  report_finished();
}

void ChainPool::record(const ChainExit& exit) {
  // One host read of the stopped chains' energies and evaluations.
  const auto figures = host_copy(torch::stack({exit.energy.to(torch::kDouble), exit.evaluations}));
  const auto figure = figures.accessor<double, 2>();
  const int64_t per_problem = options_.rules.chains;
  for (size_t i = 0; i < exit.chain_ids.size(); ++i) {
    const int64_t id = exit.chain_ids[i] / per_problem, chain = exit.chain_ids[i] % per_problem;
    Live& problem = live_.at(id);
    ChainRecord& record = problem.chains[chain];
    record.status = exit.statuses[i];
    record.energy = figure[0][int64_t(i)];
    record.evaluations = figure[1][int64_t(i)];
    record.stop_step = exit.step - problem.joined_step;
    record.stop_ms = milliseconds_since(problem.joined);
    problem.states[chain] = exit.state[int64_t(i)];
    if (--problem.chains_left == 0) finished_.push_back(id);
  }
}

void ChainPool::report_finished() {
  if (finished_.empty()) return;
  std::vector<int64_t> finished;
  finished.swap(finished_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.running_rows = engine_->rows();
    stats_.evaluations = engine_->evaluations();
  }
  // Resolved as run_sampler resolves a problem; the verifier's last word, group by group.
  std::map<int64_t, ProblemResult> results;
  std::map<PoolGroup*, std::pair<std::vector<ProblemResult*>, std::vector<int64_t>>> by_group;
  for (int64_t id : finished) {
    Live& problem = live_.at(id);
    ProblemResult& result = results[id] = resolve_problem(problem.chains);
    result.answer = problem.states[result.best_chain];
    by_group[problem.group.get()].first.push_back(&result);
    by_group[problem.group.get()].second.push_back(problem.local);
  }
  for (auto& [group, asked] : by_group) last_word(group->verifier, space_, asked.first, asked.second, options_.device);
  for (int64_t id : finished) {
    auto found = live_.find(id);
    Live problem = std::move(found->second);
    live_.erase(found);
    ProblemResult& result = results[id];
    if (!problem.failure.empty()) {
      result.failed = true;
      result.failure = problem.failure;
    }
    PoolStop why = problem.leaving ? problem.why : PoolStop::Stopped;
    if (result.verified && why != PoolStop::Cancelled) why = PoolStop::Verified;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.problems_finished;
      stats_.problems_verified += result.verified ? 1 : 0;
    }
    if (problem.group->on_finished) problem.group->on_finished(problem.local, result, why);
  }
}

void ChainPool::finish_unrun(PoolGroup& group, PoolStop why, const std::string& failure) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.problems_finished += group.problems;
  }
  for (int64_t p = 0; p < group.problems; ++p) {
    ProblemResult result;
    result.failed = !failure.empty();
    result.failure = failure;
    result.answer = torch::full(space_.shape, std::nan(""));
    if (group.on_finished) group.on_finished(p, result, why);
  }
}

void ChainPool::cancel_all() { end_all(PoolStop::Cancelled, ""); }

void ChainPool::fail_all(const std::string& failure) { end_all(PoolStop::Stopped, failure); }

void ChainPool::end_all(PoolStop why, const std::string& failure) {
  std::deque<std::shared_ptr<PoolGroup>> waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting.swap(waiting_);
    stats_.waiting_problems = 0;
  }
  for (auto& group : waiting) finish_unrun(*group, why, failure);
  if (engine_->rows() == 0) return;
  for (auto& [id, problem] : live_) {
    problem.leaving = true;
    problem.why = why;
    problem.failure = failure;
  }
  torch::NoGradGuard no_grad;
  engine_->stop_all(clock_, [this](const ChainExit& exit) { record(exit); });
  report_finished();
}

}  // namespace ebm
