#include "ebm/samplers/task_pool.h"

#include "ebm/samplers/registry.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ebm {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

struct TaskPool::Shape {
  EnergyPtr energy;
  std::unique_ptr<ChainPool> pool;
};

// One submission while its problems are in flight.
struct TaskPool::Submitted {
  struct Pending {
    int64_t remaining = 0;              // driver problems still in a pool
    std::vector<int64_t> driver;        // its driver problems (group-local), in driver order
    std::vector<torch::Tensor> states;  // their final states, same order
    SolvedProblem solved;
    bool any_unrun = false;
    bool all_verified = true;
    PoolStop why = PoolStop::VERIFIED;
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
  task_->make_energy(choice_, {}, settings_.device);  // refuses an unknown energy or a missing model now
  DriverOptions defaults;
  defaults.max_steps = 0;
  defaults.max_ms = 1.0;  // budgets are per problem in a pool; this only satisfies the spec's check
  SamplerSpec spec = parse_sampler_spec(
      settings_.sampler.empty() ? task_->default_sampler(choice_.name) : settings_.sampler, defaults);
  if (spec.driver.restarts > 0 || spec.driver.plateau_steps > 0)
    throw std::invalid_argument("pool: sampler '" + spec.text + "': restarts and plateau tests are not available "
                                "in continuous batching; drop restarts= and plateau=");
  spec_text_ = spec.text;
  driver_ = spec.driver;
  worker_ = std::thread([this] { work(); });
}

TaskPool::~TaskPool() { stop(true); }

TaskPool::Shape& TaskPool::shape_for(const Encoding& encoding, const ProblemPtr& first) {
  const std::string key = encoding.space.describe();
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = shapes_.find(key);
  if (found != shapes_.end()) return *found->second;
  auto shape = std::make_unique<Shape>();
  shape->energy = task_->make_energy(choice_, {first}, settings_.device);
  DriverOptions defaults = driver_;
  SamplerSpec spec = parse_sampler_spec(spec_text_, defaults);
  PoolOptions options = PoolOptions::from_driver(spec.driver);
  options.max_rows = settings_.max_rows;
  options.seed = settings_.seed;
  options.device = settings_.device;
  shape->pool = std::make_unique<ChainPool>(spec.sampler, shape->energy, encoding.space, options);
  return *shapes_.emplace(key, std::move(shape)).first->second;
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
  struct Prepared {
    Shape* shape;
    PoolGroup group;
  };
  std::vector<Prepared> prepared;
  size_t first = 0;
  while (first < problems.size()) {
    size_t end = first + 1;
    while (end < problems.size() && task_->batchable(*problems[first], *problems[end])) ++end;
    std::vector<ProblemPtr> batch(problems.begin() + first, problems.begin() + end);
    Encoding encoding = task_->encode(batch, settings_.device);
    std::vector<int64_t> owner = encoding.owner;
    if (owner.empty())
      for (size_t i = 0; i < batch.size(); ++i) owner.push_back(static_cast<int64_t>(i));
    Shape& shape = shape_for(encoding, batch.front());
    encoding.space = shape.pool->space();
    for (int64_t p = 0; p < encoding.problems; ++p) {
      auto& pending = record->problems[first + owner[p]];
      pending.driver.push_back(p);
      ++pending.remaining;
    }
    PoolGroup group;
    group.problems = encoding.problems;
    group.condition = encoding.condition;
    group.clamp = encoding.clamp;
    group.initializer = encoding.initializer;
    group.verifier = encoding.verifier;
    group.max_ms = submission.budget_ms;
    group.max_steps = submission.max_steps;
    group.deadline = submission.deadline;
    group.cancel = submission.cancel;
    group.seed = submission.seed + first;
    const size_t offset = first;
    group.on_finished = [this, record, owner, offset, space = encoding.space](int64_t local, const ProblemResult& result,
                                                                              PoolStop why) {
      const size_t index = offset + static_cast<size_t>(owner[local]);
      auto& pending = record->problems[index];
      const auto position = std::find(pending.driver.begin(), pending.driver.end(), local) - pending.driver.begin();
      if (pending.states.empty()) pending.states.resize(pending.driver.size());
      pending.states[position] = result.answer.to(torch::kCPU);
      SolvedProblem& solved = pending.solved;
      solved.energy += result.energy;
      solved.steps = std::max(solved.steps, result.steps);
      solved.evaluations += result.evaluations;
      solved.chains = driver_.chains;
      pending.any_unrun = pending.any_unrun || result.best_chain < 0 || result.failed;
      if (why != PoolStop::VERIFIED) {
        pending.all_verified = false;
        if (pending.why == PoolStop::VERIFIED) pending.why = why;
      }
      if (--pending.remaining > 0) return;
      if (!pending.any_unrun) {
        solved.answer = task_->decode(*record->submission.problems[index], torch::stack(pending.states));
        solved.verified = solved.answer && task_->verify(*record->submission.problems[index], *solved.answer);
      }
      solved.ms = std::chrono::duration<double, std::milli>(Clock::now() - record->submitted).count();
      // The pool's verdict is the encoding's batched check; task.verify has the last word either way.
      PoolStop reported = solved.verified ? PoolStop::VERIFIED : (pending.why == PoolStop::VERIFIED ? PoolStop::STOPPED : pending.why);
      if (record->submission.on_result) record->submission.on_result(index, solved, reported);
      pending.states.clear();
      std::lock_guard<std::mutex> lock(mutex_);
      --outstanding_;
      wake_.notify_all();
    };
    prepared.push_back({&shape, std::move(group)});
    first = end;
  }
  record->submission = std::move(submission);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    outstanding_ += static_cast<int64_t>(record->problems.size());
  }
  for (auto& p : prepared) p.shape->pool->admit(std::move(p.group));
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
      } catch (const std::exception&) {
        pool->cancel_all();  // a sampler or energy failed mid-step: its problems come back unsolved
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
