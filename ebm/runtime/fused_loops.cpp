#include "ebm/runtime/fused_loops.h"

#include "ebm/runtime/fast_math.h"

#include <algorithm>

namespace ebm::fused {

namespace {
constexpr float kProbabilityFloor = 1e-12f;  // the tensor path's clamp_min(1e-12) before the log
}  // namespace

void mirror_move(const MirrorRow& row, float sigma, float eta, int64_t variables, int64_t categories) {
  const int64_t values = variables * categories;
  const float* __restrict gradient = row.gradient;
  const float* __restrict noise = row.noise;
  const bool* __restrict frozen = row.frozen;
  float* __restrict out = row.out;
  const float* __restrict p = row.p;
  // Pass 1: the argument of the softmax, in `out` (vectorises: no branch, no call).
  auto floored_log = [p](int64_t i) {
    return fast_math::fast_log(p[i] > kProbabilityFloor ? p[i] : kProbabilityFloor);
  };
  if (noise != nullptr && sigma != 0.0f && frozen == nullptr) {
    for (int64_t i = 0; i < values; ++i) out[i] = floored_log(i) - eta * gradient[i] + sigma * noise[i];
  } else {
    for (int64_t i = 0; i < values; ++i) out[i] = floored_log(i) - eta * gradient[i];
    if (noise != nullptr && sigma != 0.0f)  // its own pass: a select on the mask in the pass above does not vectorise
      for (int64_t i = 0; i < values; ++i) out[i] += frozen[i] ? 0.0f : sigma * noise[i];
  }
  // Pass 2: each simplex shifted by its maximum; pass 3: every exponential in one flat loop (vectorises,
  // where a loop of `categories` values per simplex does not); pass 4: each simplex normalised.
  for (int64_t v = 0; v < variables; ++v) {
    float* x = out + v * categories;
    float top = x[0];
    for (int64_t k = 1; k < categories; ++k) top = x[k] > top ? x[k] : top;
    for (int64_t k = 0; k < categories; ++k) x[k] -= top;
  }
  for (int64_t i = 0; i < values; ++i) out[i] = fast_math::fast_exp(out[i]);
  for (int64_t v = 0; v < variables; ++v) {
    float* x = out + v * categories;
    float total = 0.0f;
    for (int64_t k = 0; k < categories; ++k) total += x[k];
    const float inverse = 1.0f / total;
    for (int64_t k = 0; k < categories; ++k) x[k] *= inverse;
  }
  if (frozen == nullptr) return;
  const float* __restrict fixed = row.fixed;
  for (int64_t i = 0; i < values; ++i) out[i] = frozen[i] ? fixed[i] : out[i];
}

void zero_clamped(const bool* __restrict mask, int64_t count, float* __restrict direction) {
  for (int64_t i = 0; i < count; ++i) direction[i] = mask[i] ? 0.0f : direction[i];
}

double purity_accumulate(const float* __restrict p, int64_t variables, int64_t categories, float weight,
                         float* __restrict gradient) {
  const int64_t values = variables * categories;
  float squares = 0.0f;
  const float scale = -2.0f * weight;
  for (int64_t i = 0; i < values; ++i) {
    squares += p[i] * p[i];
    gradient[i] += scale * p[i];
  }
  return double(variables) - double(squares);
}

double unit_sums_accumulate(const float* __restrict p, const int32_t* unit_of_cell, int units_per_cell, int64_t cells,
                            int64_t categories, int64_t units, float weight, float* __restrict gradient,
                            float* __restrict residual) {
  std::fill_n(residual, units * categories, -1.0f);
  for (int64_t c = 0; c < cells; ++c) {
    const float* pc = p + c * categories;
    for (int u = 0; u < units_per_cell; ++u) {
      float* __restrict r = residual + int64_t(unit_of_cell[c * units_per_cell + u]) * categories;
      for (int64_t k = 0; k < categories; ++k) r[k] += pc[k];
    }
  }
  double energy = 0.0;
  for (int64_t i = 0; i < units * categories; ++i) energy += double(residual[i]) * residual[i];
  const float scale = 2.0f * weight;
  for (int64_t c = 0; c < cells; ++c) {
    float* __restrict gc = gradient + c * categories;
    for (int u = 0; u < units_per_cell; ++u) {
      const float* r = residual + int64_t(unit_of_cell[c * units_per_cell + u]) * categories;
      for (int64_t k = 0; k < categories; ++k) gc[k] += scale * r[k];
    }
  }
  return energy;
}

}  // namespace ebm::fused
