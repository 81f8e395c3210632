#include "ebm/samplers/pool.h"

#include "ebm/runtime/device.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace ebm {

namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Concatenates clamps along rows; inactive ones become all-free rows when any other is active.
Clamp concatenate_clamps(const Clamp& a, int64_t a_rows, const Clamp& b, int64_t b_rows, const torch::Tensor& like) {
  if (!a.active() && !b.active()) return {};
  auto free_rows = [&](int64_t rows) {
    auto shape = like.sizes().vec();
    shape[0] = rows;
    return Clamp{torch::zeros(shape, like.options().dtype(torch::kBool)), torch::zeros(shape, like.options())};
  };
  const Clamp left = a.active() ? a : free_rows(a_rows);
  const Clamp right = b.active() ? b : free_rows(b_rows);
  return Clamp{torch::cat({left.mask, right.mask}), torch::cat({left.values, right.values})};
}

torch::Tensor concatenate_optional(const torch::Tensor& a, const torch::Tensor& b) {
  if (!a.defined() || a.size(0) == 0) return b;
  if (!b.defined()) return a;
  return torch::cat({a, b});
}

}  // namespace

const char* pool_stop_name(PoolStop stop) {
  switch (stop) {
    case PoolStop::VERIFIED: return "verified";
    case PoolStop::STOPPED: return "stopped";
    case PoolStop::BUDGET: return "budget";
    case PoolStop::DEADLINE: return "deadline";
    case PoolStop::CANCELLED: return "cancelled";
  }
  return "?";
}

PoolOptions PoolOptions::from_driver(const DriverOptions& driver) {
  PoolOptions options;
  options.chains = driver.chains;
  options.verify_every = driver.verify_every;
  options.stop_problem_on_verified = driver.stop_problem_on_verified;
  options.energy_tolerance = driver.energy_tolerance;
  options.track_best = driver.track_best;
  options.seed = driver.seed;
  return options;
}

double PoolStats::occupancy(int64_t capacity) const {
  if (steps == 0) return 0.0;
  const double mean_rows = double(row_steps) / double(steps);
  return capacity > 0 ? mean_rows / double(capacity) : mean_rows;
}

struct ChainPool::Problem {
  std::shared_ptr<PoolGroup> group;
  int64_t local = 0;             // index within its group
  int64_t joined_step = 0;
  Clock::time_point joined;
  int64_t chains_left = 0;       // rows still in the batch
  int64_t chains_failed = 0;     // rows that left with a non-finite energy
  double evaluations = 0.0;
  bool finishing = false;        // leaves at this settle
  PoolStop why = PoolStop::STOPPED;
  ProblemResult result;          // answer/energy/verified/best_chain filled as rows leave
};

ChainPool::ChainPool(SamplerPtr sampler, EnergyPtr energy, AnswerSpace space, PoolOptions options)
    : sampler_(std::move(sampler)), energy_(std::move(energy)), space_(std::move(space)), options_(options) {
  if (!sampler_) throw std::invalid_argument("pool: no sampler");
  if (!energy_) throw std::invalid_argument("pool: no energy");
  if (options_.chains < 1) throw std::invalid_argument("pool: chains must be >= 1");
  if (options_.verify_every < 1) throw std::invalid_argument("pool: verify_every must be >= 1");
  if (options_.max_rows < 0) throw std::invalid_argument("pool: max_rows must be >= 0 (0 = unlimited)");
  if (std::isnan(options_.energy_tolerance)) throw std::invalid_argument("pool: tol must not be NaN");
  space_.validate();
  sampler_->check_space(space_);
  noise_ = std::make_unique<NoiseSource>(options_.seed ^ 0x9E3779B97F4A7C15ULL, options_.device);
}

ChainPool::~ChainPool() = default;

void ChainPool::admit(PoolGroup group) {
  if (group.problems < 1) throw std::invalid_argument("pool: problems must be >= 1");
  if (group.max_steps < 0) throw std::invalid_argument("pool: max_steps must be >= 0");
  if (!(group.max_ms >= 0) || std::isinf(group.max_ms)) throw std::invalid_argument("pool: max_ms must be finite and >= 0");
  if (group.max_steps == 0 && group.max_ms == 0) throw std::invalid_argument("pool: no budget: set max_steps or max_ms");
  if (group.condition.defined() && group.condition.size(0) != group.problems)
    throw std::invalid_argument("pool: condition has " + std::to_string(group.condition.size(0)) + " rows for " +
                                std::to_string(group.problems) + " problems");
  if (group.clamp.active() && group.clamp.mask.size(0) != group.problems)
    throw std::invalid_argument("pool: clamp has " + std::to_string(group.clamp.mask.size(0)) + " rows for " +
                                std::to_string(group.problems) + " problems");
  std::vector<int64_t> shape = space_.shape;
  shape.insert(shape.begin(), group.problems);
  if (group.clamp.active() && (group.clamp.mask.sizes().vec() != shape || group.clamp.values.sizes().vec() != shape))
    throw std::invalid_argument("pool: clamp rows do not have the answer space's shape");
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
  while (true) {
    std::shared_ptr<PoolGroup> group;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (waiting_.empty()) return;
      const int64_t rows = chains_.rows(), wanted = waiting_.front()->problems * options_.chains;
      if (options_.max_rows > 0 && rows > 0 && rows + wanted > options_.max_rows) return;
      group = waiting_.front();
      waiting_.pop_front();
      stats_.waiting_problems -= group->problems;
      stats_.problems_admitted += group->problems;
    }
    const bool cancelled = is_cancelled(group->cancel);
    if (cancelled || Clock::now() >= group->deadline) {  // never ran: reported without an answer
      finish_unrun(*group, cancelled ? PoolStop::CANCELLED : PoolStop::DEADLINE, false);
      continue;
    }
    try {
      join(*group, group);
    } catch (const std::exception&) {
      // The group cannot run (its initializer or the energy refused it): each problem is reported
      // once, failed, and the pool runs on.
      finish_unrun(*group, PoolStop::STOPPED, true);
    }
  }
}

void ChainPool::join(PoolGroup& group, std::shared_ptr<PoolGroup> shared) {
  torch::NoGradGuard no_grad;
  const int64_t chains = options_.chains, added = group.problems * chains, before = chains_.rows();
  const auto float_options = torch::TensorOptions().dtype(options_.dtype).device(options_.device);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(options_.device);

  auto local = torch::arange(group.problems, long_options).repeat_interleave(chains);
  torch::Tensor condition;
  if (group.condition.defined()) condition = group.condition.to(options_.device).repeat_interleave(chains, 0);
  Clamp clamp;
  if (group.clamp.active())
    clamp = Clamp{group.clamp.mask.to(options_.device), group.clamp.values.to(float_options)}.repeat_rows(chains);
  Target fresh(energy_, condition, space_, clamp, added);
  torch::Generator generator = make_generator(group.seed, options_.device);
  torch::Tensor y = group.initializer ? group.initializer(local, generator)
                                      : space_.random_init(added, generator, float_options);
  space_.check_batch(y, "pool: initial states");
  ChainBatch joining;
  joining.y = fresh.finalize(y.to(float_options));
  evaluate_chains(fresh, joining, sampler_->needs_gradient());

  // Into the batch: the sampler takes the rows first (it may refuse), then the pool's state changes.
  evaluations_carried_ += double(fresh.evaluations());
  if (before == 0) {
    evaluations_carried_ += double(target_.evaluations());
    target_ = Target(energy_, condition, space_, clamp, added);
    chains_ = joining;
    best_energy_ = torch::full({added}, std::numeric_limits<double>::infinity(), float_options);
    best_state_ = joining.y.clone();
    StepContext context;
    context.step = stats_.steps;
    context.noise = noise_.get();
    sampler_->begin(target_, chains_, context);
  } else {
    const Clamp joined_clamp = concatenate_clamps(target_.clamp(), before, clamp, added, chains_.y);
    Target grown(energy_, concatenate_optional(target_.condition(), condition), space_, joined_clamp, before + added);
    ChainBatch grown_chains;
    grown_chains.y = torch::cat({chains_.y, joining.y});
    grown_chains.energy = torch::cat({chains_.energy, joining.energy});
    if (chains_.gradient.defined() && joining.gradient.defined())
      grown_chains.gradient = torch::cat({chains_.gradient, joining.gradient});
    sampler_->append_rows(added, grown, grown_chains);
    evaluations_carried_ += double(target_.evaluations());
    target_ = grown;
    chains_ = grown_chains;
    best_energy_ = torch::cat({best_energy_, torch::full({added}, std::numeric_limits<double>::infinity(), float_options)});
    best_state_ = torch::cat({best_state_, joining.y});
  }
  const Clock::time_point now = Clock::now();
  for (int64_t p = 0; p < group.problems; ++p) {
    auto problem = std::make_shared<Problem>();
    problem->group = shared;
    problem->local = p;
    problem->joined_step = stats_.steps;
    problem->joined = now;
    problem->chains_left = chains;
    problem->evaluations = double(chains);
    const int64_t key = next_key_++;
    problems_[key] = problem;
    for (int64_t c = 0; c < chains; ++c) row_problem_.push_back(key);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  stats_.running_rows = chains_.rows();
}

double ChainPool::schedule_progress() const {
  double progress = 0.0;
  for (const auto& [key, problem] : problems_) {
    const PoolGroup& group = *problem->group;
    if (group.max_steps > 0) progress = std::max(progress, double(stats_.steps - problem->joined_step) / group.max_steps);
    if (group.max_ms > 0) progress = std::max(progress, milliseconds_since(problem->joined) / group.max_ms);
  }
  return std::min(progress, 1.0);
}

bool ChainPool::step() {
  join_waiting();
  if (chains_.rows() == 0) {
    std::lock_guard<std::mutex> lock(mutex_);
    return !waiting_.empty();
  }
  const int64_t rows = chains_.rows();
  StepContext context;
  context.step = stats_.steps;
  context.progress = schedule_progress();
  context.noise = noise_.get();
  context.deadline = latest_time_left();
  const int64_t evaluations_before = target_.evaluations();
  sampler_->step(target_, chains_, context);
  const double per_row = double(target_.evaluations() - evaluations_before) / double(rows);
  for (auto& [key, problem] : problems_) problem->evaluations += per_row * double(problem->chains_left);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++stats_.steps;
    stats_.row_steps += rows;
  }
  settle();
  return true;
}

std::chrono::steady_clock::time_point ChainPool::latest_time_left() const {
  Clock::time_point latest = Clock::time_point::min();
  for (const auto& [key, problem] : problems_) {
    const PoolGroup& group = *problem->group;
    Clock::time_point end = group.deadline;
    if (group.max_ms > 0)
      end = std::min(end, problem->joined + std::chrono::duration_cast<Clock::duration>(
                                                std::chrono::duration<double, std::milli>(group.max_ms)));
    latest = std::max(latest, end);
  }
  return latest;
}

void ChainPool::settle() {
  torch::NoGradGuard no_grad;
  const int64_t rows = chains_.rows();
  std::vector<char> leaving(rows, 0);
  auto finite = torch::isfinite(chains_.energy);
  // Best-so-far per row (finite energies only).
  if (options_.track_best) {
    auto improved = (chains_.energy < best_energy_) & finite;
    best_energy_ = torch::where(improved, chains_.energy, best_energy_);
    auto shape = std::vector<int64_t>(chains_.y.dim(), 1);
    shape[0] = rows;
    best_state_ = torch::where(improved.view(shape), chains_.y, best_state_);
  }
  auto to_cpu_flags = [](const torch::Tensor& mask) { return mask.to(torch::kCPU).to(torch::kBool).contiguous(); };
  auto finite_cpu = to_cpu_flags(finite);
  const bool* finite_of = finite_cpu.data_ptr<bool>();
  for (int64_t r = 0; r < rows; ++r)
    if (!finite_of[r]) {
      leaving[r] = 1;
      ++problems_.at(row_problem_[r])->chains_failed;
    }
  if (options_.energy_tolerance > -std::numeric_limits<double>::infinity()) {
    auto reached = to_cpu_flags((chains_.energy <= options_.energy_tolerance) & finite);
    for (int64_t r = 0; r < rows; ++r) leaving[r] = leaving[r] || reached.data_ptr<bool>()[r];
  }
  // The verifier, group by group, on the rows that are finite.
  if (stats_.steps % options_.verify_every == 0) {
    std::map<PoolGroup*, std::vector<int64_t>> rows_of_group;
    for (int64_t r = 0; r < rows; ++r) {
      const auto& problem = problems_.at(row_problem_[r]);
      if (problem->group->verifier && finite_of[r]) rows_of_group[problem->group.get()].push_back(r);
    }
    for (auto& [group, group_rows] : rows_of_group) {
      auto index = torch::tensor(group_rows, torch::kLong).to(options_.device);
      std::vector<int64_t> locals;
      for (int64_t r : group_rows) locals.push_back(problems_.at(row_problem_[r])->local);
      auto accepted = to_cpu_flags(group->verifier(space_.decode(chains_.y.index_select(0, index)),
                                                   torch::tensor(locals, torch::kLong).to(options_.device)));
      for (size_t i = 0; i < group_rows.size(); ++i) {
        if (!accepted.data_ptr<bool>()[i]) continue;
        const int64_t r = group_rows[i];
        Problem& problem = *problems_.at(row_problem_[r]);
        leaving[r] = 1;
        if (problem.result.verified) continue;
        problem.result.verified = true;
        problem.result.answer = chains_.y[r].clone();
        problem.result.energy = chains_.energy[r].item<double>();
        problem.result.best_chain = r - (std::find(row_problem_.begin(), row_problem_.end(), row_problem_[r]) - row_problem_.begin());
        if (options_.stop_problem_on_verified) {
          problem.finishing = true;
          problem.why = PoolStop::VERIFIED;
        }
      }
    }
  }
  // Budgets and cancellation, problem by problem.
  for (auto& [key, problem] : problems_) {
    if (problem->finishing) continue;
    const PoolGroup& group = *problem->group;
    if (is_cancelled(group.cancel)) {
      problem->finishing = true;
      problem->why = PoolStop::CANCELLED;
    } else if (Clock::now() >= group.deadline) {
      problem->finishing = true;
      problem->why = PoolStop::DEADLINE;
    } else if ((group.max_steps > 0 && stats_.steps - problem->joined_step >= group.max_steps) ||
               (group.max_ms > 0 && milliseconds_since(problem->joined) >= group.max_ms)) {
      problem->finishing = true;
      problem->why = PoolStop::BUDGET;
    }
  }
  for (int64_t r = 0; r < rows; ++r)
    if (problems_.at(row_problem_[r])->finishing) leaving[r] = 1;
  if (std::find(leaving.begin(), leaving.end(), 1) != leaving.end()) remove_rows(leaving);
}

void ChainPool::remove_rows(const std::vector<char>& leaving) {
  const int64_t rows = chains_.rows();
  std::vector<int64_t> keep, gone;
  for (int64_t r = 0; r < rows; ++r) (leaving[r] ? gone : keep).push_back(r);
  // Fold each leaving row's result into its problem: the lowest finite energy wins (a verified
  // answer is already final).
  auto gone_index = torch::tensor(gone, torch::kLong).to(options_.device);
  const auto& energy_source = options_.track_best ? best_energy_ : chains_.energy;
  const auto& state_source = options_.track_best ? best_state_ : chains_.y;
  auto gone_energy = energy_source.index_select(0, gone_index).to(torch::kCPU).to(torch::kDouble).contiguous();
  std::map<int64_t, int64_t> first_row_of;  // problem key -> its first row (chain 0)
  for (int64_t r = rows - 1; r >= 0; --r) first_row_of[row_problem_[r]] = r;
  for (size_t i = 0; i < gone.size(); ++i) {
    const int64_t r = gone[i];
    Problem& problem = *problems_.at(row_problem_[r]);
    --problem.chains_left;
    const double e = gone_energy.data_ptr<double>()[i];
    if (problem.result.verified || !std::isfinite(e)) continue;
    if (problem.result.best_chain < 0 || e < problem.result.energy) {
      problem.result.energy = e;
      problem.result.answer = state_source[r].clone();
      problem.result.best_chain = r - first_row_of[row_problem_[r]];
    }
  }
  std::vector<std::shared_ptr<Problem>> finished;
  for (int64_t r : gone) {
    auto found = problems_.find(row_problem_[r]);
    if (found != problems_.end() && found->second->chains_left == 0) {
      finished.push_back(found->second);
      problems_.erase(found);
    }
  }
  // Compact the batch.
  auto keep_index = torch::tensor(keep, torch::kLong).to(options_.device);
  std::vector<int64_t> kept_problem;
  for (int64_t r : keep) kept_problem.push_back(row_problem_[r]);
  row_problem_ = std::move(kept_problem);
  chains_ = chains_.select_rows(keep_index);
  best_energy_ = best_energy_.index_select(0, keep_index);
  best_state_ = best_state_.index_select(0, keep_index);
  target_ = target_.select_rows(keep_index);
  sampler_->keep_rows(keep_index, target_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.running_rows = chains_.rows();
    stats_.evaluations = static_cast<int64_t>(evaluations_carried_) + target_.evaluations();
  }
  // Report.
  for (auto& problem : finished) {
    ProblemResult& result = problem->result;
    PoolGroup& group = *problem->group;
    result.failed = problem->chains_failed == options_.chains;
    result.steps = stats_.steps - problem->joined_step;
    result.evaluations = static_cast<int64_t>(std::llround(problem->evaluations));
    result.elapsed_ms = milliseconds_since(problem->joined);
    if (!result.answer.defined()) result.answer = torch::full(space_.shape, std::nan(""), chains_.y.options());
    if (!result.verified && !result.failed && group.verifier) {  // the verifier's last word
      auto accepted = group.verifier(space_.decode(result.answer.unsqueeze(0)),
                                     torch::tensor({problem->local}, torch::kLong).to(options_.device));
      result.verified = accepted.to(torch::kCPU).to(torch::kBool).item<bool>();
    }
    PoolStop why = problem->finishing ? problem->why : PoolStop::STOPPED;
    if (result.verified && why != PoolStop::CANCELLED) why = PoolStop::VERIFIED;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++stats_.problems_finished;
      stats_.problems_verified += result.verified ? 1 : 0;
    }
    if (group.on_finished) group.on_finished(problem->local, result, why);
  }
}

void ChainPool::finish_unrun(PoolGroup& group, PoolStop why, bool failed) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_.problems_finished += group.problems;
  }
  for (int64_t p = 0; p < group.problems; ++p) {
    ProblemResult result;
    result.failed = failed;
    result.answer = torch::full(space_.shape, std::nan(""));
    if (group.on_finished) group.on_finished(p, result, why);
  }
}

void ChainPool::cancel_all() {
  std::deque<std::shared_ptr<PoolGroup>> waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting.swap(waiting_);
    stats_.waiting_problems = 0;
  }
  for (auto& group : waiting) finish_unrun(*group, PoolStop::CANCELLED, false);
  if (chains_.rows() == 0) return;
  for (auto& [key, problem] : problems_) {
    problem->finishing = true;
    problem->why = PoolStop::CANCELLED;
  }
  remove_rows(std::vector<char>(chains_.rows(), 1));
}

}  // namespace ebm
