// The training objectives (ebm/learning/training_objectives.h) on a known 2-D problem: answers
// y*(x) = (0.5 + x, -x) for a scalar condition x in [-1, 1]. Each objective trains a small MLP
// energy; afterwards the minimum that gradient descent finds from random starts must lie within a
// stated tolerance of y*(x) on conditions the training never drew. Contrastive divergence must also
// keep its energies apart (no collapse to a constant).
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/learning/landscape_energy.h"
#include "ebm/learning/training_objectives.h"

using namespace ebm;

namespace {

torch::Tensor known_minimum(const torch::Tensor& x) { return torch::cat({0.5 + x, -x}, 1); }

std::shared_ptr<MlpLandscapeEnergy> small_energy(int64_t landscapes, EnergyHead head) {
  torch::manual_seed(3);
  return std::make_shared<MlpLandscapeEnergy>(MlpShape{1, 2, 64, 2}, landscapes, head);
}

// Trains `energy` for `steps` Adam steps on batches of 64 fresh conditions, with loss_of(x, y*).
template <typename Loss>
void train(LandscapeEnergy& energy, int64_t steps, double lr, Loss loss_of) {
  torch::optim::Adam adam(energy.parameters(), torch::optim::AdamOptions(lr));
  auto data = at::make_generator<at::CPUGeneratorImpl>(11);
  for (int64_t step = 0; step < steps; ++step) {
    auto x = at::rand({64, 1}, data) * 2 - 1;
    adam.zero_grad();
    loss_of(x, known_minimum(x)).backward();
    adam.step();
  }
}

// Largest distance, over held-out conditions, between the descent's end point and y*(x).
double worst_error(LandscapeEnergy& energy, int64_t steps_per_landscape, double step) {
  auto x = torch::linspace(-0.95, 0.95, 17).unsqueeze(1);
  auto start = at::normal(0.0, 1.0, {17, 2}, at::make_generator<at::CPUGeneratorImpl>(5));
  auto found = descend_landscapes(energy, x, start, steps_per_landscape, step);
  return (found - known_minimum(x)).norm(2, 1).max().item<double>();
}

}  // namespace

TEST_SUITE("objectives") {
  TEST_CASE("denoising over annealed landscapes learns where the minimum is (within 0.1)") {
    auto energy = small_energy(4, EnergyHead::Square);
    DenoisingSettings settings;
    settings.sigma_min = 0.05;
    settings.sigma_max = 1.0;
    auto noise = at::make_generator<at::CPUGeneratorImpl>(1);
    train(*energy, 600, 3e-3, [&](const torch::Tensor& x, const torch::Tensor& y) {
      return denoising_landscape_loss(*energy, x, y, settings, noise);
    });
    CHECK(worst_error(*energy, 10, 0.5) < 0.1);
    CHECK(energy->landscape() == 0);
  }

  TEST_CASE("unrolled optimisation learns where the minimum is (within 0.1)") {
    auto energy = small_energy(1, EnergyHead::Square);
    UnrolledSettings settings;
    settings.steps = 5;
    settings.step = 0.5;
    settings.init_scale = 1.0;
    auto noise = at::make_generator<at::CPUGeneratorImpl>(2);
    train(*energy, 600, 3e-3, [&](const torch::Tensor& x, const torch::Tensor& y) {
      return unrolled_loss(*energy, x, y, settings, noise);
    });
    CHECK(worst_error(*energy, 5, 0.5) < 0.1);
  }

  TEST_CASE("contrastive divergence with a replay buffer learns the minimum (within 0.15) and does not collapse") {
    auto energy = small_energy(1, EnergyHead::Linear);
    ContrastiveSettings settings;
    settings.negative_steps = 20;
    settings.langevin_step = 0.01;
    settings.langevin_noise = 0.1;
    ReplayBuffer buffer(2000, 0.05, 1.0);
    auto noise = at::make_generator<at::CPUGeneratorImpl>(3);
    ContrastiveLoss last;
    train(*energy, 800, 1e-3, [&](const torch::Tensor& x, const torch::Tensor& y) {
      last = contrastive_divergence_loss(*energy, x, y, buffer, settings, noise);
      return last.loss;
    });
    CHECK(buffer.size() == 2000);
    // Not collapsed: data sit clearly below the negatives, and energies differ across the plane.
    CHECK(last.negative_energy - last.positive_energy > 0.1);
    auto grid = torch::stack(torch::meshgrid({torch::linspace(-2, 2, 9), torch::linspace(-2, 2, 9)}, "ij"), -1).reshape({-1, 2});
    auto energies = energy->forward(torch::zeros({81, 1}), grid);
    CHECK(energies.std().item<double>() > 0.1);
    CHECK(worst_error(*energy, 200, 0.02) < 0.15);
  }

  TEST_CASE("the replay buffer keeps its capacity and reinitialises a fraction from noise") {
    ReplayBuffer buffer(4, 1.0, 1.0);
    auto g = at::make_generator<at::CPUGeneratorImpl>(4);
    auto like = torch::zeros({3, 2});
    CHECK(buffer.draw(3, like, g).sizes() == like.sizes());  // empty: all noise
    buffer.push(torch::full({3, 2}, 7.0));
    buffer.push(torch::full({3, 2}, 9.0));
    CHECK(buffer.size() == 4);
    // reinit = 1: every draw is fresh noise, never a stored 7 or 9.
    auto drawn = buffer.draw(3, like, g);
    CHECK(drawn.abs().max().item<double>() < 6.0);
  }

  TEST_CASE("landscape noise levels run geometrically from sigma_min to sigma_max times the scale") {
    DenoisingSettings s;
    s.sigma_min = 0.1;
    s.sigma_max = 1.0;
    s.scale = 2.0;
    CHECK(landscape_sigma(s, 0, 3) == doctest::Approx(0.2));
    CHECK(landscape_sigma(s, 1, 3) == doctest::Approx(2.0 * std::sqrt(0.1)));
    CHECK(landscape_sigma(s, 2, 3) == doctest::Approx(2.0));
  }
}
