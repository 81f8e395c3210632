#include "bench/reference_steps/sat_reference.h"

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

constexpr float kTemperature = 0.2f, kScale = 0.5f;

// log sum_v e^{logit[v]}, n >= 1.
float log_sum_exp(const float* logit, int n) {
  float top = logit[0];
  for (int v = 1; v < n; ++v) top = logit[v] > top ? logit[v] : top;
  float total = 0.0f;
  for (int v = 0; v < n; ++v) total += fast_exp(logit[v] - top);
  return top + fast_log(total);
}

// The flip logits of a state: scale * -(G[v][other] - G[v][current]) / T.
void flip_logits(const float* y, const float* gradient, int variables, float* logit) {
  for (int v = 0; v < variables; ++v) {
    const int current = y[2 * v + 1] > 0.5f ? 1 : 0;
    logit[v] = -kScale * (gradient[2 * v + 1 - current] - gradient[2 * v + current]) / kTemperature;
  }
}

}  // namespace

SatReferenceChains::SatReferenceChains(int variables, const std::vector<std::vector<int>>& clauses, int64_t chains,
                                       uint64_t seed)
    : ChainTally(chains), variables_(variables), seed_(seed) {
  if (variables < 1 || clauses.empty() || chains < 1)
    throw std::invalid_argument("sat reference: needs variables, clauses and chains");
  clause_start_.push_back(0);
  for (const auto& clause : clauses) {
    for (int literal : clause) {
      const int v = literal > 0 ? literal : -literal;
      if (v < 1 || v > variables) throw std::invalid_argument("sat reference: literal " + std::to_string(literal));
      literal_column_.push_back(2 * (v - 1) + (literal < 0 ? 1 : 0));
    }
    clause_start_.push_back(static_cast<int32_t>(literal_column_.size()));
    prefix_.resize(std::max(prefix_.size(), clause.size()));
  }
  const int64_t values = 2 * int64_t(variables);
  y_.assign(chains * values, 0.0f);
  gradient_.assign(chains * values, 0.0f);
  proposal_.resize(values);
  proposal_gradient_.resize(values);
  uniforms_.resize(values + 1);
  logits_.resize(2 * int64_t(variables));
  const auto& kernels = noise_kernels::best_kernels();
  for (int64_t k = 0; k < chains; ++k) {
    kernels.uniform_f32(uniforms_.data(), variables, seed_, noise_block_);
    noise_block_ += noise_kernels::blocks_for(variables, false);
    float* y = &y_[k * values];
    for (int v = 0; v < variables; ++v) y[2 * v + (uniforms_[v] < 0.5f ? 0 : 1)] = 1.0f;
    energy_[k] = energy_and_gradient(y, &gradient_[k * values]);
    done_[k] = energy_[k] == 0.0;
  }
}

double SatReferenceChains::energy_and_gradient(const float* y, float* gradient) const {
  std::fill_n(gradient, 2 * variables_, 0.0f);
  double energy = 0.0;
  float* prefix = prefix_.data();
  const int clauses = static_cast<int>(clause_start_.size()) - 1;
  for (int c = 0; c < clauses; ++c) {
    const int32_t* slot = &literal_column_[clause_start_[c]];
    const int length = clause_start_[c + 1] - clause_start_[c];
    float product = 1.0f;
    for (int l = 0; l < length; ++l) prefix[l] = product, product *= y[slot[l]];
    energy += product;
    float suffix = 1.0f;
    for (int l = length - 1; l >= 0; --l) {
      gradient[slot[l]] += prefix[l] * suffix;
      suffix *= y[slot[l]];
    }
  }
  return energy;
}

void SatReferenceChains::step_chain(int64_t chain) {
  const int n = variables_;
  const int64_t values = 2 * int64_t(n);
  float* y = &y_[chain * values];
  float* gradient = &gradient_[chain * values];
  float* forward = logits_.data();
  float* reverse = logits_.data() + n;
  const auto& kernels = noise_kernels::best_kernels();
  kernels.uniform_f32(uniforms_.data(), values + 1, seed_, noise_block_);
  noise_block_ += noise_kernels::blocks_for(values + 1, false);

  flip_logits(y, gradient, n, forward);
  int chosen = 0;
  float best = -3.0e38f;
  for (int v = 0; v < n; ++v) {
    const int other = y[2 * v + 1] > 0.5f ? 0 : 1;
    const float score = forward[v] - fast_log(-fast_log(uniforms_[2 * v + other]));
    if (score > best) best = score, chosen = v;
  }
  std::copy_n(y, values, proposal_.data());
  const int previous = y[2 * chosen + 1] > 0.5f ? 1 : 0;
  proposal_[2 * chosen + previous] = 0.0f;
  proposal_[2 * chosen + 1 - previous] = 1.0f;
  const double proposed_energy = energy_and_gradient(proposal_.data(), proposal_gradient_.data());
  flip_logits(proposal_.data(), proposal_gradient_.data(), n, reverse);
  const double log_q_forward = forward[chosen] - log_sum_exp(forward, n);
  const double log_q_reverse = reverse[chosen] - log_sum_exp(reverse, n);
  const double log_ratio = -(proposed_energy - energy_[chain]) / kTemperature + log_q_reverse - log_q_forward;
  const double probability = log_ratio >= 0 ? 1.0 : std::exp(log_ratio);
  if (uniforms_[values] < probability) {
    std::copy_n(proposal_.data(), values, y);
    std::copy_n(proposal_gradient_.data(), values, gradient);
    energy_[chain] = proposed_energy;
  }
  if (energy_[chain] == 0.0) done_[chain] = 1;  // the verifier, every step (exact on one-hot states)
}

void SatReferenceChains::run(int64_t steps) {
  run_steps(steps, [this](int64_t chain) { step_chain(chain); });
}

}  // namespace ebm::reference_steps
