#include "tasks/portfolio/reference.h"

#include "tasks/portfolio/qp.h"

#include <algorithm>
#include <numeric>

namespace ebm::portfolio {

namespace {

BoxSimplexQp mean_variance_qp(const Eigen::MatrixXd& covariance, const Eigen::VectorXd& mean, double lambda,
                              double lower, double upper) {
  BoxSimplexQp qp;
  qp.H = 2.0 * lambda * covariance;
  qp.f = -(1.0 - lambda) * mean;
  qp.lower = Eigen::VectorXd::Constant(mean.size(), lower);
  qp.upper = Eigen::VectorXd::Constant(mean.size(), upper);
  return qp;
}

}  // namespace

Frontier relax_round_frontier(const Market& market) {
  const PortfolioSettings& s = market.settings;
  const int64_t n = market.size();
  Frontier frontier;
  Eigen::VectorXd relaxed_start;
  for (double lambda : s.lambdas()) {
    const auto relaxed = solve_box_simplex_qp(mean_variance_qp(market.covariance, market.mean, lambda, 0.0, s.max_weight),
                                              relaxed_start.size() ? &relaxed_start : nullptr);
    relaxed_start = relaxed.w;
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return relaxed.w[a] > relaxed.w[b]; });
    std::vector<int64_t> held(order.begin(), order.begin() + s.assets);
    std::sort(held.begin(), held.end());
    Eigen::MatrixXd covariance(s.assets, s.assets);
    Eigen::VectorXd mean(s.assets);
    for (int64_t a = 0; a < s.assets; ++a) {
      mean[a] = market.mean[held[a]];
      for (int64_t b = 0; b < s.assets; ++b) covariance(a, b) = market.covariance(held[a], held[b]);
    }
    const auto restricted =
        solve_box_simplex_qp(mean_variance_qp(covariance, mean, lambda, s.min_weight, s.max_weight));
    Eigen::VectorXd weights = Eigen::VectorXd::Zero(n);
    for (int64_t a = 0; a < s.assets; ++a) weights[held[a]] = restricted.w[a];
    frontier.points.push_back(make_point(market, lambda, std::move(weights), std::move(held)));
  }
  return frontier;
}

}  // namespace ebm::portfolio
