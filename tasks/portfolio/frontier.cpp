#include "tasks/portfolio/frontier.h"

#include "ebm/options.h"
#include "tasks/portfolio/qp.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

namespace ebm::portfolio {

bool verify_frontier(const Market& market, const Frontier& frontier, std::string* why) {
  auto fail = [&](const std::string& message) {
    if (why) *why = message;
    return false;
  };
  const PortfolioSettings& s = market.settings;
  const auto lambdas = s.lambdas();
  const int64_t n = market.size();
  if (static_cast<int64_t>(frontier.points.size()) != s.points)
    return fail("expected " + std::to_string(s.points) + " points, got " + std::to_string(frontier.points.size()));
  for (size_t p = 0; p < frontier.points.size(); ++p) {
    const FrontierPoint& point = frontier.points[p];
    const std::string where = "point " + std::to_string(p + 1) + " (lambda " + format_number(point.lambda) + "): ";
    if (point.lambda != lambdas[p]) return fail(where + "expected lambda " + format_number(lambdas[p]));
    if (point.weights.size() != n) return fail(where + "expected " + std::to_string(n) + " weights");
    if (static_cast<int64_t>(point.held.size()) != s.assets)
      return fail(where + "holds " + std::to_string(point.held.size()) + " assets, expected exactly " +
                  std::to_string(s.assets));
    std::set<int64_t> held(point.held.begin(), point.held.end());
    if (static_cast<int64_t>(held.size()) != s.assets) return fail(where + "an asset is held twice");
    if (*held.begin() < 0 || *held.rbegin() >= n) return fail(where + "a held asset index is out of range");
    for (int64_t i = 0; i < n; ++i) {
      const double w = point.weights[i];
      if (!std::isfinite(w)) return fail(where + "weight of asset " + std::to_string(i + 1) + " is not finite");
      if (held.count(i) && (w < s.min_weight || w > s.max_weight))
        return fail(where + "held asset " + std::to_string(i + 1) + " has weight " + format_number(w) + " outside [" +
                    format_number(s.min_weight) + ", " + format_number(s.max_weight) + "]");
      if (!held.count(i) && w != 0.0)
        return fail(where + "asset " + std::to_string(i + 1) + " is not held but has weight " + format_number(w));
    }
    const double sum = point.weights.sum();
    if (std::abs(sum - 1.0) > 1e-9) return fail(where + "weights sum to " + format_number(sum) + ", not 1");
    const double variance = point.weights.dot(market.covariance * point.weights);
    const double mean_return = market.mean.dot(point.weights);
    if (std::abs(point.variance - variance) > 1e-9 * std::max(1.0, std::abs(variance)) ||
        std::abs(point.mean_return - mean_return) > 1e-9 * std::max(1.0, std::abs(mean_return)))
      return fail(where + "variance or mean return does not match the weights");
  }
  return true;
}

namespace {

struct UefSolver {
  const Market& market;
  BoxSimplexQp qp;
  UefSolver(const Market& m) : market(m) {
    const int64_t n = m.size();
    qp.lower = Eigen::VectorXd::Zero(n);
    qp.upper = Eigen::VectorXd::Constant(n, m.settings.max_weight);
  }
  Eigen::VectorXd solve(double lambda, const Eigen::VectorXd* start) {
    qp.H = 2.0 * lambda * market.covariance;
    qp.f = -(1.0 - lambda) * market.mean;
    return solve_box_simplex_qp(qp, start).w;
  }
};

// Linear interpolation of ys at x over ascending xs; NaN outside [xs.front(), xs.back()].
double interpolate(const std::vector<double>& xs, const std::vector<double>& ys, double x) {
  if (xs.empty() || x < xs.front() || x > xs.back()) return std::numeric_limits<double>::quiet_NaN();
  auto upper = std::lower_bound(xs.begin(), xs.end(), x);
  const size_t b = upper - xs.begin();
  if (b == 0 || xs[b] == x) return ys[b];
  const size_t a = b - 1;
  return ys[a] + (ys[b] - ys[a]) * (x - xs[a]) / (xs[b] - xs[a]);
}

}  // namespace

FrontierCurve unconstrained_frontier(const Market& market) {
  UefSolver solver(market);
  std::set<double> lambdas;
  for (int i = 0; i <= 200; ++i) lambdas.insert(i / 200.0);
  for (double lambda : market.settings.lambdas()) lambdas.insert(lambda);
  std::map<double, Eigen::VectorXd> solutions;
  const Eigen::VectorXd* previous = nullptr;
  for (double lambda : lambdas) {
    solutions[lambda] = solver.solve(lambda, previous);
    previous = &solutions[lambda];
  }
  auto return_of = [&](const Eigen::VectorXd& w) { return market.mean.dot(w); };
  const double range = return_of(solutions.begin()->second) - return_of(solutions.rbegin()->second);
  const double gap = std::abs(range) / 500.0;
  for (bool refined = true; refined && solutions.size() < 4000;) {
    refined = false;
    std::vector<double> midpoints;
    for (auto a = solutions.begin(), b = std::next(a); b != solutions.end(); ++a, ++b)
      if (std::abs(return_of(a->second) - return_of(b->second)) > gap && b->first - a->first > 1e-9)
        midpoints.push_back(0.5 * (a->first + b->first));
    for (double lambda : midpoints) {
      if (solutions.size() >= 4000) break;
      auto next = solutions.upper_bound(lambda);
      solutions[lambda] = solver.solve(lambda, &next->second);
      refined = true;
    }
  }
  FrontierCurve curve;
  for (auto it = solutions.rbegin(); it != solutions.rend(); ++it) {  // lambda 1 -> 0: return ascending
    const double r = return_of(it->second), v = it->second.dot(market.covariance * it->second);
    if (!curve.mean_return.empty() && (r < curve.mean_return.back() || v < curve.variance.back())) continue;
    curve.mean_return.push_back(r);
    curve.variance.push_back(v);
  }
  return curve;
}

std::map<std::string, double> percentage_errors(const Frontier& frontier, const FrontierCurve& uef) {
  std::vector<double> errors, variance_errors, return_errors;
  for (const FrontierPoint& point : frontier.points) {
    const double v_star = interpolate(uef.mean_return, uef.variance, point.mean_return);
    double r_star = interpolate(uef.variance, uef.mean_return, point.variance);
    if (std::isnan(r_star) && !uef.variance.empty() && point.variance > uef.variance.back())
      r_star = uef.mean_return.back();
    const double e_v = std::isnan(v_star) ? NAN : 100.0 * (point.variance - v_star) / v_star;
    const double e_r = std::isnan(r_star) ? NAN : 100.0 * (r_star - point.mean_return) / r_star;
    if (!std::isnan(e_v)) variance_errors.push_back(e_v);
    if (!std::isnan(e_r)) return_errors.push_back(e_r);
    if (!std::isnan(e_v) || !std::isnan(e_r)) errors.push_back(std::isnan(e_v) ? e_r : std::isnan(e_r) ? e_v : std::min(e_v, e_r));
  }
  auto mean = [](const std::vector<double>& x) {
    return x.empty() ? std::numeric_limits<double>::quiet_NaN() : std::accumulate(x.begin(), x.end(), 0.0) / x.size();
  };
  auto median = [](std::vector<double> x) {
    if (x.empty()) return std::numeric_limits<double>::quiet_NaN();
    std::sort(x.begin(), x.end());
    const size_t m = x.size() / 2;
    return x.size() % 2 ? x[m] : 0.5 * (x[m - 1] + x[m]);
  };
  return {{"mpe_percent", mean(errors)},
          {"median_percent_error", median(errors)},
          {"variance_error_percent", mean(variance_errors)},
          {"return_error_percent", mean(return_errors)}};
}

}  // namespace ebm::portfolio
