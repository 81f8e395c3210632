// Frontiers: the exact verifier, the unconstrained efficient frontier (UEF) and the mean percentage
// error (MPE) against it, as Chang, Meade, Beasley & Sharaiha (2000) report heuristic frontiers.
//
// UEF: the same market without the cardinality constraint and without the lower bound epsilon
// (0 <= w_i <= delta, sum w = 1), traced by the exact QP (qp.h, KKT tolerance 1e-12) at the
// frontier's own lambdas plus an even lambda grid, refined by bisection until consecutive points
// differ by at most 1/500 of the UEF's return range (at most 4000 points).
//
// Percentage errors of a heuristic point (v, r) (variance, mean return), with the UEF linearly
// interpolated between its points:
//   variance error  e_v = 100 (v - v*(r)) / v*(r)    v*(r) = UEF variance at return r   (r in UEF range)
//   return error    e_r = 100 (r*(v) - r) / r*(v)    r*(v) = UEF return at variance v  (v in UEF range;
//                                                    above the range r* = the UEF's largest return)
//   point error     e = min(e_v, e_r) (the one defined when only one is)
//   MPE = mean of e over the frontier's points; also reported: their median, mean e_v, mean e_r.
#pragma once

#include "tasks/portfolio/market.h"

#include <map>
#include <string>
#include <vector>

namespace ebm::portfolio {

// Exact check of every point: the lambdas are the settings' lambdas; exactly K distinct held assets
// in range; held weights in [epsilon, delta], the others exactly 0; |sum w - 1| <= 1e-9; variance
// and mean return agree with the weights (relative 1e-9). False with *why naming the first fault.
bool verify_frontier(const Market& market, const Frontier& frontier, std::string* why = nullptr);

struct FrontierCurve {
  std::vector<double> variance, mean_return;  // ascending in mean return (and variance)
};

// The UEF as described above.
FrontierCurve unconstrained_frontier(const Market& market);

// "mpe_percent", "median_percent_error", "variance_error_percent", "return_error_percent".
std::map<std::string, double> percentage_errors(const Frontier& frontier, const FrontierCurve& uef);

}  // namespace ebm::portfolio
