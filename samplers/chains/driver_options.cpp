// The driver's vocabulary: options, termination and chain-status names, the summary's reports.
#include "ebm/samplers/driver.h"

#include <cmath>
#include <limits>
#include <sstream>

namespace ebm {

void DriverOptions::bind(OptionSet& o) {
  o.add("chains", &chains, "chains per problem, run together in one batch", IntegerRange{1, kMaxChains});
  o.add("steps", &max_steps, "budget: sampler steps (0 = unlimited)", IntegerRange{0, 1000000000});
  o.add("evals", &max_evaluations, "budget: candidate energy evaluations, all chains together (0 = unlimited)", IntegerRange{0, 1000000000000000});
  o.add("ms", &max_ms, "budget: wall-clock milliseconds (0 = unlimited)", RealRange{0, 8.64e7});
  o.add("tol", &energy_tolerance, "a chain stops once E <= tol (-inf = never)", RealRange{-std::numeric_limits<double>::infinity(), 1e30});
  o.add("verify_every", &verify_every, "run the task's verifier every this many steps", IntegerRange{1, 1000000});
  o.add("verify_below", &verify_below, "skip a check when no chain's energy is at most this (for counting energies: "
                                       "0.5); the verifier still decides (inf = always check)",
        RealRange{-1e30, std::numeric_limits<double>::infinity()});
  o.add("stop_verified", &stop_problem_on_verified, "stop a problem's other chains once one is verified");
  o.add("plateau", &plateau_steps, "steps without the best energy dropping by plateau_delta before a restart or stop (0 = never)", IntegerRange{0, 1000000000});
  o.add("plateau_delta", &plateau_delta, "improvement that counts as progress for the plateau test", RealRange{0, 1e30});
  o.add("restarts", &restarts, "restarts per chain from a fresh initial state after a plateau (0 = none)", IntegerRange{0, 1000000});
  o.add("trace", &trace, "record energy, gradient norm and acceptance per step");
  o.add("track_best", &track_best, "keep each chain's lowest-energy state (false: its last state)");
  o.add("seed", &seed, "seed of the run's generator (initial states, noise, proposals)");
}

bool DriverOptions::is_valid(std::string* error) const {
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
  if (std::isnan(verify_below)) return fail("verify_below must not be NaN");
  if (plateau_steps < 0) return fail("plateau must be >= 0 (0 = never)");
  if (!(plateau_delta >= 0)) return fail("plateau_delta must be >= 0");
  if (restarts < 0) return fail("restarts must be >= 0");
  if (restarts > 0 && plateau_steps == 0) return fail("restarts need a plateau test: set plateau > 0");
  return true;
}

std::string DriverOptions::describe() const {
  DriverOptions copy = *this;
  OptionSet set("driver");
  copy.bind(set);
  return set.current_values();
}

const char* termination_name(TerminationType type) {
  switch (type) {
    case TerminationType::Convergence: return "CONVERGENCE";
    case TerminationType::NoConvergence: return "NO_CONVERGENCE";
    case TerminationType::Failure: return "FAILURE";
    case TerminationType::UserSuccess: return "USER_SUCCESS";
    case TerminationType::UserAbort: return "USER_ABORT";
    case TerminationType::Cancelled: return "CANCELLED";
  }
  return "?";
}

const char* chain_status_name(ChainStatus status) {
  switch (status) {
    case ChainStatus::Running: return "running";
    case ChainStatus::Tolerance: return "tolerance";
    case ChainStatus::Verified: return "verified";
    case ChainStatus::Plateau: return "plateau";
    case ChainStatus::NonFinite: return "non-finite";
    case ChainStatus::SiblingVerified: return "sibling-verified";
  }
  return "?";
}

std::string Summary::brief_report() const {
  std::ostringstream s;
  s << termination_name(termination) << ": " << sampler << " | " << problems << " problem(s) x "
    << (problems ? chains / problems : 0) << " chain(s), " << steps << " steps, " << evaluations
    << " evals, " << format_number(std::round(elapsed_ms * 100) / 100) << " ms, best E "
    << format_number(best_energy);
  if (problems_verified) s << ", verified " << problems_verified << "/" << problems;
  if (!std::isnan(mean_acceptance)) s << ", acceptance " << format_number(std::round(mean_acceptance * 1000) / 1000);
  return s.str();
}

std::string Summary::full_report() const {
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

}  // namespace ebm
