#include "ebm/samplers/driver.h"

#include "ebm/runtime/device.h"
#include "ebm/runtime/host_sync.h"
#include "ebm/runtime/memory_limit.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace ebm {

void DriverOptions::bind(OptionSet& o) {
  o.add("chains", &chains, "chains per problem, run together in one batch", IntegerRange{1, kMaxChains});
  o.add("steps", &max_steps, "budget: sampler steps (0 = unlimited)", IntegerRange{0, 1000000000});
  o.add("evals", &max_evaluations, "budget: candidate energy evaluations, all chains together (0 = unlimited)", IntegerRange{0, 1000000000000000});
  o.add("ms", &max_ms, "budget: wall-clock milliseconds (0 = unlimited)", RealRange{0, 8.64e7});
  o.add("tol", &energy_tolerance, "a chain stops once E <= tol (-inf = never)", RealRange{-std::numeric_limits<double>::infinity(), 1e30});
  o.add("verify_every", &verify_every, "run the task's verifier every this many steps", IntegerRange{1, 1000000});
  o.add("stop_verified", &stop_problem_on_verified, "stop a problem's other chains once one is verified");
  o.add("plateau", &plateau_steps, "steps without the best energy dropping by plateau_delta before a restart or stop (0 = never)", IntegerRange{0, 1000000000});
  o.add("plateau_delta", &plateau_delta, "improvement that counts as progress for the plateau test", RealRange{0, 1e30});
  o.add("restarts", &restarts, "restarts per chain from a fresh initial state after a plateau (0 = none)", IntegerRange{0, 1000000});
  o.add("trace", &trace, "record energy, gradient norm and acceptance per step");
  o.add("track_best", &track_best, "keep each chain's lowest-energy state (false: its last state)");
  o.add("seed", &seed, "seed of the run's generator (initial states, noise, proposals)");
}

bool DriverOptions::IsValid(std::string* error) const {
  auto fail = [&](const std::string& m) {
    if (error) *error = m;
    return false;
  };
  if (chains < 1) return fail("chains must be >= 1, got " + std::to_string(chains));
  if (max_steps < 0) return fail("steps must be >= 0 (0 = unlimited)");
  if (max_evaluations < 0) return fail("evals must be >= 0 (0 = unlimited)");
  if (!(max_ms >= 0)) return fail("ms must be >= 0 (0 = unlimited)");
  if (max_steps == 0 && max_evaluations == 0 && max_ms == 0)
    return fail("no budget: set at least one of steps, evals, ms");
  if (std::isnan(energy_tolerance)) return fail("tol must not be NaN");
  if (verify_every < 1) return fail("verify_every must be >= 1");
  if (plateau_steps < 0) return fail("plateau must be >= 0 (0 = never)");
  if (!(plateau_delta >= 0)) return fail("plateau_delta must be >= 0");
  if (restarts < 0) return fail("restarts must be >= 0");
  if (restarts > 0 && plateau_steps == 0) return fail("restarts need a plateau test: set plateau > 0");
  return true;
}

const char* termination_name(TerminationType type) {
  switch (type) {
    case TerminationType::CONVERGENCE: return "CONVERGENCE";
    case TerminationType::NO_CONVERGENCE: return "NO_CONVERGENCE";
    case TerminationType::FAILURE: return "FAILURE";
    case TerminationType::USER_SUCCESS: return "USER_SUCCESS";
    case TerminationType::USER_ABORT: return "USER_ABORT";
    case TerminationType::CANCELLED: return "CANCELLED";
  }
  return "?";
}

const char* chain_status_name(ChainStatus status) {
  switch (status) {
    case ChainStatus::RUNNING: return "running";
    case ChainStatus::TOLERANCE: return "tolerance";
    case ChainStatus::VERIFIED: return "verified";
    case ChainStatus::PLATEAU: return "plateau";
    case ChainStatus::NON_FINITE: return "non-finite";
    case ChainStatus::SIBLING_VERIFIED: return "sibling-verified";
  }
  return "?";
}

std::string Summary::BriefReport() const {
  std::ostringstream s;
  s << termination_name(termination) << ": " << sampler << " | " << problems << " problem(s) x "
    << (problems ? chains / problems : 0) << " chain(s), " << steps << " steps, " << evaluations
    << " evals, " << format_number(std::round(elapsed_ms * 100) / 100) << " ms, best E "
    << format_number(best_energy);
  if (problems_verified) s << ", verified " << problems_verified << "/" << problems;
  if (!std::isnan(mean_acceptance)) s << ", acceptance " << format_number(std::round(mean_acceptance * 1000) / 1000);
  return s.str();
}

std::string Summary::FullReport() const {
  std::ostringstream s;
  s << "Sampler           " << sampler << "\n"
    << "Termination       " << termination_name(termination) << " (" << message << ")\n"
    << "Problems          " << problems << " (verified " << problems_verified << ")\n"
    << "Chains            " << chains << ": verified " << chains_verified << ", tolerance " << chains_at_tolerance
    << ", plateau " << chains_plateaued << ", failed " << chains_failed << ", still running " << chains_running << "\n"
    << "Steps             " << steps << "\n"
    << "Energy evals      " << evaluations << "\n"
    << "Restarts          " << restarts << "\n"
    << "Best energy       " << format_number(best_energy) << "\n";
  if (!std::isnan(mean_acceptance)) s << "Mean acceptance   " << format_number(mean_acceptance) << "\n";
  s << "Time              " << format_number(elapsed_ms) << " ms\n"
    << "Seed              " << seed << "\n";
  return s.str();
}

namespace {

using Clock = std::chrono::steady_clock;

double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// All bookkeeping indexed by original chain id (rows of the full batch).
struct ChainBook {
  torch::Tensor best_energy;   // [N]
  torch::Tensor best_state;    // [N, *shape]
  torch::Tensor status;        // int64 [N]
  torch::Tensor last_progress; // int64 [N] step of the last significant improvement
  torch::Tensor restarts_used; // int64 [N]
  torch::Tensor stop_step;     // int64 [N]
  torch::Tensor evaluations;   // double [N]
  std::vector<double> stop_ms; // [N] wall time when each chain stopped

  // ids_are_all: ids is still arange(N) (nothing stopped yet), so no gather is needed.
  // plateau_delta < 0: no plateau test, so no progress bookkeeping. Masked updates, no host read.
  void record_best(const torch::Tensor& ids, bool ids_are_all, const ChainBatch& chains, const torch::Tensor& finite,
                   int64_t step, double plateau_delta, bool track_best) {
    auto previous = ids_are_all ? best_energy : best_energy.index_select(0, ids);
    auto improved = (chains.energy < previous) & finite;  // false for NaN
    if (plateau_delta >= 0) {
      auto significant = (chains.energy < previous - plateau_delta) & finite;
      if (ids_are_all) last_progress.masked_fill_(significant, step);
      else last_progress.index_copy_(0, ids, last_progress.index_select(0, ids).masked_fill(significant, step));
    }
    if (track_best) {
      auto state_improved = improved.view(per_row_shape(improved, chains.y.dim()));
      auto previous_state = ids_are_all ? best_state : best_state.index_select(0, ids);
      store(best_state, ids, ids_are_all, torch::where(state_improved, chains.y, previous_state));
    }
    store(best_energy, ids, ids_are_all, torch::where(improved, chains.energy, previous));
  }

  // Without best tracking a chain's result is its last state: stored when it stops. rows: running
  // rows whose energy is finite; chain_rows: their chain ids.
  void record_last(const torch::Tensor& chain_rows, const ChainBatch& chains, const torch::Tensor& rows) {
    best_state.index_copy_(0, chain_rows, chains.y.index_select(0, rows));
    best_energy.index_copy_(0, chain_rows, chains.energy.index_select(0, rows));
  }

 private:
  // [n] -> [n, 1, ..., 1] with `dims` dimensions, to broadcast a row mask over states.
  static std::vector<int64_t> per_row_shape(const torch::Tensor& mask, int64_t dims) {
    std::vector<int64_t> shape(dims, 1);
    shape[0] = mask.size(0);
    return shape;
  }
  // book[ids] = values
  static void store(torch::Tensor& book, const torch::Tensor& ids, bool ids_are_all, const torch::Tensor& values) {
    if (ids_are_all) book.copy_(values);
    else book.index_copy_(0, ids, values);
  }
};

}  // namespace

RunResult run_sampler(Sampler& sampler, const RunRequest& request, const DriverOptions& options) {
  std::string error;
  if (!options.IsValid(&error)) throw std::invalid_argument("driver: " + error);
  if (!request.energy) throw std::invalid_argument("driver: the request has no energy");
  if (request.problems < 1) throw std::invalid_argument("driver: problems must be >= 1");
  request.space.validate();
  sampler.check_space(request.space);

  const auto start = Clock::now();
  const int64_t problems = request.problems, per_problem = options.chains, rows = problems * per_problem;
  // Each chain holds its state, gradient, best state, a proposal and noise of the answer's size, and
  // the energy's autograd intermediates: about kStateCopies copies of the state, all chains together
  // (an estimate, on the high side, so that a run the machine cannot hold is refused, not swapped).
  constexpr double kStateCopies = 16.0;
  require_memory(kStateCopies * double(problems) * double(per_problem) * double(request.space.numel()) *
                     double(c10::elementSize(request.dtype)),
                 "sampling " + std::to_string(problems) + " problem(s) x " + std::to_string(per_problem) +
                     " chains of " + std::to_string(request.space.numel()) + " values");
  const auto device = request.device;
  const auto float_options = torch::TensorOptions().dtype(request.dtype).device(device);
  const auto long_options = torch::TensorOptions().dtype(torch::kLong).device(device);
  const auto& space = request.space;

  torch::Tensor problem_of_chain = torch::arange(rows, long_options).div(per_problem, "floor");
  torch::Tensor condition;
  if (request.condition.defined()) {
    if (request.condition.size(0) != problems)
      throw std::invalid_argument("driver: condition has " + std::to_string(request.condition.size(0)) +
                                  " rows for " + std::to_string(problems) + " problems");
    condition = repeat_each_row(request.condition.to(device), per_problem);
  }
  Clamp clamp;
  if (request.clamp.active()) {
    if (request.clamp.mask.size(0) != problems)
      throw std::invalid_argument("driver: clamp has " + std::to_string(request.clamp.mask.size(0)) +
                                  " rows for " + std::to_string(problems) + " problems");
    clamp = Clamp{request.clamp.mask.to(device), request.clamp.values.to(float_options)}.repeat_rows(per_problem);
  }
  Target target(request.energy, condition, space, clamp, rows);
  torch::Generator generator = make_generator(options.seed, device);

  auto initial_states = [&](const torch::Tensor& problem_index) {
    torch::Tensor y = request.initializer ? request.initializer(problem_index, generator)
                                          : space.random_init(problem_index.size(0), generator, float_options);
    space.check_batch(y, "driver: initial states");
    return y.to(float_options);
  };

  const bool want_gradient = sampler.needs_gradient();
  ChainBatch chains;
  chains.y = target.finalize(initial_states(problem_of_chain));
  evaluate_chains(target, chains, want_gradient);

  ChainBook book;
  book.best_energy = torch::full({rows}, std::numeric_limits<double>::infinity(), float_options);
  book.best_state = chains.y.clone();
  book.status = torch::zeros({rows}, long_options);
  book.last_progress = torch::zeros({rows}, long_options);
  book.restarts_used = torch::zeros({rows}, long_options);
  book.stop_step = torch::zeros({rows}, long_options);
  book.evaluations = torch::full({rows}, 1.0, torch::TensorOptions().dtype(torch::kDouble).device(device));
  book.stop_ms.assign(rows, 0.0);
  torch::Tensor ids = torch::arange(rows, long_options);
  std::vector<int64_t> host_ids(rows);  // ids, mirrored on the host (changes only when rows stop)
  for (int64_t r = 0; r < rows; ++r) host_ids[r] = r;
  // Chains of each problem verified so far (for stop_problem_on_verified), on the device.
  torch::Tensor verified_chains_of_problem = torch::zeros({problems}, long_options);

  RunResult result;
  Summary& summary = result.summary;
  summary.sampler = sampler.describe();
  summary.problems = problems;
  summary.chains = rows;
  summary.seed = options.seed;
  // Sum over steps of the mean acceptance, kept on the device and read once at the end.
  torch::Tensor acceptance_sum = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(device));
  int64_t acceptance_steps = 0;

  NoiseSource noise(options.seed ^ 0x9E3779B97F4A7C15ULL, device);
  StepContext context;
  context.noise = &noise;
  context.cancel = request.cancel.get();
  if (options.max_ms > 0)
    context.deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(options.max_ms));
  sampler.begin(target, chains, context);

  int64_t steps_done = 0;
  bool finished = false;
  auto progress_now = [&] {
    double p = 0.0;
    if (options.max_steps > 0) p = std::max(p, double(steps_done) / options.max_steps);
    if (options.max_evaluations > 0) p = std::max(p, double(target.evaluations()) / options.max_evaluations);
    if (options.max_ms > 0) p = std::max(p, milliseconds_since(start) / options.max_ms);
    return std::min(p, 1.0);
  };

  // Every running row spends the same evaluations per step: accumulate a scalar, and add it to the
  // running rows' counts before the set of running rows changes.
  double pending_evaluations_per_row = 0.0;
  auto flush_evaluations = [&] {
    if (pending_evaluations_per_row == 0.0) return;
    book.evaluations.index_add_(0, ids, torch::full({ids.size(0)}, pending_evaluations_per_row, book.evaluations.options()));
    pending_evaluations_per_row = 0.0;
  };

  // Step 0 bookkeeping: the initial states count as candidates too.
  StepStats stats;
  // After each step: which running rows stop or restart, and why. Every test runs on the device into
  // one int8 code per row (0 = running, a ChainStatus = stops, kRestart = restarts); the host reads
  // that code once (the step's one host synchronisation) and does nothing more when every row is 0.
  // Otherwise the row lists it holds drive the stop and restart handling.
  constexpr int8_t kRestart = -1;
  auto settle_rows = [&](bool after_step) {
    const int64_t step = steps_done, running_rows = ids.size(0);
    auto finite = torch::isfinite(chains.energy);
    book.record_best(ids, running_rows == rows, chains, finite, step,
                     options.plateau_steps > 0 ? options.plateau_delta : -1.0, options.track_best);
    auto code = torch::zeros({running_rows}, long_options.dtype(torch::kChar));
    auto mark = [&](const torch::Tensor& mask, int64_t value, bool overrides) {
      code.masked_fill_(overrides ? mask : mask & (code == 0), value);
    };
    mark(~finite, static_cast<int64_t>(ChainStatus::NON_FINITE), true);
    if (options.energy_tolerance > -std::numeric_limits<double>::infinity())
      mark((chains.energy <= options.energy_tolerance) & finite, static_cast<int64_t>(ChainStatus::TOLERANCE), false);
    if (request.verifier && step % options.verify_every == 0) {
      auto problem_rows = problem_of_chain.index_select(0, ids);
      auto accepted = request.verifier(space.decode(chains.y), problem_rows).to(device).to(torch::kBool) & finite;
      mark(accepted, static_cast<int64_t>(ChainStatus::VERIFIED), true);
      if (options.stop_problem_on_verified) {
        verified_chains_of_problem.index_add_(0, problem_rows, accepted.to(torch::kLong));
        mark(verified_chains_of_problem.index_select(0, problem_rows) > 0,
             static_cast<int64_t>(ChainStatus::SIBLING_VERIFIED), false);
      }
    }
    torch::Tensor can_restart;
    if (after_step && options.plateau_steps > 0) {
      auto stale = (step - book.last_progress.index_select(0, ids) >= options.plateau_steps) & (code == 0);
      can_restart = stale & (book.restarts_used.index_select(0, ids) < options.restarts);
      mark(stale & ~can_restart, static_cast<int64_t>(ChainStatus::PLATEAU), false);
      mark(can_restart, kRestart, false);
    }

    const auto host_code = host_copy(code);
    const int8_t* code_of = host_code.data_ptr<int8_t>();
    std::vector<int64_t> keep, stopped, stopped_finite, verified, restarted;
    for (int64_t r = 0; r < running_rows; ++r) {
      const int8_t c = code_of[r];
      if (c == 0 || c == kRestart) keep.push_back(r);
      else stopped.push_back(r);
      if (c == kRestart) restarted.push_back(r);
      if (c == static_cast<int8_t>(ChainStatus::VERIFIED)) verified.push_back(r);
      if (c > 0 && c != static_cast<int8_t>(ChainStatus::NON_FINITE)) stopped_finite.push_back(r);
    }
    if (stopped.empty() && restarted.empty()) return;
    auto on_device = [&](const std::vector<int64_t>& v) { return torch::tensor(v, torch::kLong).to(device); };

    if (!verified.empty()) {  // a verified chain's result is the state the verifier accepted
      auto verified_rows = on_device(verified);
      auto chain_rows = ids.index_select(0, verified_rows);
      book.best_state.index_copy_(0, chain_rows, chains.y.index_select(0, verified_rows));
      book.best_energy.index_copy_(0, chain_rows, chains.energy.index_select(0, verified_rows));
    }
    if (!restarted.empty()) {
      auto restart_rows = on_device(restarted);
      auto chain_rows = ids.index_select(0, restart_rows);
      Target restarted_target = target.select_rows(restart_rows);
      ChainBatch fresh;
      fresh.y = restarted_target.finalize(initial_states(problem_of_chain.index_select(0, chain_rows)));
      const int64_t before = target.evaluations();
      evaluate_chains(restarted_target, fresh, want_gradient);
      book.evaluations.index_add_(0, chain_rows,
                                  torch::full({restart_rows.size(0)}, double(target.evaluations() - before) / restart_rows.size(0),
                                              book.evaluations.options()));
      chains.y = chains.y.index_copy(0, restart_rows, fresh.y);
      chains.energy = chains.energy.index_copy(0, restart_rows, fresh.energy);
      if (chains.gradient.defined()) chains.gradient = chains.gradient.index_copy(0, restart_rows, fresh.gradient);
      sampler.reset_rows(can_restart, target, chains);
      book.restarts_used.index_add_(0, chain_rows, torch::ones_like(chain_rows));
      book.last_progress.index_fill_(0, chain_rows, step);
      summary.restarts += restart_rows.size(0);
    }
    if (stopped.empty()) return;
    auto stopped_rows = on_device(stopped);
    auto chain_rows = ids.index_select(0, stopped_rows);
    book.status.index_copy_(0, chain_rows, code.index_select(0, stopped_rows).to(torch::kLong));
    if (!options.track_best && !stopped_finite.empty()) {
      auto finite_rows = on_device(stopped_finite);
      book.record_last(ids.index_select(0, finite_rows), chains, finite_rows);
    }
    book.stop_step.index_fill_(0, chain_rows, step);
    const double now = milliseconds_since(start);
    for (int64_t r : stopped) book.stop_ms[host_ids[r]] = now;
    std::vector<int64_t> kept_ids;
    for (int64_t r : keep) kept_ids.push_back(host_ids[r]);
    host_ids = std::move(kept_ids);
    auto kept_rows = on_device(keep);
    flush_evaluations();
    ids = ids.index_select(0, kept_rows);
    target = target.select_rows(kept_rows);
    chains = chains.select_rows(kept_rows);
    sampler.keep_rows(kept_rows, target);
  };
  settle_rows(false);

  while (true) {
    if (ids.size(0) == 0) {
      auto failed = (book.status == static_cast<int64_t>(ChainStatus::NON_FINITE)).all().item<bool>();
      summary.termination = failed ? TerminationType::FAILURE : TerminationType::CONVERGENCE;
      summary.message = failed ? "every chain's energy became NaN or Inf; try a smaller step size, a lower "
                                 "temperature, or check the energy for overflow"
                               : "every chain stopped (tolerance, verifier or plateau)";
      break;
    }
    if (is_cancelled(request.cancel)) {
      summary.termination = TerminationType::CANCELLED;
      summary.message = "cancelled";
      finished = true;
      break;
    }
    if (options.max_steps > 0 && steps_done >= options.max_steps) {
      summary.message = "step budget spent";
      break;
    }
    if (options.max_evaluations > 0 && target.evaluations() >= options.max_evaluations) {
      summary.message = "evaluation budget spent";
      break;
    }
    if (options.max_ms > 0 && milliseconds_since(start) >= options.max_ms) {
      summary.message = "time budget spent";
      break;
    }
    context.step = steps_done;
    context.progress = progress_now();
    const int64_t evals_before = target.evaluations();
    stats = sampler.step(target, chains, context);
    ++steps_done;
    pending_evaluations_per_row += double(target.evaluations() - evals_before) / ids.size(0);
    if (stats.acceptance.defined()) {
      acceptance_sum += stats.acceptance.mean().to(torch::kDouble);
      ++acceptance_steps;
    }
    if (options.trace) {
      TraceRow row;
      row.step = steps_done;
      row.elapsed_ms = milliseconds_since(start);
      row.evaluations = target.evaluations();
      row.running_chains = ids.size(0);
      // One host read for the row's figures (NaN where a figure does not apply).
      const auto not_applicable = torch::full({}, std::numeric_limits<double>::quiet_NaN(), chains.energy.options());
      auto figures = host_copy(torch::stack({chains.energy.mean(), chains.energy.min(),
                                             chains.gradient.defined() ? chains.gradient.flatten(1).norm(2, 1).mean() : not_applicable,
                                             stats.acceptance.defined() ? stats.acceptance.mean() : not_applicable})
                                   .to(torch::kDouble));
      const double* figure = figures.data_ptr<double>();
      row.mean_energy = figure[0];
      row.min_energy = figure[1];
      row.mean_gradient_norm = figure[2];
      row.mean_acceptance = figure[3];
      result.trace.push_back(row);
    }
    IterationInfo info;
    info.step = steps_done;
    info.elapsed_ms = milliseconds_since(start);
    info.evaluations = target.evaluations();
    info.running_chains = ids.size(0);
    info.chains = &chains;
    info.chain_ids = ids;
    info.stats = &stats;
    CallbackResult verdict = CallbackResult::CONTINUE;
    for (const auto& callback : request.callbacks) {
      verdict = callback(info);
      if (verdict != CallbackResult::CONTINUE) break;
    }
    settle_rows(true);
    if (verdict == CallbackResult::ABORT) {
      summary.termination = TerminationType::USER_ABORT;
      summary.message = "a callback aborted the run";
      finished = true;
    } else if (verdict == CallbackResult::STOP_SUCCESSFULLY) {
      summary.termination = TerminationType::USER_SUCCESS;
      summary.message = "a callback stopped the run";
      finished = true;
    }
    if (finished) break;
  }

  // Chains still running stop now.
  flush_evaluations();
  synchronize(device);
  if (ids.size(0) > 0) {
    book.stop_step.index_fill_(0, ids, steps_done);
    if (!options.track_best) {
      auto finite_rows = torch::isfinite(chains.energy).nonzero().squeeze(1);
      book.record_last(ids.index_select(0, finite_rows), chains, finite_rows);
    }
    const double now = milliseconds_since(start);
    for (int64_t id : host_ids) book.stop_ms[id] = now;
  }

  // Per-problem results, on the CPU.
  // One host read of the per-chain records, as doubles (the integers are far below 2^53).
  const auto records = host_copy(torch::stack({book.best_energy.to(torch::kDouble), book.status.to(torch::kDouble),
                                               book.stop_step.to(torch::kDouble), book.evaluations}));
  const auto record = records.accessor<double, 2>();
  auto best_energy = record[0], status = record[1], stop_step = record[2], chain_evals = record[3];
  result.problems.resize(problems);
  std::vector<int64_t> unverified_best;
  for (int64_t p = 0; p < problems; ++p) {
    ProblemResult& r = result.problems[p];
    bool all_failed = true;
    for (int64_t c = p * per_problem; c < (p + 1) * per_problem; ++c) {
      const auto s = static_cast<ChainStatus>(static_cast<int64_t>(status[c]));
      all_failed = all_failed && s == ChainStatus::NON_FINITE;
      r.steps = std::max(r.steps, static_cast<int64_t>(stop_step[c]));
      r.elapsed_ms = std::max(r.elapsed_ms, book.stop_ms[c]);
      r.evaluations += static_cast<int64_t>(std::llround(chain_evals[c]));
      const double e = best_energy[c];
      if (s == ChainStatus::VERIFIED && !r.verified) {
        r.verified = true;
        r.best_chain = c;
        r.energy = e;
      } else if (!r.verified && (r.best_chain < 0 || e < r.energy)) {
        r.best_chain = c;
        r.energy = e;
      }
    }
    r.failed = all_failed;
    r.answer = book.best_state[r.best_chain];
    if (!r.verified && request.verifier && !r.failed) unverified_best.push_back(p);
  }
  // The verifier's last word on the best answers it has not accepted yet.
  if (!unverified_best.empty()) {
    std::vector<torch::Tensor> answers;
    for (int64_t p : unverified_best) answers.push_back(result.problems[p].answer);
    auto index = torch::tensor(unverified_best, long_options);
    auto accepted = host_copy(request.verifier(space.decode(torch::stack(answers)), index).to(torch::kBool));
    const bool* accepted_of = accepted.data_ptr<bool>();
    for (size_t i = 0; i < unverified_best.size(); ++i)
      if (accepted_of[i]) result.problems[unverified_best[i]].verified = true;
  }

  for (int64_t c = 0; c < rows; ++c) {
    switch (static_cast<ChainStatus>(static_cast<int64_t>(status[c]))) {
      case ChainStatus::VERIFIED: ++summary.chains_verified; break;
      case ChainStatus::TOLERANCE: ++summary.chains_at_tolerance; break;
      case ChainStatus::PLATEAU: ++summary.chains_plateaued; break;
      case ChainStatus::NON_FINITE: ++summary.chains_failed; break;
      case ChainStatus::RUNNING: ++summary.chains_running; break;
      case ChainStatus::SIBLING_VERIFIED: break;
    }
  }
  for (const auto& r : result.problems) {
    summary.problems_verified += r.verified ? 1 : 0;
    summary.best_energy = std::min(summary.best_energy, r.energy);
  }
  if (!finished && ids.size(0) > 0) summary.termination = TerminationType::NO_CONVERGENCE;
  if (summary.chains_failed > 0 && summary.termination != TerminationType::FAILURE)
    summary.message += "; " + std::to_string(summary.chains_failed) +
                       " chain(s) failed with NaN/Inf energy (try a smaller step size)";
  summary.steps = steps_done;
  summary.evaluations = target.evaluations();
  summary.elapsed_ms = milliseconds_since(start);
  if (acceptance_steps > 0) summary.mean_acceptance = acceptance_sum.item<double>() / acceptance_steps;
  result.best_states = book.best_state;
  result.best_energies = book.best_energy;
  result.chain_status = book.status;
  return result;
}

}  // namespace ebm
