#include "tasks/portfolio/market.h"

#include "ebm/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <istream>
#include <sstream>
#include <unordered_map>

namespace ebm::portfolio {

std::vector<double> PortfolioSettings::lambdas() const {
  std::vector<double> values(points);
  for (int64_t p = 0; p < points; ++p) values[p] = static_cast<double>(p) / static_cast<double>(points - 1);
  return values;
}

std::vector<ParameterInfo> portfolio_parameters() {
  return {
      {"assets", "10", "K: assets held in every portfolio of the frontier", ProblemParameter},
      {"min-weight", "0.01", "epsilon: smallest weight of a held asset", ProblemParameter},
      {"max-weight", "1", "delta: largest weight of a held asset", ProblemParameter},
      {"points", "50", "P: lambdas of the frontier, lambda_p = p/(P-1) in [0, 1]", ProblemParameter},
      {"market-assets", "30", "N: assets of a generated market (factor model)", GenerateParameter},
  };
}

PortfolioSettings settings_from(const TaskParameters& parameters) {
  const auto infos = portfolio_parameters();
  PortfolioSettings s;
  s.assets = parameter_int(parameters, infos, "assets");
  s.min_weight = parameter_double(parameters, infos, "min-weight");
  s.max_weight = parameter_double(parameters, infos, "max-weight");
  s.points = parameter_int(parameters, infos, "points");
  if (s.assets < 1) throw TaskInputError("--assets: K must be >= 1, got " + std::to_string(s.assets));
  if (s.min_weight < 0 || s.min_weight > 1)
    throw TaskInputError("--min-weight: epsilon must lie in [0, 1], got " + format_number(s.min_weight));
  if (!(s.max_weight > 0) || s.max_weight > 1)
    throw TaskInputError("--max-weight: delta must lie in (0, 1], got " + format_number(s.max_weight));
  if (s.min_weight > s.max_weight)
    throw TaskInputError("--min-weight " + format_number(s.min_weight) + " exceeds --max-weight " +
                         format_number(s.max_weight));
  if (s.assets * s.min_weight > 1.0)
    throw TaskInputError("--assets " + std::to_string(s.assets) + " times --min-weight " + format_number(s.min_weight) +
                         " exceeds 1: no portfolio can hold them all");
  if (s.assets * s.max_weight < 1.0)
    throw TaskInputError("--assets " + std::to_string(s.assets) + " times --max-weight " + format_number(s.max_weight) +
                         " is below 1: the weights cannot sum to 1");
  if (s.points < 2) throw TaskInputError("--points: P must be >= 2, got " + std::to_string(s.points));
  return s;
}

namespace {

// Reads the next non-blank line's numbers; false at the end of input.
struct LineReader {
  std::istream& in;
  const std::string& source;
  int64_t line_number = 0;

  bool next(std::vector<std::string>& tokens) {
    std::string line;
    while (std::getline(in, line)) {
      ++line_number;
      std::istringstream words(line);
      tokens.clear();
      for (std::string word; words >> word;) tokens.push_back(word);
      if (!tokens.empty()) return true;
    }
    return false;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw TaskInputError(source + ":" + std::to_string(line_number) + ": " + what);
  }
  double number(const std::string& token, const char* what) const {
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(token.c_str(), &end);
    if (*end != '\0' || errno == ERANGE || !std::isfinite(value))
      fail(std::string("expected a number for the ") + what + ", got '" + token + "'");
    return value;
  }
  int64_t integer(const std::string& token, const char* what) const {
    char* end = nullptr;
    errno = 0;
    const long long value = std::strtoll(token.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE) fail(std::string("expected an integer for the ") + what + ", got '" + token + "'");
    return value;
  }
};

}  // namespace

MarketPtr make_market(Eigen::VectorXd mean, Eigen::VectorXd stddev, Eigen::MatrixXd correlation, std::string source) {
  auto market = std::make_shared<Market>();
  market->covariance = correlation.cwiseProduct(stddev * stddev.transpose());
  market->mean = std::move(mean);
  market->stddev = std::move(stddev);
  market->correlation = std::move(correlation);
  market->source = std::move(source);
  return market;
}

MarketPtr read_market(std::istream& in, const std::string& source) {
  LineReader reader{in, source};
  std::vector<std::string> tokens;
  if (!reader.next(tokens)) throw TaskInputError(source + ":1: empty input: expected the number of assets N");
  if (tokens.size() != 1) reader.fail("expected the number of assets N alone on the first line");
  const int64_t n = reader.integer(tokens[0], "number of assets");
  if (n < 2 || n > 100000) reader.fail("the number of assets must lie in [2, 100000], got " + tokens[0]);

  Eigen::VectorXd mean(n), stddev(n);
  for (int64_t i = 0; i < n; ++i) {
    if (!reader.next(tokens))
      throw TaskInputError(source + ":" + std::to_string(reader.line_number) + ": file ends after " +
                           std::to_string(i) + " of " + std::to_string(n) + " asset lines (mean stddev)");
    if (tokens.size() != 2) reader.fail("expected 'mean stddev' of asset " + std::to_string(i + 1) + ", got " +
                                        std::to_string(tokens.size()) + " fields");
    mean[i] = reader.number(tokens[0], "mean return");
    stddev[i] = reader.number(tokens[1], "standard deviation");
    if (!(stddev[i] > 0)) reader.fail("standard deviation of asset " + std::to_string(i + 1) + " must be > 0, got " + tokens[1]);
  }

  // The pairs are gathered before the N x N matrix is allocated, so the memory follows the file's
  // length and not its first line (N = 100000 over 100000 asset lines once asked for 80 GB).
  std::unordered_map<int64_t, double> given;  // (i - 1) * n + (j - 1) -> correlation, i <= j
  while (reader.next(tokens)) {
    if (tokens.size() != 3) reader.fail("expected 'i j correlation', got " + std::to_string(tokens.size()) + " fields");
    const int64_t i = reader.integer(tokens[0], "first asset index");
    const int64_t j = reader.integer(tokens[1], "second asset index");
    const double rho = reader.number(tokens[2], "correlation");
    if (i < 1 || i > n || j < 1 || j > n)
      reader.fail("asset index out of range 1.." + std::to_string(n) + ": " + tokens[0] + " " + tokens[1]);
    if (i > j) reader.fail("expected i <= j, got " + tokens[0] + " " + tokens[1]);
    if (!(rho >= -1.0 && rho <= 1.0)) reader.fail("correlation must lie in [-1, 1], got " + tokens[2]);
    if (i == j && rho != 1.0) reader.fail("correlation of asset " + tokens[0] + " with itself must be 1, got " + tokens[2]);
    if (!given.emplace((i - 1) * n + (j - 1), rho).second)
      reader.fail("correlation of assets " + tokens[0] + " and " + tokens[1] + " given twice");
  }
  const auto pairs = static_cast<int64_t>(given.size());
  const std::string end = source + ":" + std::to_string(reader.line_number) + ": ";
  for (int64_t i = 0; i < n; ++i)
    if (!given.count(i * n + i)) throw TaskInputError(end + "missing diagonal: no line '" + std::to_string(i + 1) + " " +
                                                      std::to_string(i + 1) + " 1' for asset " + std::to_string(i + 1));
  // Stops at the first missing pair, so it visits at most as many pairs as the file gave.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j)
      if (!given.count(i * n + j))
        throw TaskInputError(end + "correlation of assets " + std::to_string(i + 1) + " and " + std::to_string(j + 1) +
                             " is missing (expected " + std::to_string(n * (n + 1) / 2) + " pair lines, got " +
                             std::to_string(pairs) + ")");
  Eigen::MatrixXd correlation(n, n);
  for (const auto& [key, rho] : given) correlation(key / n, key % n) = correlation(key % n, key / n) = rho;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(correlation, Eigen::EigenvaluesOnly);
  if (eigen.eigenvalues().minCoeff() < -1e-9)
    throw TaskInputError(end + "the correlation matrix is not positive semi-definite (smallest eigenvalue " +
                         format_number(eigen.eigenvalues().minCoeff()) + ")");
  return make_market(std::move(mean), std::move(stddev), std::move(correlation), source);
}

void apply_settings(Market& market, const PortfolioSettings& settings) {
  if (settings.assets > market.size())
    throw TaskInputError(market.source + ": --assets " + std::to_string(settings.assets) + " exceeds the " +
                         std::to_string(market.size()) + " assets of this market");
  market.settings = settings;
}

void write_market(std::ostream& out, const Market& market) {
  const int64_t n = market.size();
  out << n << "\n";
  for (int64_t i = 0; i < n; ++i) out << format_number(market.mean[i]) << " " << format_number(market.stddev[i]) << "\n";
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i; j < n; ++j) out << i + 1 << " " << j + 1 << " " << format_number(market.correlation(i, j)) << "\n";
}

std::string market_text(const Market& market) {
  std::ostringstream out;
  write_market(out, market);
  return out.str();
}

FrontierPoint make_point(const Market& market, double lambda, Eigen::VectorXd weights, std::vector<int64_t> held) {
  FrontierPoint point;
  point.lambda = lambda;
  point.variance = weights.dot(market.covariance * weights);
  point.mean_return = market.mean.dot(weights);
  point.weights = std::move(weights);
  point.held = std::move(held);
  return point;
}

}  // namespace ebm::portfolio
