// Known-answer tests of the portfolio task: the OR-Library parser's errors, the exact verifier, the
// QP and projection against hand-solved cases, the MPE measure, the generator's splits, the energy's
// closed-form gradient, and a small market solved end to end by the mixed sampler.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/samplers/registry.h"
#include "ebm/samplers/task_solver.h"
#include "tasks/portfolio/encoding.h"
#include "tasks/portfolio/energy.h"
#include "tasks/portfolio/frontier.h"
#include "tasks/portfolio/market.h"
#include "tasks/portfolio/qp.h"
#include "tasks/portfolio/task.h"

#include <sstream>

using namespace ebm;
using namespace ebm::portfolio;

namespace {

const char* kFourAssets =
    "4\n0.010 0.10\n0.008 0.08\n0.004 0.05\n0.002 0.04\n"
    "1 1 1\n1 2 0.3\n1 3 0.1\n1 4 0.0\n2 2 1\n2 3 0.2\n2 4 0.1\n3 3 1\n3 4 0.3\n4 4 1\n";

std::string read_error(const std::string& text, const TaskParameters& parameters = {}) {
  auto task = make_task();
  std::istringstream in(text);
  try {
    task->read(in, "m.txt", parameters);
  } catch (const TaskInputError& e) {
    return e.what();
  }
  return "";
}

std::shared_ptr<Market> four_assets(const TaskParameters& parameters) {
  auto task = make_task();
  std::istringstream in(kFourAssets);
  auto examples = task->read(in, "four.txt", parameters);
  return std::const_pointer_cast<Market>(std::dynamic_pointer_cast<const Market>(examples.at(0).problem));
}

Frontier frontier_of(const Market& market, const std::vector<std::vector<std::pair<int64_t, double>>>& rows) {
  Frontier frontier;
  const auto lambdas = market.settings.lambdas();
  for (size_t p = 0; p < rows.size(); ++p) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(market.size());
    std::vector<int64_t> held;
    for (auto [asset, weight] : rows[p]) w[asset] = weight, held.push_back(asset);
    frontier.points.push_back(make_point(market, lambdas[p], w, held));
  }
  return frontier;
}

// The exact constrained optimum of lambda * w'Sigma w - (1 - lambda) mu'w by enumerating every held set
// of K assets (a test oracle for small N; never part of the EBM path).
double enumerated_optimum(const Market& market, double lambda) {
  const int64_t n = market.size(), k = market.settings.assets;
  double best = 1e300;
  for (uint64_t mask = 0; mask < (1ULL << n); ++mask) {
    if (__builtin_popcountll(mask) != k) continue;
    std::vector<int64_t> held;
    for (int64_t i = 0; i < n; ++i)
      if (mask >> i & 1) held.push_back(i);
    BoxSimplexQp qp;
    qp.H.resize(k, k);
    qp.f.resize(k);
    for (int64_t a = 0; a < k; ++a) {
      qp.f[a] = -(1.0 - lambda) * market.mean[held[a]];
      for (int64_t b = 0; b < k; ++b) qp.H(a, b) = 2.0 * lambda * market.covariance(held[a], held[b]);
    }
    qp.lower = Eigen::VectorXd::Constant(k, market.settings.min_weight);
    qp.upper = Eigen::VectorXd::Constant(k, market.settings.max_weight);
    const Eigen::VectorXd w = solve_box_simplex_qp(qp).w;
    best = std::min(best, 0.5 * w.dot(qp.H * w) + qp.f.dot(w));
  }
  return best;
}

}  // namespace

TEST_SUITE("portfolio") {
  TEST_CASE("parser: bad inputs are refused naming the line") {
    CHECK(read_error("x\n").find("m.txt:1: expected an integer") == 0);
    CHECK(read_error("1\n").find("m.txt:1: the number of assets must lie in [2") == 0);
    CHECK(read_error("2\n0.01 0.05\n").find("m.txt:2: file ends after 1 of 2 asset lines") == 0);
    CHECK(read_error("2\n0.01 0.05\n0.02 abc\n").find("m.txt:3: expected a number for the standard deviation") == 0);
    CHECK(read_error("2\n0.01 0.05\n0.02\n").find("m.txt:3: expected 'mean stddev'") == 0);
    CHECK(read_error("2\n0.01 0.05\n0.02 0\n").find("m.txt:3: standard deviation of asset 2 must be > 0") == 0);
    const std::string assets = "2\n0.01 0.05\n0.02 0.04\n";
    CHECK(read_error(assets + "1 1 1\n1 3 0.5\n").find("m.txt:5: asset index out of range 1..2") == 0);
    CHECK(read_error(assets + "1 1 1\n1 2 1.5\n").find("m.txt:5: correlation must lie in [-1, 1]") == 0);
    CHECK(read_error(assets + "1 1 1\n2 1 0.5\n").find("m.txt:5: expected i <= j") == 0);
    CHECK(read_error(assets + "1 1 1\n1 2 0.5\n1 2 0.5\n").find("m.txt:6: correlation of assets 1 and 2 given twice") == 0);
    CHECK(read_error(assets + "1 1 1\n1 2 0.5\n2 2 0.9\n").find("m.txt:6: correlation of asset 2 with itself must be 1") == 0);
    CHECK(read_error(assets + "1 1 1\n1 2 0.5\n").find("m.txt:5: missing diagonal") == 0);
    CHECK(read_error(assets + "1 1 1\n2 2 1\n").find("m.txt:5: correlation of assets 1 and 2 is missing") == 0);
    CHECK(read_error(assets + "1 1 1\n1 2 0.5 7\n2 2 1\n").find("m.txt:5: expected 'i j correlation'") == 0);
  }

  // Regression (fuzz/task_read.cpp, portfolio): the first line alone sized two N x N matrices, so
  // N = 100000 over 100000 asset lines (700 KB) asked for 80 GB before any pair was read.
  TEST_CASE("parser: a large N with its pairs missing is refused without an N x N allocation") {
    std::string text = "100000\n";
    for (int i = 0; i < 100000; ++i) text += "0.1 1\n";
    CHECK(read_error(text).find("m.txt:100001: missing diagonal: no line '1 1 1' for asset 1") == 0);
    CHECK(read_error(text + "1 1 1\n").find("m.txt:100002: missing diagonal: no line '2 2 1' for asset 2") == 0);
  }

  TEST_CASE("parameters: bad settings are refused naming the flag") {
    CHECK(read_error(kFourAssets, {{"assets", "5"}}).find("m.txt: --assets 5 exceeds the 4 assets") == 0);
    CHECK(read_error(kFourAssets, {{"assets", "3"}, {"min-weight", "0.5"}}).find("--assets 3 times --min-weight") == 0);
    CHECK(read_error(kFourAssets, {{"assets", "2"}, {"max-weight", "0.4"}}).find("is below 1") != std::string::npos);
    CHECK(read_error(kFourAssets, {{"points", "1"}}).find("--points: P must be >= 2") == 0);
    CHECK(read_error(kFourAssets, {{"min-weight", "abc"}}).find("--min-weight: expected a finite number") == 0);
    CHECK(read_error(kFourAssets, {{"assets", "2"}}).empty());
  }

  TEST_CASE("verifier: accepts a feasible frontier, rejects K+1 held, a weight below epsilon, a sum off by 1e-6") {
    auto market = four_assets({{"assets", "2"}, {"points", "2"}, {"min-weight", "0.1"}, {"max-weight", "0.9"}});
    std::string why;
    CHECK(verify_frontier(*market, frontier_of(*market, {{{0, 0.5}, {1, 0.5}}, {{2, 0.1}, {3, 0.9}}}), &why));
    CHECK_FALSE(verify_frontier(*market, frontier_of(*market, {{{0, 0.4}, {1, 0.3}, {2, 0.3}}, {{2, 0.5}, {3, 0.5}}}), &why));
    CHECK(why.find("holds 3 assets, expected exactly 2") != std::string::npos);
    CHECK_FALSE(verify_frontier(*market, frontier_of(*market, {{{0, 0.5}, {1, 0.5}}, {{2, 0.95}, {3, 0.05}}}), &why));
    CHECK(why.find("point 2") == 0);
    CHECK(why.find("outside [0.1, 0.9]") != std::string::npos);
    CHECK_FALSE(verify_frontier(*market, frontier_of(*market, {{{0, 0.5}, {1, 0.500001}}, {{2, 0.5}, {3, 0.5}}}), &why));
    CHECK(why.find("sum to") != std::string::npos);
    CHECK_FALSE(verify_frontier(*market, frontier_of(*market, {{{0, 0.5}, {1, 0.5}}}), &why));
    CHECK(why.find("expected 2 points") == 0);
  }

  TEST_CASE("QP and projection: hand-solved cases") {
    // Two uncorrelated assets, variances 0.01 and 0.04: minimum variance at w1 = 0.04 / 0.05 = 0.8.
    BoxSimplexQp qp;
    qp.H = Eigen::Vector2d(0.02, 0.08).asDiagonal();
    qp.f = Eigen::Vector2d::Zero();
    qp.lower = Eigen::Vector2d::Zero();
    qp.upper = Eigen::Vector2d::Ones();
    auto result = solve_box_simplex_qp(qp);
    CHECK(result.converged);
    CHECK(result.w[0] == doctest::Approx(0.8).epsilon(1e-12));
    qp.upper = Eigen::Vector2d(0.7, 1.0);  // the bound binds: w = (0.7, 0.3)
    result = solve_box_simplex_qp(qp);
    CHECK(result.w[0] == doctest::Approx(0.7).epsilon(1e-12));
    CHECK(result.w[1] == doctest::Approx(0.3).epsilon(1e-12));
    // Three uncorrelated unit-variance assets, f = -(0.3, 0, 0), H = 2I: w = (1/3 + 0.1, 1/3 - 0.05, 1/3 - 0.05).
    qp.H = 2.0 * Eigen::Matrix3d::Identity();
    qp.f = Eigen::Vector3d(-0.3, 0.0, 0.0);
    qp.lower = Eigen::Vector3d::Zero();
    qp.upper = Eigen::Vector3d::Ones();
    result = solve_box_simplex_qp(qp);
    CHECK(result.w[0] == doctest::Approx(1.0 / 3 + 0.1).epsilon(1e-12));
    CHECK(result.w[2] == doctest::Approx(1.0 / 3 - 0.05).epsilon(1e-12));
    // ... and with f = -(3, 0, 0) asset 1 takes everything up to its bound 0.6; the rest split evenly.
    qp.f = Eigen::Vector3d(-3.0, 0.0, 0.0);
    qp.upper = Eigen::Vector3d(0.6, 1.0, 1.0);
    result = solve_box_simplex_qp(qp);
    CHECK(result.w[0] == doctest::Approx(0.6).epsilon(1e-12));
    CHECK(result.w[1] == doctest::Approx(0.2).epsilon(1e-12));

    auto p = project_capped_simplex(Eigen::Vector3d(0.5, 0.5, 0.5), 0.0, 1.0);
    CHECK(p[1] == doctest::Approx(1.0 / 3).epsilon(1e-15));
    p = project_capped_simplex(Eigen::Vector3d(0.9, 0.3, 0.0), 0.1, 0.7);  // tau = 0.1: (0.7 capped, 0.2, 0.1 floor)
    CHECK(p[0] == 0.7);
    CHECK(p[1] == doctest::Approx(0.2).epsilon(1e-15));
    CHECK(p[2] == 0.1);
    CHECK(std::abs(p.sum() - 1.0) < 1e-15);
  }

  TEST_CASE("MPE of the exact unconstrained frontier against itself is 0") {
    auto market = four_assets({{"assets", "4"}, {"points", "7"}, {"min-weight", "0"}});
    const auto uef = unconstrained_frontier(*market);
    CHECK(uef.mean_return.size() > 50);
    Frontier frontier;
    BoxSimplexQp qp;
    qp.lower = Eigen::VectorXd::Zero(4);
    qp.upper = Eigen::VectorXd::Ones(4);
    for (double lambda : market->settings.lambdas()) {
      qp.H = 2.0 * lambda * market->covariance;
      qp.f = -(1.0 - lambda) * market->mean;
      frontier.points.push_back(make_point(*market, lambda, solve_box_simplex_qp(qp).w, {0, 1, 2, 3}));
    }
    auto errors = percentage_errors(frontier, uef);
    CHECK(std::abs(errors["mpe_percent"]) < 1e-7);
    CHECK(std::abs(errors["variance_error_percent"]) < 1e-7);
  }

  TEST_CASE("generator: seeded, split by content, round-trips through the format") {
    auto task = make_task();
    GenerateRequest request{/*count=*/3, /*seed=*/5, Split::Validation, {{"market-assets", "12"}, {"assets", "4"}}};
    auto first = task->generate(request), again = task->generate(request);
    REQUIRE(first.size() == 3);
    for (size_t i = 0; i < first.size(); ++i) {
      CHECK(split_of(task->fingerprint(*first[i].problem)) == Split::Validation);
      CHECK(task->fingerprint(*first[i].problem) == task->fingerprint(*again[i].problem));
      std::ostringstream out;
      task->write_problems(out, {first[i]});
      std::istringstream in(out.str());
      auto back = task->read(in, "back.txt", request.parameters);
      CHECK(task->fingerprint(*back.at(0).problem) == task->fingerprint(*first[i].problem));
    }
    request.split = Split::Test;
    CHECK(split_of(task->fingerprint(*task->generate(request).at(0).problem)) == Split::Test);
  }

  TEST_CASE("energy: closed-form gradient equals autograd") {
    auto market = four_assets({{"assets", "2"}, {"points", "3"}, {"min-weight", "0.3"}, {"max-weight", "0.6"}});
    auto table = std::make_shared<MarketTable>();
    table->add(*market);
    PortfolioEnergy energy(table, PortfolioEnergyWeights{});
    const double key = market_key(*market);
    auto condition = torch::tensor({{key, 0.0, 0.3, 0.6}, {key, 0.5, 0.3, 0.6}, {key, 1.0, 0.3, 0.6}}, torch::kDouble);
    auto y = torch::rand({3, 2, 5}, torch::kDouble).requires_grad_(true);
    auto autograd = torch::autograd::grad({energy.forward(condition, y).sum()}, {y})[0];
    auto closed = energy.closed_form_gradient(condition, y.detach());
    CHECK(torch::allclose(autograd, closed, 1e-9, 1e-12));
    // A state with K distinct assets, shares inside the bounds and sum x = 1 has only the objective left.
    auto state = torch::tensor({{{1.0, 0.0, 0.0, 0.0, 0.5}, {0.0, 0.0, 1.0, 0.0, 0.5}}}, torch::kDouble);
    const double s = market->covariance.diagonal().mean();
    const double variance = 0.25 * (market->covariance(0, 0) + market->covariance(2, 2) + 2 * market->covariance(0, 2));
    CHECK(energy.forward(condition.narrow(0, 2, 1), state).item<double>() == doctest::Approx(variance / s).epsilon(1e-12));
  }

  TEST_CASE("end to end: a small market's frontier by the mixed sampler, every row verified") {
    auto task = make_task();
    const GenerateRequest request{/*count=*/1, /*seed=*/3, Split::Test,
                                  {{"market-assets", "8"}, {"assets", "3"}, {"points", "5"}}};
    auto examples = task->generate(request);
    std::vector<ProblemPtr> batch{examples.at(0).problem};
    CHECK(task->encode(batch, torch::kCPU).problems == 5);  // one driver problem per lambda
    EbmSettings settings;
    settings.sampler = with_driver_keys(task->default_sampler("mean-variance"), "steps=600");
    settings.seed = 1;
    const SolveReport report = solve_with_energy(*task, batch, settings);
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].verified);
    const AnswerPtr answer = report.problems[0].answer;
    REQUIRE(answer);
    std::string why;
    CHECK_MESSAGE(task->verify(*batch[0], *answer, &why), why);
    auto ebm_errors = task->measure(*batch[0], *answer, nullptr);
    auto reference = task->solve_reference(*batch[0], 1000.0);
    REQUIRE(reference);
    CHECK(task->verify(*batch[0], *reference, &why));
    auto reference_errors = task->measure(*batch[0], *reference, nullptr);
    MESSAGE("MPE ebm " << ebm_errors["mpe_percent"] << "%, relax-round " << reference_errors["mpe_percent"] << "%");
    CHECK(ebm_errors["mpe_percent"] >= -1e-9);
    // Against the enumerated optimum (56 held sets per lambda): the objective gap, in units of the
    // market's mean variance s, is small at every lambda.
    const auto& market = dynamic_cast<const Market&>(*batch[0]);
    const double s = market.covariance.diagonal().mean();
    double worst_gap = 0.0;
    for (const auto& point : dynamic_cast<const Frontier&>(*answer).points) {
      const double objective = point.lambda * point.variance - (1.0 - point.lambda) * point.mean_return;
      worst_gap = std::max(worst_gap, (objective - enumerated_optimum(market, point.lambda)) / s);
    }
    MESSAGE("worst objective gap to the enumerated optimum: " << worst_gap << " s");
    CHECK(worst_gap >= -1e-9);
    CHECK(worst_gap < 1e-3);
    std::ostringstream csv;
    task->write_answer(csv, *batch[0], answer.get());
    CHECK(csv.str().find("lambda,variance,mean_return,w_1,") == 0);
    CHECK(task->answer_json(*batch[0], *answer)["points"].size() == 5);
  }
}
