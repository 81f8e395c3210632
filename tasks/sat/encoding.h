// Tensor encoding of CNF formulas for the sampler driver.
//
// Answer y [B, V, 2]: one row per variable, category 0 = false, 1 = true (one-hot states for the discrete
// samplers, probabilities on the simplex for the relaxed ones). Decoding is argmax: int64 [B, V], 1 = true.
//
// Literal columns. Flatten y to [B, 2V] and append two constant columns:
//   q[b, 2(v-1)]     = y[b, v, false]  = P(literal +v is false)
//   q[b, 2(v-1) + 1] = y[b, v, true]   = P(literal -v is false)
//   q[b, 2V]         = 1               (padding literal: a factor that changes nothing)
//   q[b, 2V + 1]     = 0               (padding clause: a factor that makes the clause contribute 0)
// The condition of a formula is its clause index [C, L] int64 into q: row c lists the columns of clause c's
// literals, padded with column 2V up to L = the longest clause of the batch; rows beyond the formula's own
// clauses (padding to the batch's largest C) and always-true clauses (x or not x) hold column 2V+1 once.
// Repeated literals are kept once, so every clause's factor is multilinear in y.
#pragma once

#include "ebm/answer_space.h"
#include "tasks/sat/cnf.h"

#include <torch/types.h>

#include <vector>

namespace ebm::sat {

// Column of q holding P(literal is false): 2(v-1) for +v, 2(v-1)+1 for -v.
inline int64_t literal_column(int32_t literal) {
  const int64_t variable = literal > 0 ? literal : -static_cast<int64_t>(literal);
  return 2 * (variable - 1) + (literal < 0 ? 1 : 0);
}

// [B, C, L] int64 clause index of formulas that share V = `variables`; C and L are the batch's largest.
// Throws std::invalid_argument when a formula has a different number of variables.
torch::Tensor clause_index(const std::vector<const Formula*>& formulas, int64_t variables);

// q above: [B, 2V + 2] from y [B, V, 2].
torch::Tensor literal_false_columns(const torch::Tensor& y);

// The exact batched check of decoded assignments: decoded int64 [n, V] (1 = true), index [n, C, L] ->
// bool [n], true when every clause has a true literal. Integer arithmetic only.
torch::Tensor all_clauses_satisfied(const torch::Tensor& decoded, const torch::Tensor& index);
// Number of violated clauses of decoded assignments, float [n] on the device of `decoded`: a CPU loop
// (clause_kernels.h) on the CPU, tensor ops elsewhere.
torch::Tensor violated_clause_counts(const torch::Tensor& decoded, const torch::Tensor& index);
torch::Tensor violated_clause_counts_by_tensor_ops(const torch::Tensor& decoded, const torch::Tensor& index);

}  // namespace ebm::sat
