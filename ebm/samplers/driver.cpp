#include "ebm/samplers/driver.h"

#include "ebm/device.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ebm {

void DriverOptions::bind(OptionSet& o) {
  o.add("chains", &chains, "chains per problem, run together in one batch");
  o.add("steps", &max_steps, "budget: sampler steps (0 = unlimited)");
  o.add("evals", &max_evaluations, "budget: candidate energy evaluations, all chains together (0 = unlimited)");
  o.add("ms", &max_ms, "budget: wall-clock milliseconds (0 = unlimited)");
  o.add("tol", &energy_tolerance, "a chain stops once E <= tol (-inf = never)");
  o.add("verify_every", &verify_every, "run the task's verifier every this many steps");
  o.add("stop_verified", &stop_problem_on_verified, "stop a problem's other chains once one is verified");
  o.add("plateau", &plateau_steps, "steps without the best energy dropping by plateau_delta before a restart or stop (0 = never)");
  o.add("plateau_delta", &plateau_delta, "improvement that counts as progress for the plateau test");
  o.add("restarts", &restarts, "restarts per chain from a fresh initial state after a plateau (0 = none)");
  o.add("trace", &trace, "record energy, gradient norm and acceptance per step");
  o.add("track_best", &track_best, "keep each chain's lowest-energy state (false: its last state)");
  int64_t* seed_field = reinterpret_cast<int64_t*>(&seed);
  o.add("seed", seed_field, "seed of the run's generator (initial states, noise, proposals)");
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

bool any_true(const torch::Tensor& mask) { return mask.numel() > 0 && mask.any().item<bool>(); }

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
  // plateau_delta < 0: no plateau test, so no progress bookkeeping.
  void record_best(const torch::Tensor& ids, bool ids_are_all, const ChainBatch& chains, const torch::Tensor& finite,
                   int64_t step, double plateau_delta, bool track_best) {
    auto previous = ids_are_all ? best_energy : best_energy.index_select(0, ids);
    auto improved = chains.energy < previous;  // false for NaN
    if (finite.defined()) improved = improved & finite;
    if (plateau_delta >= 0) {
      auto significant = chains.energy < previous - plateau_delta;
      if (finite.defined()) significant = significant & finite;
      auto progressed = ids.masked_select(significant);
      if (progressed.numel() > 0) last_progress.index_fill_(0, progressed, step);
    }
    if (!track_best) {
      best_energy.index_copy_(0, ids, torch::where(improved, chains.energy, previous));
    } else if (auto rows = improved.nonzero().squeeze(1); rows.numel() > 0) {
      auto chain_rows = ids.index_select(0, rows);
      best_energy.index_copy_(0, chain_rows, chains.energy.index_select(0, rows));
      best_state.index_copy_(0, chain_rows, chains.y.index_select(0, rows));
    }
  }

  // Without best tracking a chain's result is its last (finite) state: stored when it stops.
  void record_last(const torch::Tensor& chain_rows, const ChainBatch& chains, const torch::Tensor& rows) {
    auto energy = chains.energy.index_select(0, rows);
    auto finite_rows = rows.masked_select(torch::isfinite(energy));
    auto finite_chains = chain_rows.masked_select(torch::isfinite(energy));
    best_state.index_copy_(0, finite_chains, chains.y.index_select(0, finite_rows));
    best_energy.index_copy_(0, finite_chains, chains.energy.index_select(0, finite_rows));
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
    condition = request.condition.to(device).repeat_interleave(per_problem, 0);
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
  std::vector<char> problem_verified(problems, 0);

  RunResult result;
  Summary& summary = result.summary;
  summary.sampler = sampler.describe();
  summary.problems = problems;
  summary.chains = rows;
  summary.seed = options.seed;
  double acceptance_sum = 0.0;
  int64_t acceptance_steps = 0;

  NoiseSource noise(options.seed ^ 0x9E3779B97F4A7C15ULL, device);
  StepContext context;
  context.noise = &noise;
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
  // After each step: which running rows stop, and why. The common case (all finite, nothing
  // stops) costs a handful of small ops: status tensors are made only when something happens.
  auto settle_rows = [&](bool after_step) {
    const int64_t step = steps_done;
    torch::Tensor finite;  // undefined = every energy finite
    if (!torch::isfinite(chains.energy).all().item<bool>()) finite = torch::isfinite(chains.energy);
    torch::Tensor new_status;  // int64 [rows], 0 = running; made on first use
    auto mark = [&](const torch::Tensor& mask, ChainStatus status, bool overrides) {
      if (!new_status.defined()) new_status = torch::zeros({ids.size(0)}, long_options);
      new_status.masked_fill_(overrides ? mask : mask & (new_status == 0), static_cast<int64_t>(status));
    };
    auto running = [&]() { return new_status.defined() ? new_status == 0 : torch::ones({ids.size(0)}, long_options.dtype(torch::kBool)); };
    if (finite.defined()) mark(~finite, ChainStatus::NON_FINITE, true);
    book.record_best(ids, ids.size(0) == rows, chains, finite, step,
                     options.plateau_steps > 0 ? options.plateau_delta : -1.0, options.track_best);
    if (options.energy_tolerance > -std::numeric_limits<double>::infinity()) {
      auto reached = chains.energy <= options.energy_tolerance;
      if (finite.defined()) reached = reached & finite;
      if (any_true(reached)) mark(reached, ChainStatus::TOLERANCE, false);
    }
    if (request.verifier && step % options.verify_every == 0) {
      auto problem_rows = problem_of_chain.index_select(0, ids);
      auto accepted = request.verifier(space.decode(chains.y), problem_rows).to(device).to(torch::kBool);
      if (finite.defined()) accepted = accepted & finite;
      auto accepted_rows = accepted.nonzero().squeeze(1);
      if (accepted_rows.numel() > 0) {
        mark(accepted, ChainStatus::VERIFIED, true);
        auto chain_rows = ids.index_select(0, accepted_rows);
        book.best_state.index_copy_(0, chain_rows, chains.y.index_select(0, accepted_rows));
        book.best_energy.index_copy_(0, chain_rows, chains.energy.index_select(0, accepted_rows));
        auto solved = problem_rows.index_select(0, accepted_rows).cpu();
        for (int64_t i = 0; i < solved.size(0); ++i) problem_verified[solved[i].item<int64_t>()] = 1;
        if (options.stop_problem_on_verified) {
          auto flags = torch::from_blob(problem_verified.data(), {problems}, torch::kChar).to(device).to(torch::kBool);
          mark(flags.index_select(0, problem_rows), ChainStatus::SIBLING_VERIFIED, false);
        }
      }
    }
    if (after_step && options.plateau_steps > 0) {
      auto stale = (step - book.last_progress.index_select(0, ids) >= options.plateau_steps) & running();
      if (any_true(stale)) {
        auto can_restart = stale & (book.restarts_used.index_select(0, ids) < options.restarts);
        if (any_true(stale & ~can_restart)) mark(stale & ~can_restart, ChainStatus::PLATEAU, false);
        auto restart_rows = can_restart.nonzero().squeeze(1);
        if (restart_rows.numel() > 0) {
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
      }
    }
    if (!new_status.defined()) return;
    auto stopped = new_status != 0;
    auto stopped_rows = stopped.nonzero().squeeze(1);
    if (stopped_rows.numel() > 0) {
      auto chain_rows = ids.index_select(0, stopped_rows);
      book.status.index_copy_(0, chain_rows, new_status.index_select(0, stopped_rows));
      if (!options.track_best) book.record_last(chain_rows, chains, stopped_rows);
      book.stop_step.index_fill_(0, chain_rows, step);
      const double now = milliseconds_since(start);
      auto stopped_ids = chain_rows.to(torch::kCPU);
      for (int64_t i = 0; i < stopped_ids.size(0); ++i) book.stop_ms[stopped_ids[i].item<int64_t>()] = now;
      auto keep = (~stopped).nonzero().squeeze(1);
      flush_evaluations();
      ids = ids.index_select(0, keep);
      target = target.select_rows(keep);
      chains = chains.select_rows(keep);
      sampler.keep_rows(keep, target);
    }
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
      acceptance_sum += stats.acceptance.mean().item<double>();
      ++acceptance_steps;
    }
    if (options.trace) {
      TraceRow row;
      row.step = steps_done;
      row.elapsed_ms = milliseconds_since(start);
      row.evaluations = target.evaluations();
      row.running_chains = ids.size(0);
      row.mean_energy = chains.energy.mean().item<double>();
      row.min_energy = chains.energy.min().item<double>();
      if (chains.gradient.defined()) row.mean_gradient_norm = chains.gradient.flatten(1).norm(2, 1).mean().item<double>();
      if (stats.acceptance.defined()) row.mean_acceptance = stats.acceptance.mean().item<double>();
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
    if (!options.track_best) book.record_last(ids, chains, torch::arange(ids.size(0), long_options));
    const double now = milliseconds_since(start);
    auto running_ids = ids.to(torch::kCPU);
    for (int64_t i = 0; i < running_ids.size(0); ++i) book.stop_ms[running_ids[i].item<int64_t>()] = now;
  }

  // Per-problem results, on the CPU.
  auto best_energy = book.best_energy.to(torch::kCPU).to(torch::kDouble);
  auto status = book.status.to(torch::kCPU);
  auto stop_step = book.stop_step.to(torch::kCPU);
  auto chain_evals = book.evaluations.to(torch::kCPU);
  result.problems.resize(problems);
  std::vector<int64_t> unverified_best;
  for (int64_t p = 0; p < problems; ++p) {
    ProblemResult& r = result.problems[p];
    bool all_failed = true;
    for (int64_t c = p * per_problem; c < (p + 1) * per_problem; ++c) {
      const auto s = static_cast<ChainStatus>(status[c].item<int64_t>());
      all_failed = all_failed && s == ChainStatus::NON_FINITE;
      r.steps = std::max(r.steps, stop_step[c].item<int64_t>());
      r.elapsed_ms = std::max(r.elapsed_ms, book.stop_ms[c]);
      r.evaluations += static_cast<int64_t>(std::llround(chain_evals[c].item<double>()));
      const double e = best_energy[c].item<double>();
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
    auto accepted = request.verifier(space.decode(torch::stack(answers)), index).to(torch::kCPU).to(torch::kBool);
    for (size_t i = 0; i < unverified_best.size(); ++i)
      if (accepted[i].item<bool>()) result.problems[unverified_best[i]].verified = true;
  }

  for (int64_t c = 0; c < rows; ++c) {
    switch (static_cast<ChainStatus>(status[c].item<int64_t>())) {
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
  if (acceptance_steps > 0) summary.mean_acceptance = acceptance_sum / acceptance_steps;
  result.best_states = book.best_state;
  result.best_energies = book.best_energy;
  result.chain_status = book.status;
  return result;
}

}  // namespace ebm
