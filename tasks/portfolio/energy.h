// The portfolio energy on the slot encoding (encoding.h): a frontier's driver problem p holds K slots,
// slot k a one-hot choice of asset y[k, 0:N] and a value x_k = y[k, N] in [0, 1].
//
//   condition [R, 4] double per row: (market key, lambda, epsilon, delta); the key (market_key below) names
//             a market of the energy's MarketTable, whatever batch the row came from
//   answer    [R, K, N + 1]
//
// The slot shares put the lower bound and the budget into the parametrisation:
//   u_k = x_k / sum_j x_j,   v_k = epsilon + (1 - K epsilon) u_k   (so sum v = 1 and v_k >= epsilon always)
// and the asset weights are w_i = sum_k y[k, i] v_k. Every held asset then carries at least epsilon,
// so the energy sees which assets fill the small positions. E = objective + duplicate + bounds +
// budget, every term >= 0:
//   objective  ( lambda * w'Sigma w + (1 - lambda) * sum_i (mu_max - mu_i) w_i ) / s
//              = ( lambda * w'Sigma w - (1 - lambda) * mu'w ) / s + (1 - lambda) mu_max / s  (sum w = 1),
//              s = mean_i Sigma_ii (the market's mean variance; makes the term O(1) for any market)
//   duplicate  D/2 * sum_i c_i (c_i - 1),  c_i = sum_k y[k, i] (slots choosing asset i): 0 iff K distinct assets
//   bounds     B * sum_k relu(v_k - delta)^2: held shares at most delta
//   budget     S * (sum_k x_k - 1)^2: pins the scale of x (the shares are scale-free)
// Closed-form gradient:
//   dE/dy[k, i] = v_k g_i + D (c_i - 1/2),   g = dE/dw = (2 lambda Sigma w + (1 - lambda)(mu_max - mu)) / s
//   dE/dv_k     = sum_i y[k, i] g_i + 2B relu(v_k - delta)
//   dE/dx_j     = (1 - K epsilon) (dE/dv_j - sum_k u_k dE/dv_k) / sum x + 2S (sum x - 1)
#pragma once

#include "ebm/energy.h"
#include "tasks/portfolio/market.h"

#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace ebm::portfolio {

struct PortfolioEnergyWeights {
  double duplicate = 10.0;  // D: per duplicated slot; far above any objective gain (objective is O(1))
  double bounds = 10.0;     // B: on squared share excesses over delta
  double budget = 1.0;      // S: on (sum x - 1)^2
};

// The market's identity in condition column 0: its content fingerprint's low 52 bits (exact in a double).
double market_key(const Market& market);

// Markets by market_key, shared by the task's encode() (which adds every market it encodes) and its
// energies (which look each row's market up here). An energy built for one batch therefore serves any
// later batch: the generic EBM solver builds the energy once, from the first batch, and reuses it.
class MarketTable {
 public:
  struct Entry {
    torch::Tensor covariance;  // [N, N] double, Sigma / s (s = mean_i Sigma_ii)
    torch::Tensor return_gap;  // [N] double, (mu_max - mu) / s
  };
  void add(const Market& market);  // idempotent; thread-safe
  Entry find(double key) const;    // throws std::invalid_argument when the key is unknown

 private:
  mutable std::mutex mutex_;
  std::map<double, Entry> entries_;
};

class PortfolioEnergy : public Energy {
 public:
  // Rows' markets are looked up in `table` (any sizes; a row's answer must have its market's N + 1 columns).
  PortfolioEnergy(std::shared_ptr<const MarketTable> table, PortfolioEnergyWeights weights);

  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  EnergyAndGradient closed_form_energy_and_gradient(const torch::Tensor& condition, const torch::Tensor& answer) override;
  std::string describe() const override;

 private:
  EnergyAndGradient evaluate(const torch::Tensor& condition, const torch::Tensor& answer, bool want_gradient);
  PortfolioEnergyWeights weights_;
  // The market's entry on the answer's device and dtype (cached).
  const MarketTable::Entry& market_on(double key, const torch::Tensor& like);
  std::shared_ptr<const MarketTable> table_;
  std::map<double, MarketTable::Entry> cache_;
};

}  // namespace ebm::portfolio
