#include "ebm/samplers/task_pool.h"

#include "ebm/runtime/stopwatch.h"
#include "ebm/samplers/registry.h"
#include "samplers/solving/task_batches.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ebm {

namespace {

// `budget` and the spec's own `own` (0 = none): the smaller where both are set.
template <typename T>
T tighter(T budget, T own) {
  if (own <= 0) return budget;
  return budget <= 0 ? own : std::min(budget, own);
}

}  // namespace

struct TaskPool::Shape {
  EnergyPtr energy;
  std::unique_ptr<ChainPool> pool;
};

// One submission while its problems are in flight.
struct TaskPool::Submitted {
  struct Pending {
    int64_t remaining = 0;               // driver problems still in a pool
    std::vector<ProblemResult> results;  // of its driver problems, in driver order
    bool any_unrun = false;
    PoolStop why = PoolStop::Verified;   // the first reason other than VERIFIED among its driver problems
  };
  PoolSubmission submission;
  Clock::time_point submitted;
  std::vector<Pending> problems;  // written only on the pool's worker thread, where results arrive
};

TaskPool::TaskPool(TaskPtr task, TaskPoolSettings settings) : task_(std::move(task)), settings_(std::move(settings)) {
  if (!task_) throw std::invalid_argument("pool: no task");
  if (settings_.max_rows < 0) throw std::invalid_argument("pool: max_rows must be >= 0 (0 = unlimited)");
  choice_ = settings_.energy;
  if (choice_.name.empty()) choice_.name = task_->energy_names().front();
  try {
    task_->make_energy(choice_, {}, settings_.device);  // refuses an unknown energy or a missing model now
  } catch (const std::exception& e) {
    throw SubmissionError("energy", e.what());
  }
  // Budgets are per problem in a pool: the spec's own steps=, ms= and evals= tighten the request's. A
  // time budget no spec can exceed stands for "none given" while the spec is checked.
  constexpr double kNoTimeGiven = 8.64e7;
  DriverOptions defaults;
  defaults.max_steps = 0;
  defaults.max_ms = kNoTimeGiven;
  SamplerSpec spec;
  try {
    spec = parse_sampler_spec(settings_.sampler.empty() ? task_->default_sampler(choice_.name) : settings_.sampler,
                              defaults);
  } catch (const std::exception& e) {
    throw SubmissionError("sampler", e.what());
  }
  spec_text_ = spec.text;
  driver_ = spec.driver;
  if (settings_.max_rows > 0 && driver_.chains > settings_.max_rows)
    throw SubmissionError("sampler", "chains=" + std::to_string(driver_.chains) + " per problem exceed this batch's " +
                                         "capacity of " + std::to_string(settings_.max_rows) + " chains");
  if (driver_.max_ms >= kNoTimeGiven) driver_.max_ms = 0;
  probe_ = spec.sampler;
  worker_ = std::thread([this] { work(); });
}

TaskPool::~TaskPool() { stop(true); }

TaskPool::Shape& TaskPool::shape_for(const Encoding& encoding, const ProblemPtr& first) {
  const std::string key = encoding.space.describe();
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = shapes_.find(key);
  if (found != shapes_.end()) return *found->second;
  auto shape = std::make_unique<Shape>();
  try {
    shape->energy = task_->make_energy(choice_, {first}, settings_.device);
  } catch (const std::exception& e) {
    throw SubmissionError("energy", e.what());
  }
  DriverOptions defaults = driver_;  // the spec's own options; a budget only so that the text parses
  if (defaults.max_steps == 0 && defaults.max_ms == 0 && defaults.max_evaluations == 0) defaults.max_steps = 1;
  SamplerSpec spec = parse_sampler_spec(spec_text_, defaults);
  PoolOptions options = PoolOptions::from_driver(spec.driver);
  options.max_rows = settings_.max_rows;
  options.device = settings_.device;
  try {
    shape->pool = std::make_unique<ChainPool>(spec.sampler, shape->energy, encoding.space, options);
  } catch (const std::exception& e) {
    throw SubmissionError("sampler", e.what());
  }
  return *shapes_.emplace(key, std::move(shape)).first->second;
}

TaskBatch TaskPool::encode(const std::vector<ProblemPtr>& batch) const {
  Encoding encoding;
  try {
    encoding = task_->encode(batch, settings_.device);
  } catch (const std::exception& e) {
    throw SubmissionError("problems", e.what());
  }
  try {
    encoding.space = sampler_answer_space(*probe_, encoding.space);
  } catch (const std::exception& e) {
    throw SubmissionError("sampler", e.what());
  }
  return task_batch(*task_, std::move(encoding), batch.size());
}

void TaskPool::report(Submitted& record, size_t index, const TaskBatch& encoded, size_t position, Energy& energy) {
  auto& pending = record.problems[index];
  const Problem& problem = *record.submission.problems[index];
  SolvedProblem solved;
  solved.chains = driver_.chains;
  if (!pending.any_unrun) {
    std::vector<torch::Tensor> states;
    for (const auto& r : pending.results) states.push_back(r.answer);
    auto final_states = torch::stack(states);
    auto energies = answer_energies(energy, encoded.encoding, final_states,
                                    torch::tensor(encoded.drivers[position], torch::kLong));
    solved = solved_problem(*task_, problem, pending.results, final_states.to(torch::kCPU), energies, driver_.chains);
  } else {
    for (const auto& r : pending.results) {
      solved.steps = std::max(solved.steps, r.steps);
      if (solved.failure.empty()) solved.failure = r.failure;
    }
  }
  solved.ms = milliseconds_since(record.submitted);
  // The pool's verdict is the encoding's batched check; task.verify has the last word either way.
  const PoolStop reported =
      solved.verified ? PoolStop::Verified : (pending.why == PoolStop::Verified ? PoolStop::Stopped : pending.why);
  if (record.submission.on_result) record.submission.on_result(index, solved, reported);
  pending.results.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  --outstanding_;
  wake_.notify_all();
}

void TaskPool::submit(PoolSubmission submission) {
  if (!(submission.budget_ms > 0) || std::isinf(submission.budget_ms))
    throw std::invalid_argument("budget_ms must be a finite number of milliseconds > 0");
  if (submission.max_steps < 0) throw std::invalid_argument("max_steps must be >= 0");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) throw std::runtime_error("pool: stopped, not taking work");
  }
  const auto& problems = submission.problems;
  auto record = std::make_shared<Submitted>();
  record->submitted = Clock::now();
  record->problems.resize(problems.size());
  if (problems.empty()) return;

  // Encode everything first: a problem that cannot be encoded refuses the whole submission.
  std::vector<std::pair<Shape*, PoolGroup>> prepared;
  for (const auto& [first, end] : batch_ranges(*task_, problems, 0)) {
    const std::vector<ProblemPtr> batch(problems.begin() + first, problems.begin() + end);
    const TaskBatch encoded = encode(batch);
    Shape& shape = shape_for(encoded.encoding, batch.front());
    std::vector<size_t> owner(encoded.encoding.problems);  // driver problem -> its task problem in the batch
    for (size_t i = 0; i < batch.size(); ++i) {
      auto& pending = record->problems[first + i];
      pending.remaining = static_cast<int64_t>(encoded.drivers[i].size());
      pending.results.resize(encoded.drivers[i].size());
      for (int64_t p : encoded.drivers[i]) owner[p] = i;
    }
    PoolGroup group;
    static_cast<ProblemBatch&>(group) = encoded.encoding;
    group.max_ms = tighter(submission.budget_ms, driver_.max_ms);
    group.max_steps = tighter(submission.max_steps, driver_.max_steps);
    group.max_evaluations = driver_.max_evaluations;
    group.deadline = submission.deadline;
    group.cancel = submission.cancel;
    group.seed = submission.seed + first;
    group.on_finished = [this, record, owner, offset = first, encoded, energy = shape.energy](
                            int64_t local, const ProblemResult& result, PoolStop why) {
      const size_t position = owner[local], index = offset + position;
      auto& pending = record->problems[index];
      const auto& drivers = encoded.drivers[position];
      pending.results[std::find(drivers.begin(), drivers.end(), local) - drivers.begin()] = result;
      pending.any_unrun = pending.any_unrun || result.best_chain < 0 || result.failed;
      if (why != PoolStop::Verified && pending.why == PoolStop::Verified) pending.why = why;
      if (--pending.remaining == 0) report(*record, index, encoded, position, *energy);
    };
    prepared.emplace_back(&shape, std::move(group));
  }
  record->submission = std::move(submission);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outstanding_ += static_cast<int64_t>(record->problems.size());
  }
  for (auto& [shape, group] : prepared) shape->pool->admit(std::move(group));
  wake_.notify_all();
}

void TaskPool::work() {
  while (true) {
    std::vector<ChainPool*> pools;
    bool cancel = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || outstanding_ > 0; });
      if (stopping_ && (cancel_on_stop_ || outstanding_ == 0)) {
        cancel = cancel_on_stop_;
        for (auto& [key, shape] : shapes_) pools.push_back(shape->pool.get());
        lock.unlock();
        if (cancel)
          for (ChainPool* pool : pools) pool->cancel_all();
        return;
      }
      for (auto& [key, shape] : shapes_) pools.push_back(shape->pool.get());
    }
    bool stepped = false;
    for (ChainPool* pool : pools) {
      try {
        stepped = pool->step() || stepped;
      } catch (const std::exception& e) {  // a sampler or energy failed mid-step: its problems come back failed
        pool->fail_all(std::string("the sampler or the energy failed mid-step: ") + e.what());
      }
    }
    if (!stepped) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

void TaskPool::stop(bool cancel_running) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!worker_.joinable()) return;
    stopping_ = true;
    cancel_on_stop_ = cancel_on_stop_ || cancel_running;
  }
  wake_.notify_all();
  if (worker_.get_id() != std::this_thread::get_id()) worker_.join();
}

PoolStats TaskPool::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  PoolStats total;
  for (const auto& [key, shape] : shapes_) {
    PoolStats s = shape->pool->stats();
    total.steps += s.steps;
    total.row_steps += s.row_steps;
    total.problems_admitted += s.problems_admitted;
    total.problems_finished += s.problems_finished;
    total.problems_verified += s.problems_verified;
    total.running_rows += s.running_rows;
    total.waiting_problems += s.waiting_problems;
    total.evaluations += s.evaluations;
  }
  return total;
}

int64_t TaskPool::outstanding() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outstanding_;
}

}  // namespace ebm
