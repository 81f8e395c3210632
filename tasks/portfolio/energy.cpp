#include "tasks/portfolio/energy.h"

#include "ebm/options.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::portfolio {

double market_key(const Market& market) {
  return static_cast<double>(content_fingerprint(market_text(market)) & ((uint64_t{1} << 52) - 1));
}

void MarketTable::add(const Market& market) {
  const double key = market_key(market);
  std::lock_guard<std::mutex> lock(mutex_);
  if (entries_.count(key)) return;
  const int64_t n = market.size();
  const double s = market.covariance.diagonal().mean();
  const double top = market.mean.maxCoeff();
  Entry entry{torch::empty({n, n}, torch::kDouble), torch::empty({n}, torch::kDouble)};
  auto covariance = entry.covariance.accessor<double, 2>();
  auto gap = entry.return_gap.accessor<double, 1>();
  for (int64_t i = 0; i < n; ++i) {
    gap[i] = (top - market.mean[i]) / s;
    for (int64_t j = 0; j < n; ++j) covariance[i][j] = market.covariance(i, j) / s;
  }
  entries_.emplace(key, std::move(entry));
}

MarketTable::Entry MarketTable::find(double key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) throw std::invalid_argument("PortfolioEnergy: a row's market was never encoded");
  return it->second;
}

PortfolioEnergy::PortfolioEnergy(std::shared_ptr<const MarketTable> table, PortfolioEnergyWeights weights)
    : Energy("PortfolioEnergy"), weights_(weights), table_(std::move(table)) {
  if (!table_) throw std::invalid_argument("PortfolioEnergy: no market table");
}

const MarketTable::Entry& PortfolioEnergy::market_on(double key, const torch::Tensor& like) {
  auto it = cache_.find(key);
  if (it == cache_.end() || it->second.covariance.device() != like.device() ||
      it->second.covariance.scalar_type() != like.scalar_type()) {
    MarketTable::Entry entry = table_->find(key);
    entry.covariance = entry.covariance.to(like.options());
    entry.return_gap = entry.return_gap.to(like.options());
    it = cache_.insert_or_assign(key, std::move(entry)).first;
  }
  return it->second;
}

std::string PortfolioEnergy::describe() const {
  return std::string("portfolio(mean-variance") +
         ", duplicate=" + format_number(weights_.duplicate) + ", bounds=" + format_number(weights_.bounds) +
         ", budget=" + format_number(weights_.budget) + ")";
}

torch::Tensor PortfolioEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  return evaluate(condition, answer, false).energy;
}

EnergyAndGradient PortfolioEnergy::closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                                   const torch::Tensor& answer) {
  return evaluate(condition, answer, true);
}

EnergyAndGradient PortfolioEnergy::evaluate(const torch::Tensor& condition, const torch::Tensor& answer,
                                            bool want_gradient) {
  const int64_t n = answer.size(-1) - 1;
  const auto dtype = answer.scalar_type();
  auto key = condition.select(1, 0).to(torch::kDouble);          // [R]
  auto lambda = condition.select(1, 1).to(dtype).unsqueeze(1);   // [R, 1]
  auto epsilon = condition.select(1, 2).to(dtype).unsqueeze(1);  // [R, 1]
  auto delta = condition.select(1, 3).to(dtype).unsqueeze(1);    // [R, 1]
  auto choice = answer.narrow(-1, 0, n);                          // [R, K, N]
  auto x = answer.select(-1, n);                                  // [R, K]
  auto total = x.sum(1, /*keepdim=*/true);                        // [R, 1]
  auto safe_total = total.clamp_min(1e-6);
  auto free_share = 1.0 - epsilon * static_cast<double>(x.size(1)); // 1 - K epsilon [R, 1]
  auto normalised = x / safe_total;                               // u [R, K]
  auto share = epsilon + free_share * normalised;                 // v [R, K]
  auto w = (choice * share.unsqueeze(-1)).sum(1);                 // [R, N]

  // Sigma w and the return gaps row by row, one market at a time.
  auto sigma_w = torch::empty_like(w), gap = torch::empty_like(w);
  auto keys = std::get<0>(torch::_unique(key.cpu()));
  for (int64_t i = 0; i < keys.numel(); ++i) {
    const MarketTable::Entry& market = market_on(keys[i].item<double>(), w);
    if (market.covariance.size(0) != n)
      throw std::invalid_argument("PortfolioEnergy: answers of a " + std::to_string(market.covariance.size(0)) +
                                  "-asset market need " + std::to_string(market.covariance.size(0) + 1) + " columns");
    if (keys.numel() == 1) {
      sigma_w = w.matmul(market.covariance);
      gap = market.return_gap.expand_as(w);
      break;
    }
    auto rows = (key == keys[i].item<double>()).nonzero().squeeze(1);
    sigma_w.index_copy_(0, rows, w.index_select(0, rows).matmul(market.covariance));
    gap.index_copy_(0, rows, market.return_gap.expand({rows.size(0), n}));
  }
  auto count = choice.sum(1);                                     // c [R, N]
  auto above = (share - delta).clamp_min(0.0);

  auto objective = lambda.squeeze(1) * (w * sigma_w).sum(1) + (1.0 - lambda.squeeze(1)) * (w * gap).sum(1);
  auto duplicate = 0.5 * weights_.duplicate * (count * (count - 1.0)).sum(1);
  auto bounds = weights_.bounds * above.pow(2).sum(1);
  auto budget = weights_.budget * (total.squeeze(1) - 1.0).pow(2);
  EnergyAndGradient out;
  out.energy = objective + duplicate + bounds + budget;
  if (!want_gradient) return out;

  auto g = 2.0 * lambda * sigma_w + (1.0 - lambda) * gap;                                     // dE/dw [R, N]
  auto d_choice = share.unsqueeze(-1) * g.unsqueeze(1) + weights_.duplicate * (count - 0.5).unsqueeze(1);
  auto d_share = (choice * g.unsqueeze(1)).sum(-1) + 2.0 * weights_.bounds * above;  // [R, K]
  auto d_x = free_share * (d_share - (normalised * d_share).sum(1, /*keepdim=*/true)) / safe_total +
             2.0 * weights_.budget * (total - 1.0);
  out.gradient = torch::cat({d_choice, d_x.unsqueeze(-1)}, -1);
  return out;
}

}  // namespace ebm::portfolio
