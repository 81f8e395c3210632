// run_sampler: the request's problems as one group of the chain engine (samplers/chains/chain_engine.h),
// stepped until every chain has stopped or a budget, a callback or a cancellation ends the run.
#include "ebm/samplers/driver.h"

#include "ebm/device.h"
#include "ebm/runtime/host_sync.h"
#include "ebm/runtime/stopwatch.h"
#include "samplers/chains/chain_engine.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm {

namespace {

// Why a run ended.
struct Ending {
  TerminationType termination;
  std::string message;
};

// One run: the engine, the run's clock and budgets, and every chain's final record (indexed by chain
// id, written as chains stop; read by the host once, at the end).
class DriverRun {
 public:
  DriverRun(Sampler& sampler, const RunRequest& request, const DriverOptions& options)
      : sampler_(sampler), request_(request), options_(options), start_(Clock::now()),
        engine_("driver", sampler, request.energy, request.space, options, request.device, request.dtype),
        noise_(options.seed ^ 0x9E3779B97F4A7C15ULL, request.device) {
    context_.noise = &noise_;
    context_.cancel = request.cancel.get();
    if (options.max_ms > 0) context_.deadline = after_ms(start_, options.max_ms);
    engine_.admit(request, options.seed, context_);
    const int64_t rows = engine_.rows();
    const auto on_device = torch::TensorOptions().device(request.device);
    best_state_ = torch::empty_like(engine_.chains().y);
    best_energy_ = torch::empty({rows}, on_device.dtype(request.dtype));
    status_ = torch::zeros({rows}, on_device.dtype(torch::kLong));
    stop_step_ = torch::zeros({rows}, on_device.dtype(torch::kLong));
    evaluations_ = torch::zeros({rows}, on_device.dtype(torch::kDouble));
    records_.resize(rows);
    acceptance_sum_ = torch::zeros({}, on_device.dtype(torch::kDouble));
  }

  // --- the checks before each step ---------------------------------------------------------------
  bool every_chain_stopped() const { return engine_.rows() == 0; }
  bool cancelled() const { return is_cancelled(request_.cancel); }
  bool steps_spent() const { return options_.max_steps > 0 && steps_ >= options_.max_steps; }
  bool evaluations_spent() const {
    return options_.max_evaluations > 0 && engine_.evaluations() >= options_.max_evaluations;
  }
  bool time_spent() const { return options_.max_ms > 0 && milliseconds_since(start_) >= options_.max_ms; }
  Ending converged_or_failed() const {
    if (failed_chains_ == int64_t(records_.size()))
      return {TerminationType::Failure, "every chain's energy became NaN or Inf; try a smaller step size, a lower "
                                        "temperature, or check the energy for overflow"};
    return {TerminationType::Convergence, "every chain stopped (tolerance, verifier or plateau)"};
  }

  // --- a step, and the verdicts after it ------------------------------------------------------------
  // One sampler step over every running chain, its trace row, then the callbacks' verdict.
  CallbackResult step() {
    context_.step = steps_;
    context_.progress = progress();
    const StepStats stats = engine_.step(context_);
    ++steps_;
    if (stats.acceptance.defined()) {
      acceptance_sum_ += stats.acceptance.mean().to(torch::kDouble);
      ++acceptance_steps_;
    }
    if (options_.trace) trace_.push_back(trace_row(stats));
    IterationInfo info;
    info.step = steps_;
    info.elapsed_ms = milliseconds_since(start_);
    info.evaluations = engine_.evaluations();
    info.running_chains = engine_.rows();
    info.chains = &engine_.chains();
    info.chain_ids = engine_.chain_ids();
    info.stats = &stats;
    for (const auto& callback : request_.callbacks) {
      const CallbackResult verdict = callback(info);
      if (verdict != CallbackResult::Continue) return verdict;
    }
    return CallbackResult::Continue;
  }
  void settle(bool after_step) {
    engine_.settle(steps_, after_step, {}, [this](const ChainExit& exit) { record(exit); });
  }

  // Stops the chains still running and gathers the result.
  RunResult finish(Ending ending) {
    synchronize(request_.device);
    engine_.stop_all(steps_, [this](const ChainExit& exit) { record(exit); });
    RunResult result;
    read_records();
    resolve_problems(result);
    Summary& summary = result.summary;
    summary.termination = ending.termination;
    summary.message = ending.message;
    summarise(summary, result.problems);
    result.best_states = best_state_;
    result.best_energies = best_energy_;
    result.chain_status = status_;
    result.trace = std::move(trace_);
    return result;
  }

 private:
  double progress() const {
    double p = 0.0;
    if (options_.max_steps > 0) p = std::max(p, double(steps_) / options_.max_steps);
    if (options_.max_evaluations > 0) p = std::max(p, double(engine_.evaluations()) / options_.max_evaluations);
    if (options_.max_ms > 0) p = std::max(p, milliseconds_since(start_) / options_.max_ms);
    return std::min(p, 1.0);
  }

  // One host read for the row's figures (NaN where a figure does not apply).
  TraceRow trace_row(const StepStats& stats) const {
    const ChainBatch& chains = engine_.chains();
    TraceRow row;
    row.step = steps_;
    row.elapsed_ms = milliseconds_since(start_);
    row.evaluations = engine_.evaluations();
    row.running_chains = engine_.rows();
    const auto not_applicable = torch::full({}, std::numeric_limits<double>::quiet_NaN(), chains.energy.options());
    auto figures = host_copy(torch::stack({chains.energy.mean(), chains.energy.min(),
                                           chains.gradient.defined() ? chains.gradient.flatten(1).norm(2, 1).mean()
                                                                     : not_applicable,
                                           stats.acceptance.defined() ? stats.acceptance.mean() : not_applicable})
                                 .to(torch::kDouble));
    const double* figure = figures.data_ptr<double>();
    row.mean_energy = figure[0];
    row.min_energy = figure[1];
    row.mean_gradient_norm = figure[2];
    row.mean_acceptance = figure[3];
    return row;
  }

  // Chains that stopped: their records on the device (no read), their statuses and times on the host.
  void record(const ChainExit& exit) {
    status_.index_copy_(0, exit.ids, exit.status);
    best_state_.index_copy_(0, exit.ids, exit.state);
    best_energy_.index_copy_(0, exit.ids, exit.energy);
    stop_step_.index_fill_(0, exit.ids, exit.step);
    evaluations_.index_copy_(0, exit.ids, exit.evaluations);
    const double now = milliseconds_since(start_);
    for (size_t i = 0; i < exit.chain_ids.size(); ++i) {
      ChainRecord& chain = records_[exit.chain_ids[i]];
      chain.status = exit.statuses[i];
      chain.stop_ms = now;
      failed_chains_ += exit.statuses[i] == ChainStatus::NonFinite ? 1 : 0;
    }
  }

  // One host read of the per-chain records, as doubles (the integers are far below 2^53).
  void read_records() {
    const auto records = host_copy(torch::stack({best_energy_.to(torch::kDouble), stop_step_.to(torch::kDouble),
                                                 evaluations_}));
    const auto record = records.accessor<double, 2>();
    for (size_t c = 0; c < records_.size(); ++c) {
      records_[c].energy = record[0][c];
      records_[c].stop_step = static_cast<int64_t>(record[1][c]);
      records_[c].evaluations = record[2][c];
    }
  }

  void resolve_problems(RunResult& result) const {
    const int64_t per_problem = options_.chains;
    std::vector<ProblemResult*> results;
    std::vector<int64_t> problems;
    result.problems.reserve(request_.problems);
    for (int64_t p = 0; p < request_.problems; ++p) {
      const auto first = records_.begin() + p * per_problem;
      ProblemResult problem = resolve_problem({first, first + per_problem});
      problem.best_chain += p * per_problem;
      problem.answer = best_state_[problem.best_chain];
      result.problems.push_back(std::move(problem));
      results.push_back(&result.problems.back());
      problems.push_back(p);
    }
    last_word(request_.verifier, request_.space, results, problems, request_.device);
  }

  void summarise(Summary& summary, const std::vector<ProblemResult>& problems) {
    summary.sampler = sampler_.describe();
    summary.problems = request_.problems;
    summary.chains = int64_t(records_.size());
    summary.seed = options_.seed;
    for (const ChainRecord& chain : records_) {
      switch (chain.status) {
        case ChainStatus::Verified: ++summary.chains_verified; break;
        case ChainStatus::Tolerance: ++summary.chains_at_tolerance; break;
        case ChainStatus::Plateau: ++summary.chains_plateaued; break;
        case ChainStatus::NonFinite: ++summary.chains_failed; break;
        case ChainStatus::Running: ++summary.chains_running; break;
        case ChainStatus::SiblingVerified: break;
      }
    }
    if (summary.chains_failed > 0 && summary.termination != TerminationType::Failure)
      summary.message += "; " + std::to_string(summary.chains_failed) +
                         " chain(s) failed with NaN/Inf energy (try a smaller step size)";
    for (const auto& problem : problems) {
      summary.problems_verified += problem.verified ? 1 : 0;
      summary.best_energy = std::min(summary.best_energy, problem.energy);
    }
    summary.restarts = engine_.restarts();
    summary.steps = steps_;
    summary.evaluations = engine_.evaluations();
    summary.elapsed_ms = milliseconds_since(start_);
    if (acceptance_steps_ > 0) summary.mean_acceptance = acceptance_sum_.item<double>() / acceptance_steps_;
  }

  Sampler& sampler_;
  const RunRequest& request_;
  const DriverOptions& options_;
  const Clock::time_point start_;
  ChainEngine engine_;
  NoiseSource noise_;
  StepContext context_;
  int64_t steps_ = 0;
  // Every chain's final record: result state and energy, status, stop step and evaluations on the
  // device; status, stop time and (after read_records) the rest on the host.
  torch::Tensor best_state_, best_energy_, status_, stop_step_, evaluations_;
  std::vector<ChainRecord> records_;
  int64_t failed_chains_ = 0;
  torch::Tensor acceptance_sum_;  // sum over steps of the mean acceptance, read once at the end
  int64_t acceptance_steps_ = 0;
  std::vector<TraceRow> trace_;
};

void check_request(const Sampler& sampler, const RunRequest& request, const DriverOptions& options) {
  std::string error;
  if (!options.is_valid(&error)) throw std::invalid_argument("driver: " + error);
  if (!request.energy) throw std::invalid_argument("driver: the request has no energy");
  if (request.problems < 1) throw std::invalid_argument("driver: problems must be >= 1");
  request.space.validate();
  sampler.check_space(request.space);
}

}  // namespace

RunResult run_sampler(Sampler& sampler, const RunRequest& request, const DriverOptions& options) {
  check_request(sampler, request, options);
  DriverRun run(sampler, request, options);
  run.settle(/*after_step=*/false);
  while (true) {
    if (run.every_chain_stopped()) return run.finish(run.converged_or_failed());
    if (run.cancelled()) return run.finish({TerminationType::Cancelled, "cancelled"});
    if (run.steps_spent()) return run.finish({TerminationType::NoConvergence, "step budget spent"});
    if (run.evaluations_spent()) return run.finish({TerminationType::NoConvergence, "evaluation budget spent"});
    if (run.time_spent()) return run.finish({TerminationType::NoConvergence, "time budget spent"});
    const CallbackResult verdict = run.step();
    run.settle(/*after_step=*/true);
    if (verdict == CallbackResult::Abort) return run.finish({TerminationType::UserAbort, "a callback aborted the run"});
    if (verdict == CallbackResult::StopSuccessfully)
      return run.finish({TerminationType::UserSuccess, "a callback stopped the run"});
  }
}

}  // namespace ebm
