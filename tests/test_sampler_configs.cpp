// Known-answer tests of the sampler configurations that production runs use (the Sudoku default
// `anneal:weight_term=1,...,period=400/langevin:mirror=true,step=1.0,noise=0.2`, track_best=false)
// and of the nesting annealing.h recommends, annealing around parallel tempering: mirror Langevin on
// simplices, fixed noise, temperature != 1, the last state as the result, the annealing period, and
// every tempering replica kept current when annealing changes the energy.
#include <doctest/doctest.h>

#include "ebm/builtin_energies.h"
#include "ebm/learning/landscape_energy.h"
#include "samplers/annealing.h"
#include "samplers/parallel_tempering.h"
#include "ebm/samplers/registry.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

using namespace ebm;

namespace {

SamplerSpec parse(const std::string& text, uint64_t seed = 5) {
  DriverOptions defaults;
  defaults.seed = seed;
  return parse_sampler_spec(text, defaults);
}

RunResult run_text(const std::string& text, const RunRequest& request, uint64_t seed = 5) {
  SamplerSpec spec = parse(text, seed);
  return run_sampler(*spec.sampler, request, spec.driver);
}

// A double-precision request for real answers of `size` values.
RunRequest real_request(EnergyPtr energy, int64_t size) {
  RunRequest request;
  request.energy = std::move(energy);
  request.space = AnswerSpace::real({size});
  request.dtype = torch::kDouble;
  return request;
}

// E(p) = sum_{v,k} cost[v,k] p[v,k] on probabilities p [B, V, K]. Linear, so its minimum over the
// simplices is the vertex that picks argmin_k cost[v,k] for every v, where E = sum_v min_k cost[v,k].
class LinearCategoricalEnergy : public Energy {
 public:
  explicit LinearCategoricalEnergy(torch::Tensor cost) : Energy("LinearCategoricalEnergy"), cost_(std::move(cost)) {}
  torch::Tensor forward(const torch::Tensor&, const torch::Tensor& answer) override {
    return (answer * cost_.to(answer.dtype())).sum({1, 2});
  }
  double minimum() const { return std::get<0>(cost_.min(1)).sum().item<double>(); }
  torch::Tensor best_vertex() const { return std::get<1>(cost_.min(1)); }  // [V] category per variable

 private:
  torch::Tensor cost_;
};

// Landscapes k = 0 .. K-1 of E_k(y) = |y - k|^2 / 2: each landscape has its minimum somewhere else, so
// a stale energy after a switch is off by O(1).
class ShiftingBowls : public LandscapeEnergy {
 public:
  explicit ShiftingBowls(int64_t count) : LandscapeEnergy("ShiftingBowls"), count_(count) {}
  int64_t landscapes() const override { return count_; }
  torch::Tensor forward(const torch::Tensor&, const torch::Tensor& answer) override {
    return 0.5 * (answer - double(landscape_)).square().sum(1);
  }
  nlohmann::json architecture() const override { return {{"kind", "shifting-bowls"}, {"landscapes", count_}}; }
  std::string describe() const override { return "shifting-bowls"; }

 private:
  int64_t count_;
};

// The largest difference between the energies (and gradients, when held) stored in `chains` and
// those recomputed from chains.y on `target` as it is now.
double staleness(const Target& target, const ChainBatch& chains) {
  auto fresh = target.evaluate(chains.y, chains.gradient.defined());
  double worst = (fresh.energy - chains.energy).abs().max().item<double>();
  if (chains.gradient.defined()) worst = std::max(worst, (fresh.gradient - chains.gradient).abs().max().item<double>());
  return worst;
}

// Wraps a sampler and checks the step contract (sampler.h) on every row it is handed: placed as the
// base of parallel tempering it sees all replicas. Before each step (when the wrapped sampler reads
// energy values) and after it, it records how far the stored energies and gradients are from fresh ones.
class ContractProbe : public Sampler {
 public:
  explicit ContractProbe(SamplerPtr inner) : inner_(std::move(inner)) {}
  std::string name() const override { return "probe"; }
  std::string describe() const override { return "probe/" + inner_->describe(); }
  bool needs_gradient() const override { return inner_->needs_gradient(); }
  bool uses_energy_values() const override { return inner_->uses_energy_values(); }
  void check_space(const AnswerSpace& space) const override { inner_->check_space(space); }
  void begin(Target& target, ChainBatch& chains, const StepContext& context) override {
    inner_->begin(target, chains, context);
  }
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override {
    rows_seen = std::max(rows_seen, chains.rows());
    if (inner_->uses_energy_values()) worst_before_step = std::max(worst_before_step, staleness(target, chains));
    StepStats stats = inner_->step(target, chains, context);
    worst_after_step = std::max(worst_after_step, staleness(target, chains));
    return stats;
  }
  void keep_rows(const torch::Tensor& index, Target& target) override { inner_->keep_rows(index, target); }
  void reset_rows(const torch::Tensor& mask, Target& target, ChainBatch& chains) override {
    inner_->reset_rows(mask, target, chains);
  }

  int64_t rows_seen = 0;
  double worst_before_step = 0.0, worst_after_step = 0.0;

 private:
  SamplerPtr inner_;
};

// anneal/tempering/probe/base: `base_and_driver` is the base's text with the driver's keys.
std::shared_ptr<ContractProbe> run_annealed_tempering(const AnnealingOptions& annealing,
                                                      const ParallelTemperingOptions& tempering,
                                                      const std::string& base_and_driver, const RunRequest& request,
                                                      RunResult* result = nullptr) {
  SamplerSpec base = parse(base_and_driver);
  auto probe = std::make_shared<ContractProbe>(base.sampler);
  AnnealingSampler annealed(annealing, std::make_shared<ParallelTemperingSampler>(tempering, probe));
  RunResult run = run_sampler(annealed, request, base.driver);
  if (result) *result = std::move(run);
  return probe;
}

// Records every step's states of the running rows (no chain stops in these tests).
struct PathRecorder {
  std::vector<torch::Tensor> states;
  IterationCallback callback() {
    return [this](const IterationInfo& info) {
      states.push_back(info.chains->y.clone());
      return CallbackResult::Continue;
    };
  }
};

}  // namespace

TEST_SUITE("samplers") {
  TEST_CASE("mirror Langevin keeps probabilities on their simplices and, without noise, reaches the best vertex") {
    auto linear = std::make_shared<LinearCategoricalEnergy>(
        torch::tensor({{0.9, 0.2, 1.4}, {0.0, 1.0, 0.5}, {2.0, 1.5, 0.7}, {1.1, 0.3, 1.2}}));
    RunRequest request;
    request.space = AnswerSpace::categorical(4, 3);
    request.problems = 2;
    // The Sudoku configuration: the purity term's weight annealed under fixed-noise mirror steps.
    auto sum = std::make_shared<WeightedSumEnergy>();
    sum->add_term(linear, 1.0);
    sum->add_term(std::make_shared<CategoricalPurityEnergy>(), 0.0);
    request.energy = sum;
    double lowest_entry = 1.0, worst_row_sum = 0.0, largest_move = 0.0;
    torch::Tensor previous;
    request.callbacks.push_back([&](const IterationInfo& info) {
      const auto& y = info.chains->y;
      lowest_entry = std::min(lowest_entry, y.min().item<double>());
      worst_row_sum = std::max(worst_row_sum, (y.sum(-1) - 1.0).abs().max().item<double>());
      if (previous.defined()) largest_move = std::max(largest_move, (y - previous).abs().max().item<double>());
      previous = y.clone();
      return CallbackResult::Continue;
    });
    run_text("anneal:weight_term=1,weight_start=-0.3,weight_end=0.6,period=40/"
             "langevin:mirror=true,step=1.0,noise=0.2,chains=8,steps=100",
             request);
    CHECK(lowest_entry >= 0.0);
    CHECK(worst_row_sum <= 1e-5);
    CHECK(largest_move > 0.05);  // the chains did move: the checks above are not vacuous

    request.energy = linear;
    request.callbacks.clear();
    auto descent = run_text("langevin:mirror=true,step=0.5,noise=0,chains=4,steps=200,track_best=false", request);
    for (const auto& problem : descent.problems) {
      CHECK(problem.energy == doctest::Approx(linear->minimum()).epsilon(1e-5));
      CHECK(torch::equal(problem.answer.argmax(-1), linear->best_vertex()));
      CHECK((problem.answer.sum(-1) - 1.0).abs().max().item<double>() <= 1e-5);
    }
  }

  TEST_CASE("fixed Langevin noise: each step on a flat energy has variance noise^2, not 2*eta*T") {
    RunRequest request = real_request(
        std::make_shared<QuadraticEnergy>(torch::zeros({8, 8}, torch::kDouble), torch::zeros({8}, torch::kDouble)), 8);
    PathRecorder path;
    request.callbacks.push_back(path.callback());
    // sqrt(2 * eta * T) = 1 here; the fixed noise is 0.3.
    run_text("langevin:step=0.5,noise=0.3,chains=200,steps=50", request);
    auto increments = torch::stack(path.states).diff(1, 0);  // [49, 200, 8]
    CHECK(increments.var().item<double>() == doctest::Approx(0.09).epsilon(0.03));
    CHECK(std::abs(increments.mean().item<double>()) < 0.005);
  }

  TEST_CASE("Langevin at temperature T samples a Gaussian with variance T / precision (ULA's step bias included)") {
    const double t = 4.0, eta = 0.05;
    const std::vector<double> precision{4.0, 1.0};
    auto energy = std::make_shared<QuadraticEnergy>(torch::diag(torch::tensor(precision, torch::kDouble)),
                                                    torch::tensor({1.0, -1.0}, torch::kDouble));
    RunRequest request = real_request(energy, 2);
    PathRecorder path;
    request.callbacks.push_back(path.callback());
    run_text("anneal:t_schedule=constant,t_start=4,t_end=4/langevin:step=0.05,chains=2000,steps=400", request);
    std::vector<torch::Tensor> kept(path.states.begin() + 150, path.states.end());
    auto samples = torch::stack(kept).flatten(0, 1);  // [250 * 2000, 2]
    auto variance = samples.var(0);
    for (int64_t d = 0; d < 2; ++d) {
      CAPTURE(d);
      // ULA on N(m, (T/P)): stationary variance T / (P (1 - eta P / 2)).
      const double exact = t / (precision[d] * (1.0 - eta * precision[d] / 2.0));
      CHECK(variance[d].item<double>() == doctest::Approx(exact).epsilon(0.04));
    }
    CHECK(samples.mean(0)[0].item<double>() == doctest::Approx(1.0).epsilon(0.02));
    CHECK(samples.mean(0)[1].item<double>() == doctest::Approx(-1.0).epsilon(0.04));
  }

  TEST_CASE("track_best=false returns each chain's last state; track_best=true its lowest-energy one") {
    // Noiseless Langevin with an overshooting step (eta * precision = 2.5 > 2): y <- y - 2.5 y = -1.5 y,
    // so the energy grows every step: after 10 steps the best state is the initial one, y0, and the
    // last is (-1.5)^10 y0.
    RunRequest request = real_request(
        std::make_shared<QuadraticEnergy>(torch::eye(2, torch::kDouble), torch::zeros({2}, torch::kDouble)), 2);
    request.problems = 3;
    auto start = torch::tensor({{0.1, -0.2}, {0.05, 0.0}, {-0.3, 0.1}}, torch::kDouble);
    request.initializer = [&](const torch::Tensor& problem, torch::Generator&) { return start.index_select(0, problem); };
    const std::string langevin = "langevin:step=2.5,noise=0,chains=1,steps=10,track_best=";
    auto last = run_text(langevin + "false", request);
    auto best = run_text(langevin + "true", request);
    for (int64_t p = 0; p < 3; ++p) {
      CAPTURE(p);
      auto last_state = start[p] * std::pow(-1.5, 10), best_state = start[p];
      CHECK(torch::allclose(last.problems[p].answer, last_state, 1e-12, 1e-12));
      CHECK(last.problems[p].energy == doctest::Approx(0.5 * last_state.square().sum().item<double>()).epsilon(1e-12));
      CHECK(torch::allclose(best.problems[p].answer, best_state, 1e-12, 1e-12));
      CHECK(best.problems[p].energy == doctest::Approx(0.5 * best_state.square().sum().item<double>()).epsilon(1e-12));
    }
  }

  TEST_CASE("the annealing period restarts the weight schedule every `period` steps") {
    auto sum = std::make_shared<WeightedSumEnergy>();
    sum->add_term(std::make_shared<LinearCategoricalEnergy>(torch::arange(12, torch::kFloat).view({3, 4}) / 12), 1.0);
    sum->add_term(std::make_shared<CategoricalPurityEnergy>(), 0.0);
    RunRequest request;
    request.energy = sum;
    request.space = AnswerSpace::categorical(3, 4);
    std::vector<double> weights;  // the weight in force during step k (callbacks run after it)
    double stale = 0.0;
    request.callbacks.push_back([&](const IterationInfo& info) {
      weights.push_back(sum->weight(1));
      auto fresh = sum->forward({}, info.chains->y);
      stale = std::max(stale, (fresh - info.chains->energy).abs().max().item<double>());
      return CallbackResult::Continue;
    });
    run_text("anneal:weight_term=1,weight_start=-0.3,weight_end=0.6,period=10/"
             "langevin:mirror=true,step=1.0,noise=0.2,chains=4,steps=25",
             request);
    REQUIRE(weights.size() == 25);
    CHECK(weights[0] == doctest::Approx(-0.3));
    CHECK(weights[9] == doctest::Approx(0.6));
    CHECK(weights[10] == doctest::Approx(-0.3));
    CHECK(weights[19] == doctest::Approx(0.6));
    CHECK(weights[20] == doctest::Approx(-0.3));
    for (size_t k = 0; k < weights.size(); ++k) {
      CAPTURE(k);
      CHECK(weights[k] == doctest::Approx(-0.3 + 0.9 * double(k % 10) / 9.0));
    }
    CHECK(stale < 1e-5);  // each step returns energies under the weight in force
  }

  TEST_CASE("annealing around tempering keeps every replica current when a weight or the landscape changes") {
    RunRequest request = real_request(nullptr, 2);
    request.problems = 2;
    SUBCASE("a weighted-sum term's weight") {
      auto sum = std::make_shared<WeightedSumEnergy>();
      sum->add_term(std::make_shared<QuadraticEnergy>(torch::eye(2, torch::kDouble), torch::zeros({2}, torch::kDouble)), 1.0);
      sum->add_term(std::make_shared<DoubleWellEnergy>(1.0), 0.0);
      request.energy = sum;
      AnnealingOptions annealing;
      annealing.weight_term = 1;
      annealing.weight_start = 0.0;
      annealing.weight_end = 2.0;
      ParallelTemperingOptions tempering;
      tempering.replicas = 4;
      tempering.t_max = 8.0;
      auto probe = run_annealed_tempering(annealing, tempering, "mala:step=0.05,chains=3,steps=40", request);
      CHECK(sum->weight(1) == doctest::Approx(2.0 * 39.0 / 40.0));
      CHECK(probe->rows_seen == 4 * 2 * 3);  // every replica passed through the probe
      CHECK(probe->worst_before_step < 1e-10);
      CHECK(probe->worst_after_step < 1e-10);
    }
    SUBCASE("the landscape of a learned energy") {
      auto bowls = std::make_shared<ShiftingBowls>(4);
      request.energy = bowls;
      AnnealingOptions annealing;
      annealing.landscapes = true;
      ParallelTemperingOptions tempering;
      tempering.replicas = 3;
      tempering.t_max = 4.0;
      auto probe = run_annealed_tempering(annealing, tempering, "mala:step=0.1,chains=2,steps=40", request);
      CHECK(bowls->landscape() == 0);
      CHECK(probe->rows_seen == 3 * 2 * 2);
      CHECK(probe->worst_before_step < 1e-10);
      CHECK(probe->worst_after_step < 1e-10);
    }
  }

  TEST_CASE("annealing around tempering around Langevin finds the lower well of a tilted double well") {
    // E(y) = 6 (y^2 - 1)^2 + w/2 (y - 1)^2, w annealed 0 -> 1: the minimum E = 0 at y = 1 for every w;
    // the other well, where every chain starts, lies 2w higher behind a barrier of 6.
    auto sum = std::make_shared<WeightedSumEnergy>();
    sum->add_term(std::make_shared<DoubleWellEnergy>(6.0), 1.0);
    sum->add_term(std::make_shared<QuadraticEnergy>(torch::eye(1, torch::kDouble), torch::ones({1}, torch::kDouble)), 0.0);
    RunRequest request = real_request(sum, 1);
    request.problems = 4;
    request.initializer = [](const torch::Tensor& problems, torch::Generator&) {
      return torch::full({problems.size(0), 1}, -1.0, torch::kDouble);
    };
    AnnealingOptions annealing;
    annealing.t_schedule = "linear";  // cools slowly enough for the swaps to bring every chain across
    annealing.t_start = 0.5;
    annealing.t_end = 1e-4;
    annealing.weight_term = 1;
    annealing.weight_start = 0.0;
    annealing.weight_end = 1.0;
    ParallelTemperingOptions tempering;
    tempering.replicas = 6;
    tempering.t_max = 40.0;
    // The last state, not the best: an energy recorded under an earlier weight is no measure now.
    const std::string langevin = "langevin:step=0.002,chains=4,steps=1500,track_best=false";
    RunResult tempered;
    auto probe = run_annealed_tempering(annealing, tempering, langevin, request, &tempered);
    CHECK(probe->rows_seen == 6 * 4 * 4);
    CHECK(probe->worst_after_step < 1e-10);  // the energies every swap reads are current
    for (const auto& problem : tempered.problems) {
      CHECK(problem.answer[0].item<double>() == doctest::Approx(1.0).epsilon(0.01));
      CHECK(problem.energy < 1e-3);
    }
    CHECK((tempered.best_states.select(1, 0) > 0).all().item<bool>());  // every chain crossed
    // Without the replicas no chain leaves the well it starts in: the test needs the tempering.
    SamplerSpec base = parse(langevin);
    AnnealingSampler annealed_alone(annealing, base.sampler);
    auto cold = run_sampler(annealed_alone, request, base.driver);
    CHECK((cold.best_states.select(1, 0) < 0).all().item<bool>());
  }
}
