#include "samplers/fused_steps.h"

#include "ebm/runtime/fused_loops.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
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

// On the CPU as float32 (inputs need not be contiguous: a step reads a contiguous copy).
bool float_on_cpu(const torch::Tensor& t) {
  return t.defined() && t.device().is_cpu() && t.scalar_type() == torch::kFloat;
}

// What a fused step reads (the chains' states and gradients, contiguous) and writes (new states,
// gradients and energies, row by row), and the hand-over to the chains.
class FusedRows {
 public:
  FusedRows(const ChainBatch& chains, const Target& target, bool start_from_old_states)
      : rows_(chains.rows()), values_(chains.y.numel() / std::max<int64_t>(chains.rows(), 1)),
        state_in_(chains.y.contiguous()), gradient_in_(chains.gradient.contiguous()),
        moved_(start_from_old_states ? state_in_.clone() : torch::empty_like(state_in_)),
        gradient_(torch::empty_like(state_in_)), energy_(torch::empty({rows_}, chains.y.options())),
        mask_(target.clamp().active() ? target.clamp().mask.data_ptr<bool>() : nullptr) {}

  int64_t rows() const { return rows_; }
  int64_t values() const { return values_; }
  const float* old_state(int64_t row) const { return state_in_.data_ptr<float>() + row * values_; }
  const float* old_gradient(int64_t row) const { return gradient_in_.data_ptr<float>() + row * values_; }
  const bool* mask(int64_t row) const { return mask_ ? mask_ + row * values_ : nullptr; }
  float* new_state(int64_t row) { return moved_.data_ptr<float>() + row * values_; }
  float new_energy(int64_t row) const { return energy_.data_ptr<float>()[row]; }

  // E and grad E (clamped entries 0) of the row's new state through the kernel; the gradient is zeroed
  // here, not in a pass before, so that the row stays in cache.
  void evaluate(const RowEnergyKernel& kernel, int64_t row) {
    float* gradient = gradient_.data_ptr<float>() + row * values_;
    std::fill_n(gradient, values_, 0.0f);
    energy_.data_ptr<float>()[row] = float(kernel.accumulate(row, new_state(row), 1.0f, gradient));
    if (mask_) fused::zero_clamped(mask(row), values_, gradient);
  }

  // The new rows become the chains; one evaluation per row is counted.
  void commit(Target& target, ChainBatch& chains) {
    target.add_evaluations(rows_);
    chains.y = moved_;
    chains.gradient = gradient_;
    chains.energy = energy_;
  }

 private:
  int64_t rows_, values_;
  torch::Tensor state_in_, gradient_in_, moved_, gradient_, energy_;
  const bool* mask_;
};

// The tabu move of one row: (variable, category) or variable -1 when nothing can move.
struct TabuMove {
  int64_t variable = -1, category = -1, left = -1;
};

TabuMove choose_tabu_move(const float* y, const float* gradient, const float* tabu_until, const bool* clamp_mask,
                          const float* gumbel, float energy, float best, int64_t variables, int64_t categories,
                          const TabuRule& rule) {
  const float step = float(rule.step), noise = float(rule.noise), margin = float(best) - 0.5e-3f;
  float best_allowed = -std::numeric_limits<float>::infinity(), best_movable = best_allowed;
  TabuMove allowed_move, movable_move;
  for (int64_t v = 0; v < variables; ++v) {
    const int64_t at = v * categories;
    if (clamp_mask != nullptr) {
      bool clamped = false;
      for (int64_t k = 0; k < categories; ++k) clamped = clamped || clamp_mask[at + k];
      if (clamped) continue;
    }
    int64_t current = 0;
    for (int64_t k = 1; k < categories; ++k) current = y[at + k] > y[at + current] ? k : current;
    if (!(y[at + current] > 0.5f)) current = -1;  // not one-hot: every category counts as a move, as `current`
    float here = 0.0f;
    for (int64_t k = 0; k < categories; ++k) here += gradient[at + k] * y[at + k];
    if (rule.focus && !(here > 0.0f)) continue;
    for (int64_t k = 0; k < categories; ++k) {
      if (k == current) continue;
      const float gain = here - gradient[at + k];
      float score = gain;
      if (gumbel != nullptr) score = score - std::log(-std::log(gumbel[at + k])) * noise;
      const bool allowed = tabu_until[at + k] <= step || (rule.aspiration && energy - gain < margin);
      const int64_t left = current < 0 ? 0 : current;
      if (score > best_movable || movable_move.variable < 0) best_movable = score, movable_move = {v, k, left};
      if (allowed && (score > best_allowed || allowed_move.variable < 0)) best_allowed = score, allowed_move = {v, k, left};
    }
  }
  return allowed_move.variable >= 0 ? allowed_move : movable_move;
}

}  // namespace

RowKernelPtr fused_kernel_for(const Target& target, const ChainBatch& chains) {
  if (!float_on_cpu(chains.y) || !float_on_cpu(chains.gradient) || !float_on_cpu(chains.energy) || chains.y.dim() < 2)
    return nullptr;
  const Clamp& clamp = target.clamp();
  if (clamp.active() && (!clamp.mask.is_contiguous() || clamp.mask.scalar_type() != torch::kBool ||
                         !fusable(clamp.values) || !clamp.mask.sizes().equals(chains.y.sizes())))
    return nullptr;
  return target.energy().row_kernel(target.condition(), chains.y.sizes().slice(1));
}

void fused_mirror_langevin_step(const RowEnergyKernel& kernel, Target& target, ChainBatch& chains,
                                const torch::Tensor& xi, double eta, double noise) {
  FusedRows rows(chains, target, /*start_from_old_states=*/false);
  const int64_t categories = chains.y.size(-1), variables = rows.values() / categories;
  const std::vector<float> sigma = noise_scales(target, eta, noise, rows.rows());
  const Clamp& clamp = target.clamp();
  const torch::Tensor noise_values = xi.defined() ? xi.contiguous() : xi;
  const float* normals = noise_values.defined() ? noise_values.data_ptr<float>() : nullptr;
  const float* fixed = clamp.active() ? clamp.values.data_ptr<float>() : nullptr;
  at::parallel_for(0, rows.rows(), 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t at = r * rows.values();
      fused::MirrorRow row;
      row.p = rows.old_state(r);
      row.gradient = rows.old_gradient(r);
      row.noise = normals ? normals + at : nullptr;
      row.frozen = rows.mask(r);
      row.fixed = fixed ? fixed + at : nullptr;
      row.out = rows.new_state(r);
      fused::mirror_move(row, sigma[size_t(r)], float(eta), variables, categories);
      rows.evaluate(kernel, r);
    }
  });
  rows.commit(target, chains);
}

bool fusable_tabu_state(const torch::Tensor& tabu_until, const torch::Tensor& best_energy) {
  return fusable(tabu_until) && fusable(best_energy);
}

void fused_tabu_step(const RowEnergyKernel& kernel, Target& target, ChainBatch& chains, torch::Tensor& tabu_until,
                     torch::Tensor& best_energy, const torch::Tensor& gumbel, const torch::Tensor& tenure_draws,
                     const TabuRule& rule) {
  FusedRows rows(chains, target, /*start_from_old_states=*/true);
  const int64_t categories = chains.y.size(-1), variables = rows.values() / categories;
  const torch::Tensor gumbel_values = gumbel.defined() ? gumbel.contiguous() : gumbel;
  const torch::Tensor tenure_values = tenure_draws.defined() ? tenure_draws.contiguous() : tenure_draws;
  const torch::Tensor energy_in = chains.energy.contiguous();
  const float* old_energy = energy_in.data_ptr<float>();
  const float* uniforms = gumbel_values.defined() ? gumbel_values.data_ptr<float>() : nullptr;
  const float* tenure_uniforms = tenure_values.defined() ? tenure_values.data_ptr<float>() : nullptr;
  float* until = tabu_until.data_ptr<float>();
  float* best = best_energy.data_ptr<float>();
  at::parallel_for(0, rows.rows(), 1, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t at = r * rows.values();
      const TabuMove move = choose_tabu_move(rows.old_state(r), rows.old_gradient(r), until + at, rows.mask(r),
                                             uniforms ? uniforms + at : nullptr, old_energy[r], best[r], variables,
                                             categories, rule);
      if (move.variable >= 0) {
        float tenure = std::floor(old_energy[r] * float(rule.tenure_energy)) + float(rule.tenure);
        tenure += float(rule.step);
        if (tenure_uniforms) tenure += std::floor(tenure_uniforms[r] * float(rule.tenure_random));
        until[at + move.variable * categories + move.left] = tenure;
        float* cell = rows.new_state(r) + move.variable * categories;
        std::fill_n(cell, categories, 0.0f);
        cell[move.category] = 1.0f;
      }
      rows.evaluate(kernel, r);
      best[r] = std::min(best[r], rows.new_energy(r));
    }
  });
  rows.commit(target, chains);
}

}  // namespace ebm
