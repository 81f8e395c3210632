#include "tasks/portfolio/task.h"

#include "ebm/options.h"
#include "tasks/portfolio/encoding.h"
#include "tasks/portfolio/energy.h"
#include "tasks/portfolio/frontier.h"
#include "tasks/portfolio/generator.h"
#include "tasks/portfolio/reference.h"

#include <torch/torch.h>

#include <mutex>
#include <ostream>
#include <stdexcept>

namespace ebm::portfolio {

namespace {

const Market& market_of(const Problem& problem) {
  return downcast<Market>(problem, "portfolio: the problem is not a portfolio market");
}
const Frontier& frontier_of(const Answer& answer) {
  return downcast<Frontier>(answer, "portfolio: the answer is not a frontier");
}
std::vector<const Market*> markets_of(const std::vector<ProblemPtr>& batch) {
  std::vector<const Market*> markets;
  for (const auto& problem : batch) markets.push_back(&market_of(*problem));
  return markets;
}

class PortfolioTask : public Task {
 public:
  std::string name() const override { return "portfolio"; }
  std::string summary() const override {
    return "cardinality-constrained mean-variance frontiers (OR-Library markets, Chang et al. 2000)";
  }
  std::string input_format() const override {
    return "One OR-Library portfolio market per file: N; then N lines 'mean stddev'; then lines 'i j correlation' "
           "for 1 <= i <= j <= N (every pair once, 1-based).";
  }
  std::string output_format() const override {
    return "CSV 'lambda,variance,mean_return,w_1,...,w_N', one row per lambda (P rows), weights of unheld assets 0; "
           "'# unsolved' when no verified frontier. Exit status 0, or 3 when some market has no verified frontier.";
  }
  std::vector<ParameterInfo> parameters() const override { return portfolio_parameters(); }
  bool one_problem_per_file() const override { return true; }
  std::string file_extension() const override { return ".txt"; }

  std::vector<Example> read(std::istream& in, const std::string& source, const TaskParameters& parameters) const override {
    const PortfolioSettings settings = settings_from(parameters);
    auto market = read_market(in, source);
    apply_settings(*market, settings);
    return {Example{market, nullptr}};
  }
  void write_problems(std::ostream& out, const std::vector<Example>& examples) const override {
    for (const auto& example : examples) write_market(out, market_of(*example.problem));
  }
  void write_answer(std::ostream& out, const Problem& problem, const Answer* answer) const override {
    const Market& market = market_of(problem);
    out << "lambda,variance,mean_return";
    for (int64_t i = 0; i < market.size(); ++i) out << ",w_" << i + 1;
    out << "\n";
    if (!answer) {
      out << "# unsolved\n";
      return;
    }
    for (const auto& point : frontier_of(*answer).points) {
      out << format_number(point.lambda) << "," << format_number(point.variance) << "," << format_number(point.mean_return);
      for (int64_t i = 0; i < point.weights.size(); ++i) out << "," << format_number(point.weights[i]);
      out << "\n";
    }
  }
  nlohmann::json answer_json(const Problem&, const Answer& answer) const override {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& point : frontier_of(answer).points) {
      std::vector<int64_t> held;
      for (int64_t asset : point.held) held.push_back(asset + 1);
      points.push_back({{"lambda", point.lambda},
                        {"variance", point.variance},
                        {"mean_return", point.mean_return},
                        {"held", held},
                        {"weights", std::vector<double>(point.weights.data(), point.weights.data() + point.weights.size())}});
    }
    return {{"points", points}};
  }
  uint64_t fingerprint(const Problem& problem) const override {
    return content_fingerprint(market_text(market_of(problem)));
  }

  bool can_generate() const override { return true; }
  std::vector<Example> generate(const GenerateRequest& request) const override {
    const PortfolioSettings settings = settings_from(request.parameters);
    const int64_t assets = parameter_int(request.parameters, portfolio_parameters(), "market-assets");
    if (assets < 2 || assets > 5000)
      throw TaskInputError("--market-assets: N must lie in [2, 5000], got " + std::to_string(assets));
    std::vector<Example> examples;
    for (uint64_t candidate = 0; static_cast<int64_t>(examples.size()) < request.count; ++candidate) {
      auto market = generate_market(assets, request.seed * 1000003ULL + candidate);
      if (split_of(fingerprint(*market)) != request.split) continue;
      market->source = "generated:seed=" + std::to_string(request.seed) + ",candidate=" + std::to_string(candidate);
      apply_settings(*market, settings);
      examples.push_back({market, nullptr});
    }
    return examples;
  }

  std::vector<std::string> energy_names() const override { return {"mean-variance"}; }
  std::string default_sampler(const std::string&) const override {
    return "anneal:t_start=0.02,t_end=0.0002/mixed:scale=0.1,step=0.02,value_steps=2,steps=1500,chains=4";
  }
  EnergyPtr make_energy(const EnergyChoice& choice, const std::vector<ProblemPtr>& batch,
                        const torch::Device& device) const override {
    if (!choice.name.empty() && choice.name != "mean-variance")
      throw std::invalid_argument("portfolio: unknown energy '" + choice.name + "' (known: mean-variance)");
    if (choice.learned || !choice.model.empty())
      throw std::invalid_argument("portfolio: the mean-variance energy is analytic; it takes no model");
    for (const Market* market : markets_of(batch)) markets_->add(*market);
    return std::make_shared<PortfolioEnergy>(markets_, PortfolioEnergyWeights{});
  }
  double flops_per_evaluation(const Energy&, const Problem& problem) const override {
    const auto& market = market_of(problem);
    const double n = market.size(), k = market.settings.assets;
    return 4.0 * n * n + 8.0 * k * n;
  }
  bool batchable(const Problem& a, const Problem& b) const override {
    return market_of(a).size() == market_of(b).size() &&
           market_of(a).settings.assets == market_of(b).settings.assets;
  }
  Encoding encode(const std::vector<ProblemPtr>& batch, const torch::Device& device) const override {
    return encode_frontiers(markets_of(batch), device, *markets_);
  }
  AnswerPtr decode(const Problem& problem, const torch::Tensor& states) const override {
    return std::make_shared<Frontier>(decode_frontier(market_of(problem), states));
  }
  bool verify(const Problem& problem, const Answer& answer, std::string* why) const override {
    return verify_frontier(market_of(problem), frontier_of(answer), why);
  }

  std::map<std::string, double> measure(const Problem& problem, const Answer& answer, const Answer*) const override {
    const Market& market = market_of(problem);
    return percentage_errors(frontier_of(answer), uef_of(market));
  }

  std::string reference_name() const override { return "relax-round"; }
  AnswerPtr solve_reference(const Problem& problem, double) const override {
    return std::make_shared<Frontier>(relax_round_frontier(market_of(problem)));
  }

 private:
  // The UEF of a market (and its settings' delta and lambdas), computed once.
  const FrontierCurve& uef_of(const Market& market) const {
    const std::string key = market_text(market) + "|" + format_number(market.settings.max_weight) + "|" +
                            std::to_string(market.settings.points);
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = uef_cache_.find(key);
    if (it == uef_cache_.end()) it = uef_cache_.emplace(key, unconstrained_frontier(market)).first;
    return it->second;
  }
  // Every market encoded so far, by content: the energies look rows' markets up here (energy.h).
  std::shared_ptr<MarketTable> markets_ = std::make_shared<MarketTable>();
  mutable std::mutex cache_mutex_;
  mutable std::map<std::string, FrontierCurve> uef_cache_;
};

}  // namespace

TaskPtr make_task() { return std::make_shared<PortfolioTask>(); }

}  // namespace ebm::portfolio
