#include "tasks/portfolio/generator.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace ebm::portfolio {

namespace {
double round6(double x) { return std::round(x * 1e6) / 1e6; }
}  // namespace

MarketPtr generate_market(int64_t assets, uint64_t stream_seed) {
  std::mt19937_64 rng(stream_seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  const int64_t n = assets, factors = 3;
  const double factor_volatility[factors] = {0.025, 0.012, 0.010};
  const double premium[factors] = {0.003, 0.001, -0.0005};
  Eigen::MatrixXd loadings(n, factors);
  Eigen::VectorXd idiosyncratic(n), mean(n);
  for (int64_t i = 0; i < n; ++i) {
    loadings(i, 0) = 0.5 + unit(rng);
    loadings(i, 1) = 0.5 * normal(rng);
    loadings(i, 2) = 0.5 * normal(rng);
    idiosyncratic[i] = 0.015 + 0.025 * unit(rng);
    double mu = 0.0005 + 0.001 * normal(rng);
    for (int64_t f = 0; f < factors; ++f) mu += loadings(i, f) * premium[f];
    mean[i] = round6(std::max(mu, 0.00005));
  }
  Eigen::VectorXd factor_variance(factors);
  for (int64_t f = 0; f < factors; ++f) factor_variance[f] = factor_volatility[f] * factor_volatility[f];
  Eigen::MatrixXd covariance = loadings * factor_variance.asDiagonal() * loadings.transpose();
  covariance.diagonal() += idiosyncratic.cwiseProduct(idiosyncratic);
  Eigen::VectorXd stddev = covariance.diagonal().cwiseSqrt();
  Eigen::MatrixXd correlation(n, n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) correlation(i, j) = i == j ? 1.0 : round6(covariance(i, j) / (stddev[i] * stddev[j]));
  for (int64_t i = 0; i < n; ++i) stddev[i] = round6(stddev[i]);
  return make_market(std::move(mean), std::move(stddev), std::move(correlation), "generated");
}

}  // namespace ebm::portfolio
