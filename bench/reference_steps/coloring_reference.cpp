#include "bench/reference_steps/coloring_reference.h"

#include "ebm/runtime/fast_math.h"
#include "ebm/runtime/noise_kernels.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace ebm::reference_steps {

using fast_math::fast_exp;
using fast_math::fast_log;

namespace {

constexpr float kTenure = 10.0f, kTenureRandom = 10.0f, kTenureEnergy = 0.6f, kNoise = 0.1f;
constexpr double kAspirationMargin = 0.5e-3;

}  // namespace

ColoringReferenceChains::ColoringReferenceChains(int vertices, int colors, const std::vector<std::pair<int, int>>& edges,
                                                 int64_t chains, uint64_t seed)
    : ChainTally(chains), vertices_(vertices), colors_(colors), seed_(seed) {
  if (vertices < 1 || colors < 2 || chains < 1)
    throw std::invalid_argument("coloring reference: needs vertices, colors >= 2 and chains");
  for (auto [u, v] : edges) {
    if (u < 0 || v < 0 || u >= vertices || v >= vertices)
      throw std::invalid_argument("coloring reference: edge " + std::to_string(u) + "-" + std::to_string(v));
    edge_ends_.push_back(u);
    edge_ends_.push_back(v);
  }
  const int64_t values = int64_t(vertices) * colors;
  color_.assign(chains * vertices, 0);
  gradient_.assign(chains * values, 0.0f);
  tabu_until_.assign(chains * values, 0.0f);
  uniforms_.resize(values + 1);
  const auto& kernels = noise_kernels::best_kernels();
  for (int64_t k = 0; k < chains; ++k) {
    kernels.uniform_f32(uniforms_.data(), vertices, seed_, noise_block_);
    noise_block_ += noise_kernels::blocks_for(vertices, false);
    for (int v = 0; v < vertices; ++v)
      color_[k * vertices + v] = std::min(colors - 1, static_cast<int>(uniforms_[v] * float(colors)));
    energy_[k] = energy_and_gradient(&color_[k * vertices], &gradient_[k * values]);
    done_[k] = energy_[k] == 0.0;
  }
  best_energy_ = energy_;
}

double ColoringReferenceChains::energy_and_gradient(const int32_t* color, float* gradient) const {
  std::fill_n(gradient, int64_t(vertices_) * colors_, 0.0f);
  double energy = 0.0;
  const int64_t ends = static_cast<int64_t>(edge_ends_.size());
  for (int64_t i = 0; i < ends; i += 2) {
    const int u = edge_ends_[i], v = edge_ends_[i + 1];
    gradient[u * colors_ + color[v]] += 1.0f;
    gradient[v * colors_ + color[u]] += 1.0f;
    energy += color[u] == color[v] ? 1.0 : 0.0;
  }
  return energy;
}

void ColoringReferenceChains::step_chain(int64_t chain) {
  const int n = vertices_, k_colors = colors_;
  const int64_t values = int64_t(n) * k_colors;
  int32_t* color = &color_[chain * n];
  float* gradient = &gradient_[chain * values];
  float* tabu_until = &tabu_until_[chain * values];
  const auto& kernels = noise_kernels::best_kernels();
  kernels.uniform_f32(uniforms_.data(), values + 1, seed_, noise_block_);
  noise_block_ += noise_kernels::blocks_for(values + 1, false);

  const float t = float(step_), energy = float(energy_[chain]);
  const double aspiration_below = best_energy_[chain] - kAspirationMargin;
  // Two passes: with the tenures and aspiration, then (when nothing is allowed) any change.
  int chosen = -1;
  for (int pass = 0; pass < 2 && chosen < 0; ++pass) {
    float best = -3.0e38f;
    for (int v = 0; v < n; ++v) {
      const float* g = gradient + int64_t(v) * k_colors;
      const float at_current = g[color[v]];
      if (!(at_current > 0.0f)) continue;  // focus: only vertices in conflict move
      for (int k = 0; k < k_colors; ++k) {
        if (k == color[v]) continue;
        const int64_t index = int64_t(v) * k_colors + k;
        const float gain = at_current - g[k];
        if (pass == 0 && !(tabu_until[index] <= t || double(energy - gain) < aspiration_below)) continue;
        const float score = gain - kNoise * fast_log(-fast_log(uniforms_[index]));
        if (score > best) best = score, chosen = static_cast<int>(index);
      }
    }
  }
  if (chosen < 0) return;  // no vertex in conflict: E = 0, the chain was done
  const int v = chosen / k_colors, k = chosen % k_colors;
  tabu_until[int64_t(v) * k_colors + color[v]] =
      std::floor(energy * kTenureEnergy) + kTenure + t + std::floor(uniforms_[values] * kTenureRandom);
  color[v] = k;
  energy_[chain] = energy_and_gradient(color, gradient);
  best_energy_[chain] = std::min(best_energy_[chain], energy_[chain]);
  if (energy_[chain] == 0.0) done_[chain] = 1;  // the verifier, every step (exact on one-hot states)
}

void ColoringReferenceChains::run(int64_t steps) {
  run_steps(steps, [this](int64_t chain) { step_chain(chain); });
}

}  // namespace ebm::reference_steps
