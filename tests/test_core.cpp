// Known-answer tests of the core vocabulary: answer spaces, energies, options, the sampler-spec
// registry and schedules.
#include <doctest/doctest.h>

#include "ebm/answer_space.h"
#include "ebm/builtin_energies.h"
#include "ebm/device.h"
#include "ebm/evaluation/metrics.h"
#include "ebm/options.h"
#include "ebm/target.h"
#include "ebm/samplers/registry.h"
#include "samplers/schedule.h"

#include <torch/torch.h>

#include <cmath>
#include <string>

using namespace ebm;

namespace {
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
}  // namespace

TEST_SUITE("core") {
  TEST_CASE("simplex projection: known points") {
    auto p = project_to_simplex(torch::tensor({{0.5, 0.5, 0.5}, {2.0, 0.0, 0.0}, {0.2, 0.3, 0.5}, {-1.0, 0.6, 0.2}},
                                              torch::kDouble));
    auto expected = torch::tensor({{1.0 / 3, 1.0 / 3, 1.0 / 3}, {1.0, 0.0, 0.0}, {0.2, 0.3, 0.5}, {0.0, 0.7, 0.3}},
                                  torch::kDouble);
    CHECK(torch::allclose(p, expected, 1e-12, 1e-12));
  }

  TEST_CASE("answer spaces: projection, decoding, encoding, initial states") {
    auto gen = make_generator(3, torch::kCPU);
    auto box = AnswerSpace::real({3}, -1.0, 2.0);
    auto y = box.project(torch::tensor({{-5.0, 0.5, 9.0}}));
    CHECK(torch::equal(y, torch::tensor({{-1.0, 0.5, 2.0}})));
    auto init = box.random_init(100, gen, torch::kFloat);
    CHECK(init.min().item<double>() >= -1.0);
    CHECK(init.max().item<double>() <= 2.0);

    auto one_hot = AnswerSpace::one_hot(4, 3);
    auto states = one_hot.random_init(10, gen, torch::kFloat);
    CHECK(torch::equal(states.sum(-1), torch::ones({10, 4})));
    auto categories = torch::tensor({{2, 0, 1, 1}}, torch::kLong);
    auto encoded = one_hot.encode(categories, torch::kFloat);
    CHECK(torch::equal(one_hot.decode(encoded), categories));

    auto logits = AnswerSpace::categorical(4, 3, CategoricalParam::Logits);
    auto lg = logits.encode(categories, torch::kFloat);
    CHECK(torch::equal(logits.decode(lg), categories));
    CHECK(logits.energy_input(lg).sum(-1).allclose(torch::ones({1, 4})));
    auto probabilities = AnswerSpace::categorical(4, 3);
    auto pr = probabilities.random_init(5, gen, torch::kFloat);
    CHECK(pr.sum(-1).allclose(torch::ones({5, 4}), 1e-5, 1e-5));
    CHECK(pr.min().item<double>() >= 0.0);
  }

  TEST_CASE("answer spaces: mixed (one-hot choice + boxed value per variable)") {
    auto space = AnswerSpace::mixed(2, 3, 0.0, 1.0);
    CHECK(space.shape == std::vector<int64_t>{2, 4});
    CHECK(space.num_variables() == 2);
    CHECK(space.num_categories() == 3);
    CHECK_FALSE(space.is_categorical());
    CHECK(space.describe() == "mixed(2x(3 + value in [0, 1]))");
    auto y = torch::tensor({{{0.0, 1.0, 0.0, 1.5}, {1.0, 0.0, 0.0, -0.25}}});
    auto projected = space.project(y);
    CHECK(torch::equal(projected, torch::tensor({{{0.0, 1.0, 0.0, 1.0}, {1.0, 0.0, 0.0, 0.0}}})));
    CHECK(torch::equal(space.energy_input(projected), projected));
    auto decoded = space.decode(torch::tensor({{{0.0, 0.0, 1.0, 0.25}, {0.0, 1.0, 0.0, 0.75}}}));
    CHECK(torch::equal(decoded, torch::tensor({{{2.0, 0.25}, {1.0, 0.75}}})));
    CHECK(torch::equal(space.encode(decoded, torch::kFloat),
                       torch::tensor({{{0.0, 0.0, 1.0, 0.25}, {0.0, 1.0, 0.0, 0.75}}})));
    auto gen = make_generator(5, torch::kCPU);
    auto init = space.random_init(50, gen, torch::kFloat);
    space.check_batch(init, "init");
    CHECK(torch::equal(init.narrow(-1, 0, 3).sum(-1), torch::ones({50, 2})));
    CHECK(init.narrow(-1, 3, 1).min().item<double>() >= 0.0);
    CHECK(init.narrow(-1, 3, 1).max().item<double>() <= 1.0);
    CHECK(contains(error_of([] { AnswerSpace::mixed(2, 1, 0.0, 1.0); }), "C >= 2"));
    CHECK(contains(error_of([] { AnswerSpace::mixed(2, 3, 1.0, 0.0); }), "lower <= upper"));
    CHECK(contains(error_of([&] { space.check_batch(torch::zeros({1, 2, 3}), "init"); }), "shape [N, 2, 4]"));
    CHECK(contains(error_of([&] { space.encode(torch::zeros({1, 2}), torch::kFloat); }), "[N, V, 2]"));
  }

  TEST_CASE("answer spaces: invalid definitions are refused with the reason") {
    CHECK(contains(error_of([] { AnswerSpace::real({}); }), "shape is empty"));
    CHECK(contains(error_of([] { AnswerSpace::real({2}, 1.0, 0.0); }), "lower <= upper"));
    CHECK(contains(error_of([] { AnswerSpace::one_hot(3, 1); }), "K >= 2"));
    auto space = AnswerSpace::real({3});
    CHECK(contains(error_of([&] { space.check_batch(torch::zeros({2, 4}), "init"); }), "shape [N, 3]"));
  }

  TEST_CASE("clamp: categorical clamp fixes chosen variables") {
    auto space = AnswerSpace::one_hot(3, 4);
    auto clamp = Clamp::categorical(space, torch::tensor({{-1, 2, -1}}, torch::kLong), torch::kFloat);
    auto y = torch::zeros({1, 3, 4});
    auto fixed = clamp.apply(y);
    CHECK(torch::equal(fixed[0][1], torch::tensor({0.0f, 0.0f, 1.0f, 0.0f})));
    CHECK(torch::equal(fixed[0][0], torch::zeros({4})));
  }

  TEST_CASE("energies: closed-form gradients equal autograd; weighted sums compose") {
    auto gen = make_generator(1, torch::kCPU);
    auto a = torch::randn({4, 4}, gen, torch::kDouble);
    auto precision = a.matmul(a.t()) + torch::eye(4, torch::kDouble);
    auto quadratic = std::make_shared<QuadraticEnergy>(precision, torch::randn({4}, gen, torch::kDouble));
    auto wells = std::make_shared<DoubleWellEnergy>(3.0);
    auto y = torch::randn({5, 4}, gen, torch::kDouble);
    for (Energy* e : {static_cast<Energy*>(quadratic.get()), static_cast<Energy*>(wells.get())}) {
      auto closed = energy_and_gradient(*e, {}, y, true);
      auto yy = y.clone().requires_grad_(true);
      auto autograd = torch::autograd::grad({e->forward({}, yy).sum()}, {yy})[0];
      CHECK(torch::allclose(closed.gradient, autograd, 1e-10, 1e-10));
    }
    auto sum = std::make_shared<WeightedSumEnergy>();
    sum->add_term(quadratic, 2.0, "quadratic");
    sum->add_term(wells, 0.5, "wells");
    auto expected = 2.0 * quadratic->forward({}, y) + 0.5 * wells->forward({}, y);
    CHECK(torch::allclose(sum->forward({}, y), expected));
    CHECK(sum->has_closed_form_gradient());
    auto g = energy_and_gradient(*sum, {}, y, true).gradient;
    auto expected_g = 2.0 * quadratic->closed_form_gradient({}, y) + 0.5 * wells->closed_form_gradient({}, y);
    CHECK(torch::allclose(g, expected_g));
    sum->set_weight(1, 0.0);
    CHECK(torch::allclose(sum->forward({}, y), 2.0 * quadratic->forward({}, y)));
    CHECK(contains(error_of([&] { sum->set_weight(5, 1.0); }), "term 5 does not exist"));
  }

  TEST_CASE("target: gradients zero on clamped entries; logits differentiate through softmax") {
    auto potts = PottsEnergy::random(3, 3, 1.0, 4);
    auto space = AnswerSpace::categorical(3, 3, CategoricalParam::Logits);
    auto clamp = Clamp::categorical(space, torch::tensor({{1, -1, -1}, {1, -1, -1}}, torch::kLong), torch::kFloat);
    Target target(potts, {}, space, clamp, 2);
    auto gen = make_generator(2, torch::kCPU);
    auto logits = target.finalize(space.random_init(2, gen, torch::kFloat));
    auto eg = target.evaluate(logits, true);
    CHECK(torch::equal(eg.gradient.select(1, 0), torch::zeros({2, 3})));
    auto z = logits.clone().requires_grad_(true);
    auto reference = torch::autograd::grad({potts->forward({}, torch::softmax(z, -1)).sum()}, {z})[0];
    CHECK(torch::allclose(eg.gradient.select(1, 1), reference.select(1, 1), 1e-5, 1e-6));
    CHECK(target.evaluations() == 2);
    auto view = target.tile(3);
    view.evaluate(view.finalize(space.random_init(6, gen, torch::kFloat)), false);
    CHECK(target.evaluations() == 8);  // views share the counter
  }

  TEST_CASE("potts: exact distribution sums to one and ranks states by energy") {
    auto potts = PottsEnergy::random(3, 3, 0.7, 9);
    auto p = potts->exact_distribution(1.0);
    CHECK(p.numel() == 27);
    CHECK(p.sum().item<double>() == doctest::Approx(1.0).epsilon(1e-12));
  }

  TEST_CASE("schedules: known values") {
    CHECK(Schedule{ScheduleKind::Linear, 2.0, 4.0}.at(0.5) == doctest::Approx(3.0));
    CHECK(Schedule{ScheduleKind::Geometric, 1.0, 100.0}.at(0.5) == doctest::Approx(10.0));
    CHECK(Schedule{ScheduleKind::Cosine, 1.0, 0.0}.at(0.5) == doctest::Approx(0.5));
    CHECK(Schedule{ScheduleKind::Cosine, 1.0, 0.0}.at(1.0) == doctest::Approx(0.0));
    CHECK(Schedule{ScheduleKind::Constant, 7.0, 0.0}.at(0.9) == doctest::Approx(7.0));
    CHECK(Schedule{ScheduleKind::Linear, 0.0, 1.0}.at(0.75, 2) == doctest::Approx(0.5));
    CHECK(!Schedule{ScheduleKind::Geometric, -1.0, 1.0}.problem().empty());
  }

  TEST_CASE("metrics: Wilson interval and percentiles against hand-computed values") {
    // 8 of 10 at z = 1.96: centre (0.8 + 0.19208) / 1.38416 = 0.716738,
    // half 1.96 sqrt(0.016 + 0.009604) / 1.38416 = 0.226581 -> [0.490157, 0.943319].
    auto [low, high] = wilson_interval(8, 10);
    CHECK(low == doctest::Approx(0.490157).epsilon(1e-5));
    CHECK(high == doctest::Approx(0.943319).epsilon(1e-5));
    auto all = wilson_interval(20, 20);
    CHECK(all.second == doctest::Approx(1.0));
    CHECK(all.first == doctest::Approx(20.0 / (20.0 + 3.8416)).epsilon(1e-9));  // p = 1: n / (n + z^2)
    CHECK(wilson_interval(0, 0) == std::make_pair(0.0, 1.0));
    CHECK_THROWS_AS(wilson_interval(3, 2), std::invalid_argument);
    // p95 of 1..20: position 0.95 * 19 = 18.05 -> 19 + 0.05 * (20 - 19) = 19.05.
    std::vector<double> v;
    for (int i = 20; i >= 1; --i) v.push_back(i);
    CHECK(percentile(v, 0.95) == doctest::Approx(19.05));
    CHECK(percentile(v, 0.5) == doctest::Approx(10.5));
    CHECK(percentile(v, 0.0) == doctest::Approx(1.0));
    CHECK(percentile({}, 0.5) == 0.0);
    CHECK(mean({1.0, 2.0, 6.0}) == doctest::Approx(3.0));
  }

  TEST_CASE("numbers print in their shortest form that reads back") {
    CHECK(format_number(10.0) == "10");
    CHECK(format_number(0.05) == "0.05");
    CHECK(format_number(1e-6) == "1e-06");
    CHECK(format_number(-0.3) == "-0.3");
    CHECK(format_number(-std::numeric_limits<double>::infinity()) == "-inf");
  }

  TEST_CASE("sampler specs: parsing, wrappers, driver keys, canonical text") {
    auto spec = parse_sampler_spec("langevin:steps=200,step=0.05,noise=0.01");
    CHECK(spec.driver.max_steps == 200);
    CHECK(spec.text == "langevin:step=0.05,noise=0.01,mirror=false,fused=true");
    auto nested = parse_sampler_spec("anneal:t_start=5,t_end=0.05,chains=3/tempering:replicas=8/mala:step=0.02");
    CHECK(nested.driver.chains == 3);
    CHECK(contains(nested.text, "anneal:"));
    CHECK(contains(nested.text, "/tempering:replicas=8"));
    CHECK(contains(nested.text, "/mala:step=0.02"));
    auto again = parse_sampler_spec(nested.text);  // the canonical text reads back to itself
    CHECK(again.text == nested.text);
  }

  TEST_CASE("sampler specs: invalid options are refused naming the field") {
    CHECK(contains(error_of([] { parse_sampler_spec("langevin:step=-1"); }), "option 'step' must be a finite real in (0, 1000000], got '-1'"));
    CHECK(contains(error_of([] { parse_sampler_spec("mala:stepp=1"); }), "unknown option 'stepp'"));
    CHECK(contains(error_of([] { parse_sampler_spec("hmc:leapfrog=abc"); }), "'leapfrog' must be an integer in [1, 10000]"));
    CHECK(contains(error_of([] { parse_sampler_spec("gd:momentum=1.5"); }), "'momentum' must be a finite real in [0, 1)"));
    CHECK(contains(error_of([] { parse_sampler_spec("anneal:t_schedule=wavy/langevin"); }), "t_schedule"));
    CHECK(contains(error_of([] { parse_sampler_spec("anneal:t_start=0/langevin"); }), "t_start"));
    CHECK(contains(error_of([] { parse_sampler_spec("tempering:replicas=0/mala"); }), "'replicas' must be an integer in [1, 1024]"));
    CHECK(contains(error_of([] { parse_sampler_spec("anneal"); }), "wraps a base sampler"));
    CHECK(contains(error_of([] { parse_sampler_spec("mala/langevin"); }), "base sampler and wraps nothing"));
    CHECK(contains(error_of([] { parse_sampler_spec("bogus"); }), "unknown sampler 'bogus'"));
    CHECK(contains(error_of([] { parse_sampler_spec("langevin:chains=0"); }), "'chains' must be an integer in [1, 1048576]"));
    CHECK(contains(error_of([] { parse_sampler_spec("langevin:steps=0"); }), "no budget"));
    CHECK(contains(error_of([] { parse_sampler_spec("langevin:restarts=2"); }), "plateau"));
    CHECK(contains(error_of([] { parse_sampler_spec("gwg:scale"); }), "expected key=value"));
    // Every numeric option has a finite range, checked when parsed; messages are one line.
    CHECK(error_of([] { parse_sampler_spec("langevin:step=inf"); }) ==
          "sampler spec 'langevin:step=inf': langevin: option 'step' must be a finite real in (0, 1000000], got 'inf'");
    CHECK(contains(error_of([] { parse_sampler_spec("gd:step=1e38"); }), "(0, 1000000], got '1e38'"));
    CHECK(contains(error_of([] { parse_sampler_spec("langevin:chains=1000000000"); }), "[1, 1048576]"));
    CHECK(contains(error_of([] { parse_sampler_spec("hmc:leapfrog=1000000000"); }), "[1, 10000]"));
    CHECK(contains(error_of([] { parse_sampler_spec("langevin:seed=-1"); }), "'seed' must be an unsigned integer"));
    CHECK(contains(error_of([] { parse_sampler_spec("langevin:steps=9223372036854775808"); }), "[0, 1000000000]"));
    CHECK(parse_sampler_spec("langevin:seed=18446744073709551615").driver.seed == 18446744073709551615ULL);
    const std::string huge = "langevin:" + std::string(100000, 'x');
    const std::string refused = error_of([&] { parse_sampler_spec(huge); });
    CHECK(contains(refused, "longer than 4096 characters"));
    CHECK(refused.size() < 200);
  }

  TEST_CASE("catalogue lists every sampler with documented options") {
    std::vector<std::string> names;
    for (const auto& e : sampler_catalogue()) {
      names.push_back(e.name);
      CHECK(!e.summary.empty());
      for (const auto& o : e.options) CHECK(!o.meaning.empty());
    }
    const std::vector<std::string> expected{"gd", "langevin", "mala", "hmc", "gwg", "dula", "dmala", "tabu", "mixed", "anneal", "tempering"};
    CHECK(names == expected);
  }

  TEST_CASE("devices: text is parsed; CUDA requests fail clearly without a GPU") {
    CHECK(resolve_device("cpu").is_cpu());
    CHECK(contains(error_of([] { resolve_device("tpu"); }), "not auto, cpu, cuda"));
    if (!cuda_available()) {
      CHECK(resolve_device("auto").is_cpu());
      CHECK(!error_of([] { resolve_device("cuda"); }).empty());
    }
  }
}
