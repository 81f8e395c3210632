// The arithmetic of the fused CPU kernels, one row at a time on raw float memory: the loops that the
// energies' row kernels (<ebm/row_kernel.h>) and the samplers' fused steps are made of. Built on their
// own with -fno-trapping-math (ebm/meson.build) so that the clamps and polynomials vectorise; the
// exponentials and logarithms are those of fast_math.h (2e-7 relative).
#pragma once

#include <cstdint>

namespace ebm::fused {

// One row of a mirror (entropic) move over `variables` simplices of `categories` values, then its clamp:
//   out[v,:] = softmax(max(log p[v,:], log 1e-12) + sigma * noise[v,:] * free[v,:] - eta * gradient[v,:])
//   out[i]   = fixed[i] where frozen[i]
// (Keeping log p from one move to the next, to skip the logarithms, measured slower: the extra tensor's
// traffic costs more than one vectorised pass of fast_log.)
struct MirrorRow {
  const float* p = nullptr;         // the row's probabilities
  const float* gradient = nullptr;  // dE/dp
  const float* noise = nullptr;     // N(0, 1) normals, or null: no noise
  const bool* frozen = nullptr;     // clamped entries, or null: none
  const float* fixed = nullptr;     // their values
  float* out = nullptr;             // the new probabilities (must not overlap p)
};
void mirror_move(const MirrorRow& row, float sigma, float eta, int64_t variables, int64_t categories);

// Clamped entries of a direction (a gradient) become 0.
void zero_clamped(const bool* mask, int64_t count, float* direction);

// Purity of one row of simplices: E = sum_v (1 - sum_k p[v,k]^2); adds weight * dE/dp = -2 weight p.
double purity_accumulate(const float* p, int64_t variables, int64_t categories, float weight, float* gradient);

// Unit sums: each of `cells` cells belongs to `units_per_cell` of `units` units (unit_of_cell, cell-major);
// E = sum_{u,k} (sum_{c in u} p[c,k] - 1)^2, and adds weight * dE/dp[c,k] = 2 weight sum_{u of c} r[u,k].
// `residual` is scratch of units * categories floats.
double unit_sums_accumulate(const float* p, const int32_t* unit_of_cell, int units_per_cell, int64_t cells,
                            int64_t categories, int64_t units, float weight, float* gradient, float* residual);

}  // namespace ebm::fused
