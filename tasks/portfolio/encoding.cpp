#include "tasks/portfolio/encoding.h"

#include "tasks/portfolio/energy.h"
#include "tasks/portfolio/qp.h"

#include <torch/torch.h>

#include <map>
#include <sstream>
#include <stdexcept>

namespace ebm::portfolio {

Encoding encode_frontiers(const std::vector<const Market*>& markets, const torch::Device& device, MarketTable& table) {
  if (markets.empty()) throw std::invalid_argument("portfolio: nothing to encode");
  const int64_t n = markets.front()->size(), k = markets.front()->settings.assets;
  std::vector<double> condition;
  Encoding encoding;
  for (size_t b = 0; b < markets.size(); ++b) {
    const Market& market = *markets[b];
    if (market.size() != n || market.settings.assets != k)
      throw std::invalid_argument("portfolio: markets of one batch need the same number of assets and the same K");
    table.add(market);
    const double key = market_key(market);
    for (double lambda : market.settings.lambdas()) {
      condition.insert(condition.end(), {key, lambda, market.settings.min_weight, market.settings.max_weight});
      encoding.owner.push_back(static_cast<int64_t>(b));
    }
  }
  encoding.problems = static_cast<int64_t>(encoding.owner.size());
  encoding.condition = torch::tensor(condition, torch::kDouble).view({encoding.problems, 4}).to(device);
  encoding.space = AnswerSpace::mixed(k, n, 0.0, 1.0);
  encoding.initializer = [n, k](const torch::Tensor& problem_index, torch::Generator& generator) {
    const int64_t rows = problem_index.size(0);
    auto options = torch::TensorOptions().dtype(torch::kFloat).device(problem_index.device());
    torch::Tensor assets = std::get<1>(torch::rand({rows, n}, generator, options).sort(1)).narrow(1, 0, k);
    torch::Tensor choice = torch::one_hot(assets, n).to(options);
    torch::Tensor value = torch::full({rows, k, 1}, 1.0 / static_cast<double>(k), options);
    return torch::cat({choice, value}, -1);
  };
  encoding.violations = [](const torch::Tensor& decoded, const torch::Tensor&) {
    return repeated_slots(decoded).to(torch::kFloat);
  };
  encoding.describe = [](const torch::Tensor& decoded) {
    std::vector<std::string> lines;
    auto assets = decoded.select(-1, 0).to(torch::kLong).cpu();
    for (int64_t r = 0; r < assets.size(0); ++r) {
      std::ostringstream line;
      line << "assets";
      for (int64_t s = 0; s < assets.size(1); ++s) line << " " << assets[r][s].item<int64_t>() + 1;
      lines.push_back(line.str());
    }
    return lines;
  };
  return encoding;
}

torch::Tensor repeated_slots(const torch::Tensor& decoded) {
  auto sorted = std::get<0>(decoded.select(-1, 0).sort(1));
  return (sorted.narrow(1, 1, sorted.size(1) - 1) == sorted.narrow(1, 0, sorted.size(1) - 1)).sum(1);
}

Frontier decode_frontier(const Market& market, const torch::Tensor& states) {
  const PortfolioSettings& s = market.settings;
  const int64_t n = market.size();
  const auto lambdas = s.lambdas();
  if (states.dim() != 3 || states.size(0) != s.points || states.size(2) != n + 1)
    throw std::invalid_argument("portfolio decode: expected states [" + std::to_string(s.points) + ", K, " +
                                std::to_string(n + 1) + "]");
  auto cpu = states.to(torch::kCPU, torch::kDouble).contiguous();
  auto chosen = cpu.narrow(-1, 0, n).argmax(-1);
  Frontier frontier;
  for (int64_t p = 0; p < s.points; ++p) {
    double total = 0.0;
    for (int64_t slot = 0; slot < cpu.size(1); ++slot) total += cpu[p][slot][n].item<double>();
    std::map<int64_t, double> shares;  // held asset -> summed share, ascending
    const int64_t slots = cpu.size(1);
    for (int64_t slot = 0; slot < slots; ++slot) {
      const double normalised = total > 0 ? cpu[p][slot][n].item<double>() / total : 1.0 / static_cast<double>(slots);
      shares[chosen[p][slot].item<int64_t>()] += s.min_weight + (1.0 - slots * s.min_weight) * normalised;
    }
    Eigen::VectorXd held_shares(shares.size());
    std::vector<int64_t> held;
    for (const auto& [asset, share] : shares) held_shares[held.size()] = share, held.push_back(asset);
    const Eigen::VectorXd projected = project_capped_simplex(held_shares, s.min_weight, s.max_weight);
    Eigen::VectorXd weights = Eigen::VectorXd::Zero(n);
    for (size_t h = 0; h < held.size(); ++h) weights[held[h]] = projected[h];
    frontier.points.push_back(make_point(market, lambdas[p], std::move(weights), std::move(held)));
  }
  return frontier;
}

}  // namespace ebm::portfolio
