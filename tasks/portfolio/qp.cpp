#include "tasks/portfolio/qp.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace ebm::portfolio {

Eigen::VectorXd project_capped_simplex(const Eigen::VectorXd& v, double lower, double upper) {
  const int64_t n = v.size();
  if (n == 0) return v;
  auto sum_at = [&](double tau) { return (v.array() - tau).cwiseMax(lower).cwiseMin(upper).sum(); };
  // sum(tau) is non-increasing and linear between the breakpoints v_i - upper and v_i - lower.
  std::vector<double> breakpoints;
  breakpoints.reserve(2 * n);
  for (int64_t i = 0; i < n; ++i) breakpoints.push_back(v[i] - upper), breakpoints.push_back(v[i] - lower);
  std::sort(breakpoints.begin(), breakpoints.end());
  if (sum_at(breakpoints.front()) <= 1.0) return Eigen::VectorXd::Constant(n, upper);  // n*upper <= 1
  if (sum_at(breakpoints.back()) >= 1.0) return Eigen::VectorXd::Constant(n, lower);   // n*lower >= 1
  // The segment [a, b] of consecutive breakpoints with sum(a) >= 1 >= sum(b).
  size_t lo = 0, hi = breakpoints.size() - 1;
  while (hi - lo > 1) {
    const size_t mid = (lo + hi) / 2;
    (sum_at(breakpoints[mid]) >= 1.0 ? lo : hi) = mid;
  }
  const double a = breakpoints[lo], b = breakpoints[hi];
  const double sa = sum_at(a), sb = sum_at(b);
  const double tau = sa == sb ? a : a + (sa - 1.0) * (b - a) / (sa - sb);
  // On (a, b) the free coordinates are exactly those strictly inside the box at the midpoint.
  const double middle = 0.5 * (a + b);
  double fixed_sum = 0.0, free_v = 0.0;
  int64_t free = 0;
  Eigen::VectorXd w(n);
  for (int64_t i = 0; i < n; ++i) {
    const double shifted = v[i] - middle;
    if (shifted <= lower) w[i] = lower, fixed_sum += lower;
    else if (shifted >= upper) w[i] = upper, fixed_sum += upper;
    else ++free, free_v += v[i];
  }
  // Free coordinates: v_i - tau with tau solving sum exactly (recomputed from the free set for accuracy).
  const double exact_tau = free > 0 ? (free_v + fixed_sum - 1.0) / free : tau;
  for (int64_t i = 0; i < n; ++i) {
    const double shifted = v[i] - middle;
    if (shifted > lower && shifted < upper) w[i] = std::clamp(v[i] - exact_tau, lower, upper);
  }
  return w;
}

namespace {

// A linear program over the box-simplex: fill the variables with the smallest f first.
Eigen::VectorXd solve_box_simplex_lp(const BoxSimplexQp& p) {
  const int64_t n = p.f.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p.f[a] < p.f[b]; });
  Eigen::VectorXd w = p.lower;
  double remaining = 1.0 - p.lower.sum();
  for (int64_t i : order) {
    const double add = std::min(p.upper[i] - p.lower[i], remaining);
    w[i] += add;
    remaining -= add;
  }
  return w;
}

enum class Bound { Free, Lower, Upper };

}  // namespace

QpResult solve_box_simplex_qp(const BoxSimplexQp& p, const Eigen::VectorXd* start, double tolerance) {
  const int64_t n = p.f.size();
  if (p.H.rows() != n || p.H.cols() != n || p.lower.size() != n || p.upper.size() != n)
    throw std::invalid_argument("solve_box_simplex_qp: H, f, lower, upper sizes differ");
  if (p.lower.sum() > 1.0 + 1e-12 || p.upper.sum() < 1.0 - 1e-12 || (p.lower.array() > p.upper.array()).any())
    throw std::invalid_argument("solve_box_simplex_qp: infeasible bounds");
  QpResult result;
  if (p.H.cwiseAbs().maxCoeff() == 0.0) {
    result.w = solve_box_simplex_lp(p);
    result.converged = true;
    return result;
  }
  Eigen::VectorXd w;
  const bool start_feasible = start && start->size() == n && std::abs(start->sum() - 1.0) <= 1e-12 &&
                              (start->array() >= p.lower.array()).all() && (start->array() <= p.upper.array()).all();
  if (start_feasible) {
    w = *start;
  } else {
    const double span = p.upper.sum() - p.lower.sum();
    const double t = span > 0 ? (1.0 - p.lower.sum()) / span : 0.0;
    w = p.lower + t * (p.upper - p.lower);
  }
  std::vector<Bound> bound(n, Bound::Free);
  for (int64_t i = 0; i < n; ++i) {
    if (p.lower[i] == p.upper[i] || w[i] <= p.lower[i]) bound[i] = Bound::Lower, w[i] = p.lower[i];
    else if (w[i] >= p.upper[i]) bound[i] = Bound::Upper, w[i] = p.upper[i];
  }
  const double scale = std::max({1.0, p.H.cwiseAbs().maxCoeff(), p.f.cwiseAbs().maxCoeff()});
  const auto free_variables = [&] {
    std::vector<int64_t> free;
    for (int64_t i = 0; i < n; ++i)
      if (bound[i] == Bound::Free) free.push_back(i);
    return free;
  };
  const int64_t max_iterations = 50 * n + 100;
  for (result.iterations = 0; result.iterations < max_iterations; ++result.iterations) {
    const std::vector<int64_t> free = free_variables();
    const Eigen::VectorXd gradient = p.H * w + p.f;
    double nu = 0.0;  // multiplier of sum w = 1: gradient_F + nu = 0 at a subproblem optimum
    Eigen::VectorXd step = Eigen::VectorXd::Zero(n);
    if (!free.empty()) {
      const int64_t m = free.size();
      Eigen::MatrixXd h(m, m);
      Eigen::VectorXd g(m);
      for (int64_t a = 0; a < m; ++a) {
        g[a] = gradient[free[a]];
        for (int64_t b = 0; b < m; ++b) h(a, b) = p.H(free[a], free[b]);
      }
      // Minimise 1/2 d'h d + g'd subject to sum d = 0: d = -h^-1 (g + nu 1), nu = -(1'h^-1 g)/(1'h^-1 1).
      Eigen::LDLT<Eigen::MatrixXd> factor(h);
      const Eigen::VectorXd hg = factor.solve(g), h1 = factor.solve(Eigen::VectorXd::Ones(m));
      nu = -hg.sum() / h1.sum();
      const Eigen::VectorXd d = -(hg + nu * h1);
      for (int64_t a = 0; a < m; ++a) step[free[a]] = d[a];
    } else {
      // Every variable at a bound: the multiplier that best satisfies the sign conditions.
      double low = -INFINITY, high = INFINITY;
      for (int64_t i = 0; i < n; ++i)
        (bound[i] == Bound::Lower ? low : high) =
            bound[i] == Bound::Lower ? std::max(low, -gradient[i]) : std::min(high, -gradient[i]);
      nu = std::isfinite(low) ? low : high;
    }
    if (step.cwiseAbs().maxCoeff() <= tolerance) {
      // Multipliers z_i = gradient_i + nu: >= 0 at a lower bound, <= 0 at an upper bound.
      int64_t release = -1;
      double worst = tolerance * scale;
      for (int64_t i = 0; i < n; ++i) {
        if (bound[i] == Bound::Free || p.lower[i] == p.upper[i]) continue;
        const double z = gradient[i] + nu;
        const double violation = bound[i] == Bound::Lower ? -z : z;
        if (violation > worst) worst = violation, release = i;
      }
      if (release < 0) {
        result.converged = true;
        break;
      }
      bound[release] = Bound::Free;
      continue;
    }
    double alpha = 1.0;
    int64_t blocking = -1;
    for (int64_t i = 0; i < n; ++i) {
      if (bound[i] != Bound::Free || step[i] == 0.0) continue;
      const double limit = step[i] < 0 ? (p.lower[i] - w[i]) / step[i] : (p.upper[i] - w[i]) / step[i];
      if (limit < alpha) alpha = std::max(0.0, limit), blocking = i;
    }
    w += alpha * step;
    if (blocking >= 0) {
      const bool at_lower = step[blocking] < 0;
      bound[blocking] = at_lower ? Bound::Lower : Bound::Upper;
      w[blocking] = at_lower ? p.lower[blocking] : p.upper[blocking];
    }
  }
  // Restore sum w = 1 exactly on the free variables (rounding drift of the steps).
  const std::vector<int64_t> free = free_variables();
  if (!free.empty()) {
    const double drift = (w.sum() - 1.0) / static_cast<double>(free.size());
    for (int64_t i : free) w[i] = std::clamp(w[i] - drift, p.lower[i], p.upper[i]);
  }
  result.w = w;
  return result;
}

}  // namespace ebm::portfolio
