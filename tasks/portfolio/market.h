// A market in the OR-Library portfolio format (Chang, Meade, Beasley & Sharaiha 2000, "Heuristics for
// cardinality constrained portfolio optimisation", Computers & OR 27) and the problem posed on it.
//
// Format (whitespace-separated numbers; blank lines ignored):
//   line 1            N                  number of assets (>= 2)
//   next N lines      mean stddev        of asset i's return per period (stddev > 0)
//   remaining lines   i j correlation    1 <= i <= j <= N, 1-based, every pair exactly once, rho_ii = 1,
//                                        -1 <= rho_ij <= 1
//   Sigma_ij = rho_ij * stddev_i * stddev_j
//
// The cardinality-constrained mean-variance problem (the Problem's settings): hold exactly K assets,
// each held weight in [epsilon, delta], weights summing to 1; for each of P values
// lambda_p = p / (P - 1), p = 0..P-1, minimise  lambda * w'Sigma w - (1 - lambda) * mu'w.
// The answer is a frontier: one portfolio per lambda.
#pragma once

#include "ebm/task.h"

#include <Eigen/Dense>

#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace ebm::portfolio {

struct PortfolioSettings {
  int64_t assets = 10;      // K: assets held in every portfolio
  double min_weight = 0.01; // epsilon: smallest weight of a held asset
  double max_weight = 1.0;  // delta: largest weight of a held asset
  int64_t points = 50;      // P: lambdas of the frontier, evenly spaced from 0 to 1

  std::vector<double> lambdas() const;  // [P], lambda_p = p / (P - 1)
};

// The task's parameters (ProblemParameter: assets, min-weight, max-weight, points;
// GenerateParameter: market-assets).
std::vector<ParameterInfo> portfolio_parameters();
// The settings in `parameters` (defaults for missing names), checked on their own:
// 1 <= K, 0 <= epsilon <= delta <= 1, delta > 0, K * epsilon <= 1, P >= 2. Throws TaskInputError naming the flag.
PortfolioSettings settings_from(const TaskParameters& parameters);

struct Market : Problem {
  Eigen::VectorXd mean;          // mu [N], return per period
  Eigen::VectorXd stddev;        // sigma [N]
  Eigen::MatrixXd correlation;   // rho [N, N], symmetric, unit diagonal
  Eigen::MatrixXd covariance;    // Sigma [N, N] = rho_ij sigma_i sigma_j
  PortfolioSettings settings;    // applied by apply_settings()

  int64_t size() const { return mean.size(); }
};
using MarketPtr = std::shared_ptr<Market>;

// Reads one market. Throws TaskInputError "SOURCE:LINE: what is wrong" (bad counts, indices out of
// range, correlations outside [-1, 1], a missing diagonal or pair, non-numbers, a covariance that is
// not positive semi-definite).
MarketPtr read_market(std::istream& in, const std::string& source);
// Market from its parts (the generator); computes Sigma.
MarketPtr make_market(Eigen::VectorXd mean, Eigen::VectorXd stddev, Eigen::MatrixXd correlation, std::string source);
// Checks the settings against the market (K <= N, K * delta >= 1) and stores them.
// Throws TaskInputError "SOURCE: --assets ...".
void apply_settings(Market& market, const PortfolioSettings& settings);
// The market in OR-Library format (numbers in their shortest round-trip form); read_market reads it back.
void write_market(std::ostream& out, const Market& market);
std::string market_text(const Market& market);

// One portfolio of a frontier.
struct FrontierPoint {
  double lambda = 0.0;
  Eigen::VectorXd weights;    // [N]; 0 for assets not held
  std::vector<int64_t> held;  // 0-based indices of the held assets, ascending
  double variance = 0.0;      // w'Sigma w
  double mean_return = 0.0;   // mu'w
};
struct Frontier : Answer {
  std::vector<FrontierPoint> points;  // one per lambda, in the settings' order
};

// A point with its variance and mean return computed from the market.
FrontierPoint make_point(const Market& market, double lambda, Eigen::VectorXd weights, std::vector<int64_t> held);

}  // namespace ebm::portfolio
