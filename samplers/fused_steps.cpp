#include "samplers/fused_steps.h"

#include "ebm/runtime/fused_loops.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace ebm {

namespace {

bool fusable(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat && t.is_contiguous();
}

// Each row's noise scale: `noise` itself, or sqrt(2 eta T_row) for exact Langevin noise.
std::vector<float> noise_scales(const Target& target, double eta, double noise, int64_t rows) {
  if (noise >= 0) return std::vector<float>(size_t(rows), float(noise));
  if (auto t = target.uniform_temperature()) return std::vector<float>(size_t(rows), float(std::sqrt(2.0 * eta * *t)));
  auto temperature = target.temperature().to(torch::kCPU, torch::kDouble).contiguous();
  const double* row_temperature = temperature.data_ptr<double>();
  std::vector<float> scales(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) scales[size_t(r)] = float(std::sqrt(2.0 * eta * row_temperature[r]));
  return scales;
}

}  // namespace

RowKernelPtr fused_kernel_for(const Target& target, const ChainBatch& chains) {
  if (!fusable(chains.y) || !fusable(chains.gradient) || chains.y.dim() < 2) return nullptr;
  const Clamp& clamp = target.clamp();
  if (clamp.active() && (!clamp.mask.is_contiguous() || clamp.mask.scalar_type() != torch::kBool ||
                         !fusable(clamp.values) || !clamp.mask.sizes().equals(chains.y.sizes())))
    return nullptr;
  return target.energy().row_kernel(target.condition(), chains.y.sizes().slice(1));
}

void fused_mirror_langevin_step(const RowEnergyKernel& kernel, Target& target, ChainBatch& chains,
                                const torch::Tensor& xi, double eta, double noise) {
  const int64_t rows = chains.rows(), categories = chains.y.size(-1);
  const int64_t values = chains.y.numel() / std::max<int64_t>(rows, 1), variables = values / categories;
  const std::vector<float> sigma = noise_scales(target, eta, noise, rows);
  auto moved = torch::empty_like(chains.y);
  auto gradient = torch::empty_like(chains.y);
  auto energy = torch::empty({rows}, chains.y.options());
  const Clamp& clamp = target.clamp();
  const float* old_state = chains.y.data_ptr<float>();
  const float* old_gradient = chains.gradient.data_ptr<float>();
  const torch::Tensor noise_values = xi.defined() ? xi.contiguous() : xi;
  const float* normals = noise_values.defined() ? noise_values.data_ptr<float>() : nullptr;
  const bool* mask = clamp.active() ? clamp.mask.data_ptr<bool>() : nullptr;
  const float* fixed = clamp.active() ? clamp.values.data_ptr<float>() : nullptr;
  float* new_state = moved.data_ptr<float>();
  float* new_gradient = gradient.data_ptr<float>();
  float* new_energy = energy.data_ptr<float>();
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t at = r * values;
      const bool* row_mask = mask ? mask + at : nullptr;
      fused::MirrorRow row;
      row.p = old_state + at;
      row.gradient = old_gradient + at;
      row.noise = normals ? normals + at : nullptr;
      row.frozen = row_mask;
      row.fixed = row_mask ? fixed + at : nullptr;
      row.out = new_state + at;
      fused::mirror_move(row, sigma[size_t(r)], float(eta), variables, categories);
      std::fill_n(new_gradient + at, values, 0.0f);  // here, not in one pass before: the row stays in cache
      new_energy[r] = float(kernel.accumulate(new_state + at, 1.0f, new_gradient + at));
      if (row_mask) fused::zero_clamped(row_mask, values, new_gradient + at);
    }
  });
  target.add_evaluations(rows);
  chains.y = moved;
  chains.gradient = gradient;
  chains.energy = energy;
}

}  // namespace ebm
