// Target: what a sampler works on. An energy bound to one row of conditions per chain, an answer
// space, a clamp, and a temperature per row; it counts energy evaluations.
//
// Rows: every tensor here has one row per chain (N rows). A sampler sees only rows; which problem a
// row belongs to is the driver's business.
//
// Sampling density: pi(y) ~ exp(-E(y) / T_row). Minimisers ignore T.
#pragma once

#include "ebm/answer_space.h"
#include "ebm/energy.h"

#include <torch/types.h>

#include <memory>
#include <optional>

namespace ebm {

class Target {
 public:
  Target() = default;
  // condition_rows: [N, ...] or undefined (unconditional energy); clamp rows match N.
  Target(EnergyPtr energy, torch::Tensor condition_rows, AnswerSpace space, Clamp clamp, int64_t rows);

  int64_t rows() const { return rows_; }
  const AnswerSpace& space() const { return space_; }
  const Clamp& clamp() const { return clamp_; }
  const torch::Tensor& condition() const { return condition_; }
  Energy& energy() const { return *energy_; }
  // The energy as a weighted sum when it is one (annealing of term weights), else nullptr.
  WeightedSumEnergy* weighted_sum() const;

  // E(y) [N] and, if want_gradient, dE/dy [N, *shape] with clamped entries zeroed.
  // y: [N, *shape] in the space's state representation. Counts N evaluations.
  EnergyAndGradient evaluate(const torch::Tensor& y, bool want_gradient) const;

  // Projection onto the space, then the clamp: every state a sampler keeps goes through this.
  torch::Tensor finalize(const torch::Tensor& y) const { return clamp_.apply(space_.project(y)); }
  // Zeroes the clamped entries of a direction (gradient, momentum, noise).
  torch::Tensor mask_free(const torch::Tensor& direction) const;

  // [N] temperature per row (default 1).
  const torch::Tensor& temperature() const { return temperature_; }
  // The common temperature when every row has the same one (set by set_temperature(double)),
  // so samplers can use a scalar; empty after set_temperature(tensor).
  std::optional<double> uniform_temperature() const { return uniform_temperature_; }
  void set_temperature(const torch::Tensor& per_row);
  void set_temperature(double t);

  // The same target restricted to `index` rows (chains that are still running).
  Target select_rows(const torch::Tensor& index) const;
  // `copies` stacked copies ([copies*N] rows; block c is a copy of the original rows), sharing the
  // evaluation counter: replicas of parallel tempering.
  Target tile(int64_t copies) const;

  // Candidate evaluations so far, shared by every view made with select_rows/tile.
  int64_t evaluations() const { return *evaluations_; }
  // Counts `count` evaluations made without evaluate() (a sampler's fused step, <ebm/row_kernel.h>).
  void add_evaluations(int64_t count) const { *evaluations_ += count; }

 private:
  EnergyPtr energy_;
  torch::Tensor condition_;
  AnswerSpace space_;
  Clamp clamp_;
  int64_t rows_ = 0;
  torch::Tensor temperature_;
  std::optional<double> uniform_temperature_ = 1.0;
  std::shared_ptr<int64_t> evaluations_ = std::make_shared<int64_t>(0);
};

}  // namespace ebm
