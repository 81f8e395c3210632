#include "samplers/gradient_descent.h"

#include <torch/torch.h>

namespace ebm {

void GradientDescentOptions::bind(OptionSet& o) {
  o.add("step", &step, "eta: v <- mu*v - eta*grad E; y <- y + v", RealRange{0, 1e6, true});
  o.add("momentum", &momentum, "mu in [0,1); 0 = plain gradient descent", RealRange{0, 1, false, true});
  o.add("nesterov", &nesterov, "Nesterov look-ahead: y <- y + mu*v - eta*grad E");
  o.add("mirror", &mirror, "entropic mirror descent on simplices: update log p, then softmax (probability spaces)");
}

bool GradientDescentOptions::is_valid(std::string* error) const {
  if (!(step > 0)) return *error = "step must be > 0, got " + format_number(step), false;
  if (!(momentum >= 0 && momentum < 1)) return *error = "momentum must be in [0, 1), got " + format_number(momentum), false;
  return true;
}

torch::Tensor move_state(const Target& target, const torch::Tensor& y, const torch::Tensor& delta, bool mirror) {
  if (!mirror) return target.finalize(y + delta);
  return target.clamp().apply(torch::softmax(y.clamp_min(1e-12).log() + delta, -1));
}

void check_mirror_space(const std::string& sampler, const AnswerSpace& space) {
  if (space.kind != AnswerKind::Categorical || space.param != CategoricalParam::Probabilities)
    throw std::invalid_argument(sampler + ": mirror=true needs a categorical answer space stored as probabilities, not " +
                                space.describe());
}

void GradientDescentSampler::check_space(const AnswerSpace& space) const {
  require_continuous(name(), space);
  if (options_.mirror) check_mirror_space(name(), space);
}

void GradientDescentSampler::begin(Target&, ChainBatch& chains, const StepContext&) {
  if (options_.momentum > 0) velocity_ = torch::zeros_like(chains.y);
}

StepStats GradientDescentSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  const double eta = options_.step * context.step_scale;
  torch::Tensor delta;
  if (options_.momentum > 0) {
    velocity_ = velocity_ * options_.momentum - chains.gradient * eta;
    delta = options_.nesterov ? velocity_ * options_.momentum - chains.gradient * eta : velocity_;
  } else {
    delta = chains.gradient * -eta;
  }
  chains.y = move_state(target, chains.y, delta, options_.mirror);
  evaluate_chains(target, chains, true);
  return {};
}

void GradientDescentSampler::keep_rows(const torch::Tensor& index, Target&) {
  if (velocity_.defined()) velocity_ = velocity_.index_select(0, index);
}

void GradientDescentSampler::reset_rows(const torch::Tensor& mask, Target&, ChainBatch&) {
  if (velocity_.defined()) velocity_ = velocity_.masked_fill(per_row(mask, velocity_), 0.0);
}

void GradientDescentSampler::append_rows(int64_t added, Target&, ChainBatch& chains) {
  if (!velocity_.defined()) return;
  auto shape = chains.y.sizes().vec();
  shape[0] = added;
  velocity_ = torch::cat({velocity_, torch::zeros(shape, velocity_.options())});
}

}  // namespace ebm
