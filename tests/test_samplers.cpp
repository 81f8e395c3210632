// Known-answer tests of the samplers and the shared driver: minima, Gaussian moments, exact
// discrete Boltzmann distributions, tempering across a barrier, clamps, seeds, failures, budgets.
#include <doctest/doctest.h>

#include "ebm/builtin_energies.h"
#include "ebm/device.h"
#include "samplers/parallel_tempering.h"
#include "ebm/samplers/registry.h"

#include <torch/torch.h>

#include <array>
#include <chrono>
#include <cmath>
#include <tuple>

using namespace ebm;

namespace {

RunResult run(const std::string& spec_text, const RunRequest& request, uint64_t seed = 7) {
  DriverOptions defaults;
  defaults.seed = seed;
  SamplerSpec spec = parse_sampler_spec(spec_text, defaults);
  return run_sampler(*spec.sampler, request, spec.driver);
}

RunRequest request_for(EnergyPtr energy, AnswerSpace space, torch::Dtype dtype = torch::kFloat) {
  RunRequest request;
  request.energy = std::move(energy);
  request.space = std::move(space);
  request.dtype = dtype;
  return request;
}

// Gaussian N(mean, precision^-1) as a quadratic energy at T = 1.
struct Gaussian {
  torch::Tensor precision, mean, covariance;
  std::shared_ptr<QuadraticEnergy> energy;
  Gaussian(torch::Tensor p, torch::Tensor m) : precision(p), mean(m), covariance(p.inverse()) {
    energy = std::make_shared<QuadraticEnergy>(p, m);
  }
};

// Sample moments of the running chains, collected every `every` steps after `burn_in` steps.
struct MomentCollector {
  int64_t burn_in, every;
  torch::Tensor sum, outer;
  int64_t count = 0;
  IterationCallback callback() {
    return [this](const IterationInfo& info) {
      if (info.step > burn_in && info.step % every == 0) {
        auto y = info.chains->y.to(torch::kDouble);
        sum = sum.defined() ? sum + y.sum(0) : y.sum(0);
        auto o = y.t().matmul(y);
        outer = outer.defined() ? outer + o : o;
        count += y.size(0);
      }
      return CallbackResult::Continue;
    };
  }
  torch::Tensor mean() const { return sum / double(count); }
  torch::Tensor covariance() const {
    auto m = mean();
    return outer / double(count) - m.unsqueeze(1) * m.unsqueeze(0);
  }
};

std::pair<torch::Tensor, torch::Tensor> gaussian_moments(const std::string& spec, const Gaussian& g, int64_t chains,
                                                         int64_t steps, int64_t burn_in) {
  RunRequest request = request_for(g.energy, AnswerSpace::real({g.mean.size(0)}), torch::kDouble);
  MomentCollector collector{burn_in, 2, {}, {}};
  request.callbacks.push_back(collector.callback());
  run(with_driver_keys(spec, "chains=" + std::to_string(chains) + ",steps=" + std::to_string(steps)), request);
  return {collector.mean(), collector.covariance()};
}

// Histogram over the K^V one-hot states of the running chains (variable 0 most significant).
struct StateHistogram {
  int64_t burn_in, categories;
  torch::Tensor counts;
  IterationCallback callback() {
    return [this](const IterationInfo& info) {
      if (info.step > burn_in) {
        auto digits = info.chains->y.argmax(-1);  // [N, V]
        auto index = torch::zeros({digits.size(0)}, torch::kLong);
        for (int64_t v = 0; v < digits.size(1); ++v) index = index * categories + digits.select(1, v);
        counts.index_add_(0, index, torch::ones({index.size(0)}, torch::kDouble));
      }
      return CallbackResult::Continue;
    };
  }
};

double total_variation_to_exact(const std::string& spec, uint64_t seed = 11) {
  auto potts = PottsEnergy::random(3, 3, 0.6, 5);
  RunRequest request = request_for(potts, AnswerSpace::one_hot(3, 3));
  StateHistogram histogram{50, 3, torch::zeros({27}, torch::kDouble)};
  request.callbacks.push_back(histogram.callback());
  run(with_driver_keys(spec, "chains=2000,steps=250"), request, seed);
  auto empirical = histogram.counts / histogram.counts.sum();
  return 0.5 * (empirical - potts->exact_distribution(1.0)).abs().sum().item<double>();
}

// A tiny mixed problem: V = 2 variables, each a choice k_v of C = 3 and a value x_v in [-1, 2]:
//   E = sum_v [ cost[v, k_v] + (x_v - target[v, k_v])^2 ] + coupling * [k_0 == k_1]
// written on the relaxed choices p (one-hot at every state a mixed sampler keeps).
class TinyMixedEnergy : public Energy {
 public:
  TinyMixedEnergy() : Energy("TinyMixedEnergy") {}
  torch::Tensor cost = torch::tensor({{0.0, 0.3, 0.5}, {0.1, 0.4, 0.0}}, torch::kDouble);
  torch::Tensor target = torch::tensor({{1.5, 3.0, -0.5}, {0.2, 1.0, -2.0}}, torch::kDouble);
  double coupling = 1.0;
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override {
    auto p = answer.narrow(-1, 0, 3);
    auto x = answer.select(-1, 3).unsqueeze(-1);
    auto per_choice = cost.to(answer.dtype()) + (x - target.to(answer.dtype())).pow(2);
    return (p * per_choice).sum({1, 2}) + coupling * (p.select(1, 0) * p.select(1, 1)).sum(-1);
  }
  // The optimum by enumerating the 9 choices (each value's optimum is its target clamped to the box).
  std::tuple<double, std::array<int64_t, 2>, std::array<double, 2>> enumerated_minimum() const {
    double best = 1e300;
    std::array<int64_t, 2> choice{};
    std::array<double, 2> value{};
    for (int64_t k0 = 0; k0 < 3; ++k0)
      for (int64_t k1 = 0; k1 < 3; ++k1) {
        double e = k0 == k1 ? coupling : 0.0;
        std::array<double, 2> x{};
        for (int64_t v = 0; v < 2; ++v) {
          const int64_t k = v == 0 ? k0 : k1;
          const double t = target[v][k].item<double>();
          x[v] = std::min(2.0, std::max(-1.0, t));
          e += cost[v][k].item<double>() + (x[v] - t) * (x[v] - t);
        }
        if (e < best) best = e, choice = {k0, k1}, value = x;
      }
    return {best, choice, value};
  }
};

}  // namespace

TEST_SUITE("samplers") {
  TEST_CASE("gradient descent reaches a convex quadratic's minimum (plain, momentum, Nesterov)") {
    auto gen = make_generator(2, torch::kCPU);
    auto a = torch::randn({6, 6}, gen, torch::kDouble);
    Gaussian g(a.matmul(a.t()) / 6 + torch::eye(6, torch::kDouble), torch::randn({6}, gen, torch::kDouble));
    RunRequest request = request_for(g.energy, AnswerSpace::real({6}), torch::kDouble);
    request.problems = 2;
    for (std::string spec : {"gd:step=0.2", "gd:step=0.1,momentum=0.9", "gd:step=0.1,momentum=0.9,nesterov=true"}) {
      CAPTURE(spec);
      auto result = run(spec + ",chains=3,steps=3000,tol=1e-14", request);
      CHECK(result.summary.termination == TerminationType::Convergence);
      CHECK(result.summary.chains_at_tolerance == 6);
      for (const auto& p : result.problems) CHECK(torch::allclose(p.answer, g.mean, 1e-6, 1e-6));
    }
  }

  TEST_CASE("ULA, MALA and HMC reproduce a Gaussian's mean and covariance") {
    Gaussian g(torch::tensor({{2.0, 0.6}, {0.6, 1.0}}, torch::kDouble), torch::tensor({1.0, -1.0}, torch::kDouble));
    for (std::string spec : {"langevin:step=0.02", "mala:step=0.1", "hmc:step=0.2,leapfrog=5"}) {
      CAPTURE(spec);
      auto [mean, covariance] = gaussian_moments(spec, g, 1000, 1200, 400);
      CHECK(torch::allclose(mean, g.mean, 0.0, 0.04));
      CHECK(torch::allclose(covariance, g.covariance, 0.0, 0.04));
    }
  }

  TEST_CASE("MALA removes the step-size bias that ULA shows at a large step") {
    Gaussian g(torch::eye(2, torch::kDouble), torch::zeros({2}, torch::kDouble));
    // ULA at step h on N(0, 1): stationary variance 1 / (1 - h/2) = 1.333 at h = 0.5.
    auto [ula_mean, ula_cov] = gaussian_moments("langevin:step=0.5", g, 1000, 400, 100);
    auto [mala_mean, mala_cov] = gaussian_moments("mala:step=0.5", g, 1000, 400, 100);
    CHECK(ula_cov[0][0].item<double>() == doctest::Approx(4.0 / 3.0).epsilon(0.05));
    CHECK(mala_cov[0][0].item<double>() == doctest::Approx(1.0).epsilon(0.05));
    CHECK(mala_cov[1][1].item<double>() == doctest::Approx(1.0).epsilon(0.05));
  }

  TEST_CASE("GWG, DMALA and DULA reproduce an enumerable categorical distribution") {
    const double gwg = total_variation_to_exact("gwg");
    const double dmala = total_variation_to_exact("dmala:step=0.5");
    const double dula = total_variation_to_exact("dula:step=0.3");
    const double dula_large_step = total_variation_to_exact("dula:step=1.0");
    MESSAGE("total variation: gwg " << gwg << ", dmala " << dmala << ", dula " << dula << ", dula at step 1: "
                                    << dula_large_step);
    CHECK(gwg < 0.03);
    CHECK(dmala < 0.03);
    CHECK(dula < 0.07);               // unadjusted: biased at finite step, small at this one
    CHECK(dula_large_step > 2 * dula);  // and the bias grows with the step (what DMALA corrects)
    // A sampler that ignored the energy (uniform over states) would be far away: check the test bites.
    auto potts = PottsEnergy::random(3, 3, 0.6, 5);
    auto uniform = torch::full({27}, 1.0 / 27, torch::kDouble);
    CHECK(0.5 * (uniform - potts->exact_distribution(1.0)).abs().sum().item<double>() > 0.2);
  }

  TEST_CASE("tabu descent reaches the exact minimum of an enumerable Potts energy and walks on past it") {
    auto potts = PottsEnergy::random(6, 3, 1.0, 3);
    // Every one of the 3^6 states (variable 0 the most significant digit) and its energy.
    auto index = torch::arange(729, torch::kLong);
    std::vector<torch::Tensor> digits;
    for (int64_t v = 5; v >= 0; --v) digits.insert(digits.begin(), index.div(static_cast<int64_t>(std::pow(3, 5 - v)), "floor").remainder(3));
    auto states = torch::one_hot(torch::stack(digits, 1), 3).to(torch::kFloat);
    const double minimum = potts->forward({}, states).min().item<double>();
    RunRequest request = request_for(potts, AnswerSpace::one_hot(6, 3));
    auto result = run("tabu:chains=4,steps=60", request);
    CHECK(result.problems[0].energy == doctest::Approx(minimum).epsilon(1e-5));
    CHECK(result.summary.steps == 60);  // no tolerance set: it keeps moving (tabu) after the minimum
    CHECK_THROWS_AS(parse_sampler_spec("tabu:tenure=-1"), std::invalid_argument);
  }

  TEST_CASE("parallel tempering crosses between wells that a single cold chain does not leave") {
    auto wells = std::make_shared<DoubleWellEnergy>(12.0);
    RunRequest request = request_for(wells, AnswerSpace::real({1}));
    request.initializer = [](const torch::Tensor& problems, torch::Generator&) {
      return torch::full({problems.size(0), 1}, -1.0);
    };
    auto fraction_right = [&](const std::string& spec) {
      double right = 0, total = 0;
      RunRequest r = request;
      r.callbacks.push_back([&](const IterationInfo& info) {
        right += (info.chains->y.select(1, 0) > 0).sum().item<double>();
        total += info.chains->y.size(0);
        return CallbackResult::Continue;
      });
      run(with_driver_keys(spec, "chains=32,steps=1500"), r);
      return right / total;
    };
    const double cold = fraction_right("mala:step=0.02");
    const double tempered = fraction_right("tempering:replicas=8,t_max=40/mala:step=0.02");
    MESSAGE("fraction of time in the right well: cold " << cold << ", tempered " << tempered);
    CHECK(cold == 0.0);
    CHECK(tempered > 0.25);
    CHECK(tempered < 0.75);
  }

  TEST_CASE("clamped entries never move, under every sampler") {
    auto quadratic = std::make_shared<QuadraticEnergy>(torch::eye(4), torch::ones({4}) * 3);
    auto potts = PottsEnergy::random(4, 3, 1.0, 2);
    for (const auto& entry : sampler_catalogue()) {
      const bool discrete = entry.spaces == "one-hot";
      std::vector<std::string> specs;
      if (entry.wrapper) specs = {entry.name + "/langevin", entry.name + "/dmala"};
      else specs = {entry.name};
      if (entry.name == "gd") specs.push_back("gd:momentum=0.5");
      for (const auto& spec : specs) {
        CAPTURE(spec);
        const bool one_hot = discrete || spec.find("dmala") != std::string::npos;
        RunRequest request;
        request.problems = 2;
        if (entry.spaces == "mixed") {
          request.energy = std::make_shared<TinyMixedEnergy>();
          request.space = AnswerSpace::mixed(2, 3, -1.0, 2.0);
          auto mask = torch::tensor({{{true, true, true, true}, {false, false, false, false}},
                                     {{false, false, false, false}, {false, false, false, true}}});
          request.clamp = Clamp{mask, torch::tensor({{{0.0, 0.0, 1.0, 0.5}, {0.0, 0.0, 0.0, 0.0}},
                                                     {{0.0, 0.0, 0.0, 0.0}, {0.0, 0.0, 0.0, 1.0}}})};
        } else if (one_hot) {
          request.energy = potts;
          request.space = AnswerSpace::one_hot(4, 3);
          request.clamp = Clamp::categorical(request.space, torch::tensor({{2, -1, 0, -1}, {-1, 1, -1, -1}}), torch::kFloat);
        } else {
          request.energy = quadratic;
          request.space = AnswerSpace::real({4});
          auto mask = torch::tensor({{true, false, true, false}, {false, false, false, true}});
          request.clamp = Clamp{mask, torch::full({2, 4}, -2.0)};
        }
        bool held = true, moved = false;
        torch::Tensor first;
        request.callbacks.push_back([&](const IterationInfo& info) {
          auto rows_clamp = request.clamp.repeat_rows(4).select_rows(info.chain_ids);
          auto y = info.chains->y;
          held = held && torch::equal(y.masked_select(rows_clamp.mask), rows_clamp.values.masked_select(rows_clamp.mask));
          if (!first.defined()) first = y.clone();
          else moved = moved || !torch::equal(first.masked_select(~rows_clamp.mask), y.masked_select(~rows_clamp.mask));
          return CallbackResult::Continue;
        });
        auto result = run(with_driver_keys(spec, "chains=4,steps=40"), request);
        CHECK(held);
        CHECK(moved);  // the free entries did move: the check above is not vacuous
        for (const auto& p : result.problems) CHECK(torch::isfinite(p.answer).all().item<bool>());
      }
    }
  }

  TEST_CASE("the same seed gives identical results; another seed does not") {
    auto potts = PottsEnergy::random(4, 3, 1.0, 2);
    RunRequest discrete;
    discrete.energy = potts;
    discrete.space = AnswerSpace::one_hot(4, 3);
    RunRequest continuous;
    continuous.energy = std::make_shared<DoubleWellEnergy>(2.0);
    continuous.space = AnswerSpace::real({3});
    for (const auto& spec_and_request : {std::pair<std::string, RunRequest*>{"anneal:t_start=3/langevin:chains=5,steps=50", &continuous},
                                         {"tempering/hmc:leapfrog=3,chains=5,steps=30", &continuous},
                                         {"dmala:chains=5,steps=50", &discrete},
                                         {"gwg:chains=5,steps=50", &discrete}}) {
      // Named copies, not a structured binding: clang 14 cannot capture bindings in lambdas (C++20).
      const std::string spec = spec_and_request.first;
      RunRequest* const request = spec_and_request.second;
      CAPTURE(spec);
      auto final_states = [&](uint64_t seed) {
        RunRequest r = *request;
        torch::Tensor last;
        r.callbacks.push_back([&](const IterationInfo& info) {
          last = info.chains->y.clone();
          return CallbackResult::Continue;
        });
        auto result = run(spec, r, seed);
        return std::make_pair(last, result.best_energies);
      };
      auto a = final_states(42), b = final_states(42), c = final_states(43);
      CHECK(torch::equal(a.first, b.first));
      CHECK(torch::equal(a.second, b.second));
      CHECK(!torch::equal(a.first, c.first));
    }
  }

  TEST_CASE("NaN or Inf energy ends that chain as a failure with advice") {
    struct HalfBroken : Energy {
      // NaN for candidates whose first coordinate is positive, y^2 otherwise.
      torch::Tensor forward(const torch::Tensor&, const torch::Tensor& y) override {
        auto e = y.square().sum(1);
        return torch::where(y.select(1, 0) > 0, torch::full_like(e, NAN), e);
      }
    };
    RunRequest request = request_for(std::make_shared<HalfBroken>(), AnswerSpace::real({2}));
    request.problems = 1;
    request.initializer = [](const torch::Tensor& p, torch::Generator&) {
      return torch::tensor({{1.0f, 0.0f}, {-1.0f, 0.0f}}).repeat({p.size(0) / 2, 1});
    };
    auto partial = run("gd:step=0.1,chains=2,steps=20", request);
    CHECK(partial.summary.chains_failed == 1);
    CHECK(partial.summary.message.find("smaller step size") != std::string::npos);
    CHECK(!partial.problems[0].failed);
    CHECK(std::isfinite(partial.problems[0].energy));

    request.initializer = [](const torch::Tensor& p, torch::Generator&) { return torch::ones({p.size(0), 2}); };
    auto all = run("langevin:chains=3,steps=20", request);
    CHECK(all.summary.termination == TerminationType::Failure);
    CHECK(all.summary.chains_failed == 3);
    CHECK(all.problems[0].failed);
    CHECK(all.summary.message.find("smaller step size") != std::string::npos);
  }

  TEST_CASE("verifier stops a problem's chains; budgets; callbacks; restarts") {
    auto wells = std::make_shared<DoubleWellEnergy>(1.0);
    RunRequest request = request_for(wells, AnswerSpace::real({2}));
    request.problems = 3;
    request.verifier = [](const torch::Tensor& decoded, const torch::Tensor&) {
      return (decoded.select(1, 0).abs() - 1.0).abs() < 0.05;  // in either well
    };
    auto verified = run("gd:step=0.05,chains=4,steps=2000", request);
    CHECK(verified.summary.problems_verified == 3);
    CHECK(verified.summary.termination == TerminationType::Convergence);
    CHECK(verified.summary.steps < 2000);
    for (const auto& p : verified.problems) {
      CHECK(p.verified);
      CHECK(std::abs(std::abs(p.answer[0].item<double>()) - 1.0) < 0.05);
    }

    RunRequest plain = request;
    plain.verifier = nullptr;
    auto by_evals = run("hmc:leapfrog=4,chains=2,evals=200,steps=0", plain);
    CHECK(by_evals.summary.termination == TerminationType::NoConvergence);
    CHECK(by_evals.summary.evaluations >= 200);
    CHECK(by_evals.summary.evaluations < 200 + 4 * 6 + 1);
    auto by_time = run("langevin:chains=2,ms=30,steps=0", plain);
    CHECK(by_time.summary.message == "time budget spent");
    CHECK(by_time.summary.elapsed_ms >= 30.0);

    int calls = 0;
    RunRequest stopping = plain;
    stopping.callbacks.push_back([&](const IterationInfo& info) {
      ++calls;
      return info.step == 5 ? CallbackResult::StopSuccessfully : CallbackResult::Continue;
    });
    auto stopped = run("langevin:steps=100", stopping);
    CHECK(stopped.summary.termination == TerminationType::UserSuccess);
    CHECK(stopped.summary.steps == 5);
    CHECK(calls == 5);

    auto restarted = run("gd:step=0.05,chains=2,steps=400,plateau=20,restarts=3", plain);
    CHECK(restarted.summary.restarts == 3 * 2 * 3);
    CHECK(restarted.summary.chains_plateaued == 6);
    CHECK(restarted.summary.termination == TerminationType::Convergence);
  }

  TEST_CASE("annealing moves an energy weight to its final value") {
    auto sum = std::make_shared<WeightedSumEnergy>();
    sum->add_term(std::make_shared<QuadraticEnergy>(torch::eye(2), torch::zeros({2})), 1.0);
    sum->add_term(std::make_shared<DoubleWellEnergy>(1.0), 0.0);
    RunRequest request = request_for(sum, AnswerSpace::real({2}));
    auto result = run("anneal:weight_term=1,weight_start=0,weight_end=2/mala:step=0.05,steps=50", request);
    CHECK(sum->weight(1) == doctest::Approx(2.0 * 49.0 / 50.0));
    CHECK(result.summary.steps == 50);
  }

  TEST_CASE("mixed sampler reaches the enumerated optimum of a tiny mixed problem") {
    auto energy = std::make_shared<TinyMixedEnergy>();
    auto [best, choice, value] = energy->enumerated_minimum();
    RunRequest request = request_for(energy, AnswerSpace::mixed(2, 3, -1.0, 2.0), torch::kDouble);
    auto result = run("anneal:t_start=1,t_end=0.01/mixed:step=0.1,value_steps=2,steps=300,chains=8", request);
    REQUIRE(result.problems.size() == 1);
    auto decoded = request.space.decode(result.problems[0].answer.unsqueeze(0))[0];
    CHECK(decoded[0][0].item<double>() == choice[0]);
    CHECK(decoded[1][0].item<double>() == choice[1]);
    CHECK(decoded[0][1].item<double>() == doctest::Approx(value[0]).epsilon(1e-4));
    CHECK(decoded[1][1].item<double>() == doctest::Approx(value[1]).epsilon(1e-4));
    CHECK(result.problems[0].energy == doctest::Approx(best).epsilon(1e-6));
  }

  TEST_CASE("mixed options are validated naming the field") {
    CHECK_THROWS_WITH_AS(parse_sampler_spec("mixed:step=0"), doctest::Contains("'step' must be a finite real in (0, 1000000]"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_sampler_spec("mixed:moves=0,value_steps=0"), doctest::Contains("nothing would move"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(parse_sampler_spec("mixed:moves=-1"), doctest::Contains("'moves' must be an integer in [0, 10000]"),
                         std::invalid_argument);
  }

  TEST_CASE("a sampler refuses an answer space it cannot move") {
    RunRequest request = request_for(std::make_shared<DoubleWellEnergy>(1.0), AnswerSpace::real({2}));
    CHECK_THROWS_WITH_AS(run("gwg", request), doctest::Contains("one-hot"), std::invalid_argument);
    request.space = AnswerSpace::one_hot(2, 3);
    CHECK_THROWS_WITH_AS(run("langevin", request), doctest::Contains("one-hot"), std::invalid_argument);
    request.space = AnswerSpace::real({2});
    CHECK_THROWS_WITH_AS(run("gd:mirror=true", request), doctest::Contains("probabilities"), std::invalid_argument);
    request.space = AnswerSpace::mixed(2, 3, 0.0, 1.0);
    CHECK_THROWS_WITH_AS(run("langevin", request), doctest::Contains("use mixed"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(run("gwg", request), doctest::Contains("use mixed"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(run("anneal/hmc", request), doctest::Contains("use mixed"), std::invalid_argument);
    request.space = AnswerSpace::one_hot(2, 3);
    CHECK_THROWS_WITH_AS(run("mixed", request), doctest::Contains("mixed samples mixed answers"),
                         std::invalid_argument);
  }
}

TEST_SUITE("samplers") {
  TEST_CASE("the time budget bounds a step: HMC abandons a long leapfrog trajectory when time runs out") {
    RunRequest request = request_for(std::make_shared<DoubleWellEnergy>(1.0), AnswerSpace::real({2}));
    request.problems = 2;
    const auto started = std::chrono::steady_clock::now();
    // One trajectory of 10^4 leapfrog steps (the most a spec may ask) takes far more than the 5 ms
    // budget: fewer evaluations than one trajectory needs show it was cut off inside the step.
    auto result = run("hmc:leapfrog=10000,chains=2,ms=5,steps=0", request);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    CHECK(seconds < 1.5);
    CHECK(result.summary.termination == TerminationType::NoConvergence);
    CHECK(result.summary.message == "time budget spent");
    CHECK(result.summary.evaluations < 10000.0);
    // The abandoned trajectory moved nothing: every state is finite and no chain failed.
    for (const auto& p : result.problems) CHECK(torch::isfinite(p.answer).all().item<bool>());
  }

  TEST_CASE("the same seed gives bit-identical results") {
    RunRequest request = request_for(std::make_shared<DoubleWellEnergy>(1.0), AnswerSpace::real({3}));
    request.problems = 2;
    for (const std::string spec : {"hmc:leapfrog=3,chains=3,steps=40", "langevin:chains=3,steps=40"}) {
      CAPTURE(spec);
      const auto a = run(spec, request, 11), b = run(spec, request, 11), c = run(spec, request, 12);
      bool differs = false;
      for (size_t i = 0; i < a.problems.size(); ++i) {
        CHECK(torch::equal(a.problems[i].answer, b.problems[i].answer));
        differs = differs || !torch::equal(a.problems[i].answer, c.problems[i].answer);
      }
      CHECK(differs);
    }
  }
}
