#include "ebm/target.h"

#include <torch/torch.h>

#include <stdexcept>

namespace ebm {

Target::Target(EnergyPtr energy, torch::Tensor condition_rows, AnswerSpace space, Clamp clamp, int64_t rows)
    : energy_(std::move(energy)),
      condition_(std::move(condition_rows)),
      space_(std::move(space)),
      clamp_(std::move(clamp)),
      rows_(rows) {
  if (!energy_) throw std::invalid_argument("Target: no energy");
  space_.validate();
  if (condition_.defined() && condition_.size(0) != rows_)
    throw std::invalid_argument("Target: condition has " + std::to_string(condition_.size(0)) + " rows, expected " +
                                std::to_string(rows_));
  if (clamp_.active() && clamp_.mask.size(0) != rows_)
    throw std::invalid_argument("Target: clamp has " + std::to_string(clamp_.mask.size(0)) + " rows, expected " +
                                std::to_string(rows_));
  if (clamp_.active()) {  // one row per chain in memory (repeat_rows may give stride-0 views): fused steps read rows
    clamp_.mask = clamp_.mask.contiguous();
    clamp_.values = clamp_.values.contiguous();
  }
  auto device = condition_.defined() ? condition_.device()
                                     : (clamp_.active() ? clamp_.mask.device() : torch::Device(torch::kCPU));
  temperature_ = torch::ones({rows_}, torch::TensorOptions().dtype(torch::kFloat).device(device));
}

WeightedSumEnergy* Target::weighted_sum() const { return dynamic_cast<WeightedSumEnergy*>(energy_.get()); }

EnergyAndGradient Target::evaluate(const torch::Tensor& y, bool want_gradient) const {
  *evaluations_ += y.size(0);
  EnergyAndGradient out;
  if (space_.kind == AnswerKind::Categorical && space_.param == CategoricalParam::Logits) {
    // The energy sees softmax(logits): differentiate through the softmax with autograd.
    torch::AutoGradMode grad_mode(want_gradient);
    auto logits = want_gradient ? y.detach().requires_grad_(true) : y;
    auto e = energy_->forward(condition_, space_.energy_input(logits));
    out.energy = e.detach();
    if (want_gradient) out.gradient = torch::autograd::grad({e.sum()}, {logits})[0];
  } else {
    out = energy_and_gradient(*energy_, condition_, y, want_gradient);
  }
  if (out.gradient.defined()) out.gradient = mask_free(out.gradient);
  return out;
}

torch::Tensor Target::mask_free(const torch::Tensor& direction) const {
  if (!clamp_.active()) return direction;
  return direction.masked_fill(clamp_.mask, 0.0);
}

void Target::set_temperature(const torch::Tensor& per_row) {
  if (per_row.numel() != rows_) throw std::invalid_argument("Target: temperature needs one value per row");
  temperature_ = per_row.to(temperature_.options()).reshape({rows_});
  uniform_temperature_.reset();
}

void Target::set_temperature(double t) {
  if (uniform_temperature_ == t) return;
  temperature_ = torch::full_like(temperature_, t);
  uniform_temperature_ = t;
}

Target Target::select_rows(const torch::Tensor& index) const {
  Target t = *this;
  t.condition_ = condition_.defined() ? condition_.index_select(0, index) : condition_;
  t.clamp_ = clamp_.select_rows(index);
  t.temperature_ = temperature_.index_select(0, index);
  t.rows_ = index.size(0);
  return t;
}

Target Target::tile(int64_t copies) const {
  Target t = *this;
  if (condition_.defined()) {
    std::vector<int64_t> reps(condition_.dim(), 1);
    reps[0] = copies;
    t.condition_ = condition_.repeat(reps);
  }
  t.clamp_ = clamp_.tile(copies);
  t.temperature_ = temperature_.repeat({copies});
  t.rows_ = rows_ * copies;
  return t;
}

}  // namespace ebm
