#include "ebm/learning/training_objectives.h"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace ebm {

torch::Tensor denoising_gradient_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& noisy,
                                      const torch::Tensor& clean, const torch::Tensor& free_mask, double scale) {
  auto y = noisy.detach().requires_grad_(true);
  auto e = energy.forward(condition, y);
  auto gradient = torch::autograd::grad({e.sum()}, {y}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  auto error = (gradient - (y.detach() - clean) / scale).square();
  if (free_mask.defined()) return error.masked_select(free_mask).mean();
  return error.mean();
}

torch::Tensor contrastive_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& positives,
                               const torch::Tensor& negatives, double reg) {
  auto e_pos = energy.forward(condition, positives);
  auto e_neg = energy.forward(condition, negatives.detach());
  return e_pos.mean() - e_neg.mean() + reg * (e_pos.square().mean() + e_neg.square().mean());
}

namespace {

torch::Tensor noise_like(const torch::Tensor& like, torch::Generator& generator) {
  return at::normal(0.0, 1.0, like.sizes(), generator, like.options());
}

// dE/dy of the current landscape at `y` (which must require grad), keeping the graph for training.
torch::Tensor answer_gradient(LandscapeEnergy& energy, const torch::Tensor& condition, const torch::Tensor& y,
                              torch::Tensor* energies = nullptr) {
  auto e = energy.forward(condition, y);
  if (energies) *energies = e;
  return torch::autograd::grad({e.sum()}, {y}, {}, /*retain_graph=*/true, /*create_graph=*/true)[0];
}

torch::Tensor rows_mean(const torch::Tensor& x) { return x.reshape({x.size(0), -1}).mean(1); }

// Runs `body` with the energy on landscape k for the rows of `rows` (bool [B]) and returns nothing;
// the energy is back on landscape 0 afterwards.
struct LandscapeReset {
  LandscapeEnergy& energy;
  ~LandscapeReset() { energy.set_landscape(0); }
};

}  // namespace

double landscape_sigma(const DenoisingSettings& s, int64_t k, int64_t landscapes) {
  if (landscapes <= 1) return s.sigma_min * s.scale;
  const double fraction = double(k) / double(landscapes - 1);
  return s.scale * s.sigma_min * std::pow(s.sigma_max / s.sigma_min, fraction);
}

torch::Tensor denoising_landscape_loss(LandscapeEnergy& energy, const torch::Tensor& condition, const torch::Tensor& clean,
                                       const DenoisingSettings& settings, torch::Generator& generator) {
  LandscapeReset reset{energy};
  const int64_t landscapes = energy.landscapes();
  const int64_t rows = clean.size(0);
  // One landscape per row: rows are grouped by landscape so each group is one forward pass.
  auto levels = at::randint(landscapes, {rows}, generator, torch::TensorOptions().dtype(torch::kLong));
  torch::Tensor total = torch::zeros({}, clean.options());
  for (int64_t k = 0; k < landscapes; ++k) {
    auto index = (levels == k).nonzero().squeeze(1);
    if (index.numel() == 0) continue;
    energy.set_landscape(k);
    const double sigma = landscape_sigma(settings, k, landscapes);
    auto y_star = clean.index_select(0, index);
    auto x = condition.index_select(0, index);
    auto noisy = (y_star + sigma * noise_like(y_star, generator)).detach().requires_grad_(true);
    torch::Tensor e_noisy;
    auto gradient = answer_gradient(energy, x, noisy, &e_noisy);
    auto score = rows_mean((gradient - (noisy - y_star)).pow(2)) / (sigma * sigma);
    auto worse = (noisy + 2.0 * sigma * noise_like(y_star, generator)).detach();
    auto contrast = torch::softplus(e_noisy - energy.forward(x, worse));
    total = total + (score + settings.contrast_weight * contrast).sum();
  }
  return total / double(rows);
}

torch::Tensor ReplayBuffer::draw(int64_t rows, const torch::Tensor& like, torch::Generator& generator) {
  auto fresh = scale_ * noise_like(like.narrow(0, 0, rows), generator);
  if (size() < rows) return fresh;
  auto picks = at::randint(size(), {rows}, generator, torch::TensorOptions().dtype(torch::kLong));
  auto stored = states_.index_select(0, picks).to(like.device());
  auto reinit = at::rand({rows}, generator, like.options()) < reinit_;
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = rows;
  return torch::where(reinit.reshape(shape), fresh, stored);
}

void ReplayBuffer::push(const torch::Tensor& states) {
  auto rows = states.detach().to(torch::kCPU);
  if (!states_.defined()) {
    states_ = rows.narrow(0, 0, std::min<int64_t>(rows.size(0), capacity_)).clone();
    next_ = states_.size(0) % capacity_;
    return;
  }
  for (int64_t r = 0; r < rows.size(0); ++r) {
    if (states_.size(0) < capacity_) {
      states_ = torch::cat({states_, rows.narrow(0, r, 1)});
    } else {
      states_[next_] = rows[r];
      next_ = (next_ + 1) % capacity_;
    }
  }
}

ContrastiveLoss contrastive_divergence_loss(LandscapeEnergy& energy, const torch::Tensor& condition,
                                            const torch::Tensor& clean, ReplayBuffer& buffer,
                                            const ContrastiveSettings& s, torch::Generator& generator) {
  LandscapeReset reset{energy};
  energy.set_landscape(0);
  const int64_t rows = clean.size(0);
  auto negative = buffer.draw(rows, clean, generator);
  const double noise = std::sqrt(2.0 * s.langevin_step) * s.langevin_noise;
  for (int64_t t = 0; t < s.negative_steps; ++t) {
    auto y = negative.detach().requires_grad_(true);
    auto e = energy.forward(condition, y);
    auto gradient = torch::autograd::grad({e.sum()}, {y})[0];
    negative = (y - s.langevin_step * gradient + noise * noise_like(y, generator)).detach();
  }
  buffer.push(negative);
  auto positive = clean.detach().requires_grad_(true);
  auto e_positive = energy.forward(condition, positive);
  auto e_negative = energy.forward(condition, negative);
  auto gradient = torch::autograd::grad({e_positive.sum()}, {positive}, {}, true, true)[0];
  ContrastiveLoss out;
  out.loss = e_positive.mean() - e_negative.mean() + s.alpha * (e_positive.pow(2) + e_negative.pow(2)).mean() +
             s.beta * rows_mean(gradient.pow(2)).mean();
  out.positive_energy = e_positive.mean().item<double>();
  out.negative_energy = e_negative.mean().item<double>();
  return out;
}

torch::Tensor unrolled_loss(LandscapeEnergy& energy, const torch::Tensor& condition, const torch::Tensor& clean,
                            const UnrolledSettings& s, torch::Generator& generator) {
  LandscapeReset reset{energy};
  energy.set_landscape(0);
  auto start = s.start ? s.start(clean, generator) : s.init_scale * noise_like(clean, generator);
  auto y = start.detach().requires_grad_(true);
  torch::Tensor total = torch::zeros({}, clean.options());
  for (int64_t t = 0; t < s.steps; ++t) {
    y = y - s.step * answer_gradient(energy, condition, y);
    total = total + double(t + 1) / double(s.steps) * rows_mean((y - clean).pow(2)).mean();
  }
  return total / double(s.steps);
}

torch::Tensor descend_landscapes(LandscapeEnergy& energy, const torch::Tensor& condition, torch::Tensor start,
                                 int64_t steps_per_landscape, double step) {
  LandscapeReset reset{energy};
  auto y = start.detach();
  for (int64_t k = energy.landscapes() - 1; k >= 0; --k) {
    energy.set_landscape(k);
    for (int64_t t = 0; t < steps_per_landscape; ++t) {
      torch::AutoGradMode enable(true);
      auto leaf = y.detach().requires_grad_(true);
      auto e = energy.forward(condition, leaf);
      y = (leaf - step * torch::autograd::grad({e.sum()}, {leaf})[0]).detach();
    }
  }
  return y;
}

}  // namespace ebm
