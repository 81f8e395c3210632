// The training objectives for conditional energies, task-neutral (tasks/tensor/training.h and
// tasks/sudoku/training.h apply them to their data). Each returns a scalar loss of a batch of
// (condition x, answer y*) pairs that back-propagates into the energy's parameters. Two families,
// each in a single-landscape form (any Energy) and an annealed-landscape form (a LandscapeEnergy):
//
// Denoising (score matching on corrupted answers).
//   denoising_gradient_loss   one landscape: corrupt y* into y~ and teach the energy that its gradient
//                             there points back: mean over free entries of
//                             (dE/dy(x, y~) - (y~ - y*) / scale)^2, so that a gradient (or mirror) step
//                             from y~ moves towards y* (create_graph: double backward).
//   denoising_landscape_loss  annealed landscapes (IRED). Noise levels sigma_k = sigma_min (sigma_max /
//                             sigma_min)^(k / (K - 1)), k = 0 .. K-1 (k = 0 the sharpest). Per row a
//                             landscape k is drawn, y~ = y* + sigma_k eps, and
//       score term      |grad_y E_k(x, y~) - (y~ - y*)|^2 / sigma_k^2   (mean over entries), so that a
//                       gradient step of size 1 from y~ lands on y*;
//       landscape term  softplus(E_k(x, y~) - E_k(x, y-)), y- = y~ + 2 sigma_k eps' (a worse answer
//                       must have higher energy than the better one), weighted by `contrast_weight`.
// Contrastive (maximum likelihood with sampler negatives).
//   contrastive_loss              negatives y- given (a sampler's states, detached):
//                                 mean E(x, y+) - mean E(x, y-) + reg mean(E(x, y+)^2 + E(x, y-)^2)
//   contrastive_divergence_loss   negatives from a replay buffer (persistent chains; a fraction
//                                 `reinit` from N(0, scale^2) noise), `negative_steps` Langevin steps on
//                                 the current energy (step `langevin_step`, noise sqrt(2 step)
//                                 `langevin_noise`), back into the buffer. loss = mean E(x, y*) - mean E(x, y-)
//                   + alpha * mean(E(x, y*)^2 + E(x, y-)^2)     energy-magnitude penalty
//                   + beta * mean |grad_y E(x, y*)|^2            gradient penalty (smoothness at data)
//                                 The energy must have the linear head (landscape_energy.h): a floored
//                                 read-out lets every energy settle at the floor, where no gradient is
//                                 left (the collapse this replaces).
// Unrolled optimisation (EBT-style).
//   unrolled_loss   from y_0 = start(y*) (by default N(0, init_scale^2) noise, independent of y*: the
//                   recipe passes the answer space's random_init, the start inference uses), K steps
//                   y_{t+1} = y_t - step * grad_y E(x, y_t), each gradient with create_graph so the loss
//                   mean_t (t+1)/K |y_{t+1} - y*|^2 back-propagates through every step (K x memory and time).
//
// The landscape forms leave the energy at landscape 0 on return.
#pragma once

#include "ebm/learning/landscape_energy.h"

#include <torch/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace ebm {

// condition: [B, ...]; noisy, clean: [B, *shape]; free_mask: bool [B, *shape] (true where the entry
// is not clamped) or undefined for all entries.
torch::Tensor denoising_gradient_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& noisy,
                                      const torch::Tensor& clean, const torch::Tensor& free_mask, double scale = 1.0);
torch::Tensor contrastive_loss(Energy& energy, const torch::Tensor& condition, const torch::Tensor& positives,
                               const torch::Tensor& negatives, double reg = 0.1);

struct DenoisingSettings {
  double sigma_min = 0.05;  // noise of landscape 0, in units of the answer scale
  double sigma_max = 1.0;   // noise of landscape K-1
  double contrast_weight = 0.5;
  double scale = 1.0;       // the answer scale (multiplies both sigmas)
};
// The noise level of landscape k of K (sigma_k above, times scale).
double landscape_sigma(const DenoisingSettings& settings, int64_t k, int64_t landscapes);

torch::Tensor denoising_landscape_loss(LandscapeEnergy& energy, const torch::Tensor& condition,
                                       const torch::Tensor& clean, const DenoisingSettings& settings,
                                       torch::Generator& generator);

// Persistent negatives, shared across conditions (the buffer holds answers, not pairs).
class ReplayBuffer {
 public:
  ReplayBuffer(int64_t capacity, double reinit, double scale) : capacity_(capacity), reinit_(reinit), scale_(scale) {}
  // `rows` starting states [rows, *shape] like `like`: from the buffer, or fresh noise (fraction reinit,
  // and always while the buffer holds fewer than `rows` entries).
  torch::Tensor draw(int64_t rows, const torch::Tensor& like, torch::Generator& generator);
  // Stores states (detached), replacing the oldest once full.
  void push(const torch::Tensor& states);
  int64_t size() const { return states_.defined() ? states_.size(0) : 0; }

 private:
  int64_t capacity_;
  double reinit_, scale_;
  torch::Tensor states_;
  int64_t next_ = 0;
};

struct ContrastiveSettings {
  int64_t negative_steps = 20;
  double langevin_step = 0.01;
  double langevin_noise = 0.1;   // multiplies sqrt(2 step): < 1 is the usual short-run choice
  double alpha = 0.1;            // energy-magnitude penalty
  double beta = 0.01;            // gradient penalty at the data
};

struct ContrastiveLoss {
  torch::Tensor loss;
  double positive_energy = 0.0, negative_energy = 0.0;  // batch means, for the log
};

ContrastiveLoss contrastive_divergence_loss(LandscapeEnergy& energy, const torch::Tensor& condition,
                                            const torch::Tensor& clean, ReplayBuffer& buffer,
                                            const ContrastiveSettings& settings, torch::Generator& generator);

struct UnrolledSettings {
  int64_t steps = 5;        // K
  double step = 0.5;        // gradient step size
  double init_scale = 1.0;  // noise of the default starting answer
  // Starting answers shaped like `clean` (null = N(0, init_scale^2) noise).
  std::function<torch::Tensor(const torch::Tensor& clean, torch::Generator& generator)> start;
};

torch::Tensor unrolled_loss(LandscapeEnergy& energy, const torch::Tensor& condition, const torch::Tensor& clean,
                            const UnrolledSettings& settings, torch::Generator& generator);

// Plain gradient descent on landscapes K-1 .. 0 (`steps_per_landscape` each, step size `step`), from
// `start`, without a graph: the inference the objectives are trained for, used by validation and tests.
torch::Tensor descend_landscapes(LandscapeEnergy& energy, const torch::Tensor& condition, torch::Tensor start,
                                 int64_t steps_per_landscape, double step);

}  // namespace ebm
