// Exact solvers for the convex pieces of the portfolio task (Eigen, double precision).
//
//   project_capped_simplex   Euclidean projection onto {sum w = 1, lower <= w_i <= upper}
//   solve_box_simplex_qp     min 1/2 w'Hw + f'w  s.t.  sum w = 1, lower_i <= w_i <= upper_i
//
// Neither searches over held sets: they are the exact maps that decode() and the quality measure
// use (the projection) and the classical references' workhorse (the QP).
#pragma once

#include <Eigen/Dense>

namespace ebm::portfolio {

// argmin_w ||w - v||^2 over {sum w = 1, lower <= w_i <= upper}: w_i = clamp(v_i - tau, lower, upper)
// with tau found exactly from the sorted breakpoints of the piecewise-linear sum(tau).
// When the set is empty (n*lower > 1 or n*upper < 1) returns the clamp at the nearest feasible
// sum (all lower or all upper). Exact up to rounding: |sum w - 1| <= n * 1e-16.
Eigen::VectorXd project_capped_simplex(const Eigen::VectorXd& v, double lower, double upper);

struct BoxSimplexQp {
  Eigen::MatrixXd H;      // [n, n] symmetric positive semi-definite; positive definite on every free set
  Eigen::VectorXd f;      // [n]
  Eigen::VectorXd lower;  // [n]
  Eigen::VectorXd upper;  // [n]; sum(lower) <= 1 <= sum(upper)
};

struct QpResult {
  Eigen::VectorXd w;
  int64_t iterations = 0;
  bool converged = false;  // the KKT conditions hold within `tolerance`
};

// Primal active-set method (Nocedal & Wright, Algorithm 16.3) from a feasible start (`start` when it
// is feasible, else lower + t (upper - lower) with the t that makes the sum 1). Each iteration solves
// the equality-constrained subproblem on the free variables exactly (Cholesky of H_FF and the Schur
// complement of the sum constraint), steps to the first blocking bound, or, at a subproblem optimum,
// frees the bound variable with the most negative multiplier. Stops when every multiplier has the
// right sign within `tolerance` (relative to the gradient's scale). H = 0 (a linear program) is
// solved exactly by filling the best f first.
QpResult solve_box_simplex_qp(const BoxSimplexQp& problem, const Eigen::VectorXd* start = nullptr,
                              double tolerance = 1e-12);

}  // namespace ebm::portfolio
