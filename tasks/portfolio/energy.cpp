#include "tasks/portfolio/energy.h"

#include "ebm/options.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm::portfolio {

PortfolioEnergy::PortfolioEnergy(const std::vector<const Market*>& markets, PortfolioEnergyWeights weights,
                                 const torch::Device& device)
    : Energy("PortfolioEnergy"), weights_(weights) {
  if (markets.empty()) throw std::invalid_argument("PortfolioEnergy: no markets");
  assets_ = markets.front()->size();
  const int64_t m = markets.size(), n = assets_;
  auto covariance = torch::empty({m, n, n}, torch::kDouble), gap = torch::empty({m, n}, torch::kDouble);
  for (int64_t b = 0; b < m; ++b) {
    const Market& market = *markets[b];
    if (market.size() != n) throw std::invalid_argument("PortfolioEnergy: markets of one batch must have equal N");
    const double s = market.covariance.diagonal().mean();
    const double top = market.mean.maxCoeff();
    for (int64_t i = 0; i < n; ++i) {
      gap[b][i] = (top - market.mean[i]) / s;
      for (int64_t j = 0; j < n; ++j) covariance[b][i][j] = market.covariance(i, j) / s;
    }
  }
  covariance_ = register_buffer("covariance", covariance.to(device));
  return_gap_ = register_buffer("return_gap", gap.to(device));
}

std::string PortfolioEnergy::describe() const {
  return "portfolio(N=" + std::to_string(assets_) + ", markets=" + std::to_string(covariance_.size(0)) +
         ", duplicate=" + format_number(weights_.duplicate) + ", bounds=" + format_number(weights_.bounds) +
         ", budget=" + format_number(weights_.budget) + ")";
}

torch::Tensor PortfolioEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  return evaluate(condition, answer, false).energy;
}

torch::Tensor PortfolioEnergy::closed_form_gradient(const torch::Tensor& condition, const torch::Tensor& answer) {
  return evaluate(condition, answer, true).gradient;
}

EnergyAndGradient PortfolioEnergy::closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                                   const torch::Tensor& answer) {
  return evaluate(condition, answer, true);
}

EnergyAndGradient PortfolioEnergy::evaluate(const torch::Tensor& condition, const torch::Tensor& answer,
                                            bool want_gradient) {
  const int64_t n = assets_;
  const auto dtype = answer.scalar_type();
  auto market = condition.select(1, 0).to(torch::kLong);
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

  auto covariance = covariance_.to(dtype);
  torch::Tensor sigma_w;
  if (covariance.size(0) == 1) {
    sigma_w = w.matmul(covariance[0]);
  } else {
    sigma_w = torch::empty_like(w);
    for (int64_t b = 0; b < covariance.size(0); ++b) {
      auto rows = (market == b).nonzero().squeeze(1);
      if (rows.numel() > 0) sigma_w.index_copy_(0, rows, w.index_select(0, rows).matmul(covariance[b]));
    }
  }
  auto gap = return_gap_.to(dtype).index_select(0, market);      // [R, N]
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
