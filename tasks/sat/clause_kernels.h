// CPU loops for the hot path of the clause-violation energy and the batched verifier. They compute
// exactly what the tensor-op versions in energies.cpp and encoding.cpp compute (the tests compare them),
// in one pass over the clause index without temporaries: on the CPU a step of the sampler is otherwise
// dominated by small-tensor op overheads and scatter_add. Layouts as in encoding.h.
#pragma once

#include <torch/types.h>

namespace ebm::sat {

// Whether the loops apply: every tensor on the CPU, y float or double, index int64, clauses of at most
// kMaxClauseLength slots.
constexpr int64_t kMaxClauseLength = 64;
bool clause_kernels_apply(const torch::Tensor& index, const torch::Tensor& y);

// One row: E of q (V*2 values) under its clause index (C x L slots), adding weight * dE/dq to g when g is
// non-null. The loop every form above and the energy's row kernel share.
template <typename Scalar>
double clause_row_energy(const int64_t* index, const Scalar* q, int64_t clauses, int64_t length, int64_t columns,
                         Scalar weight, Scalar* g);

// E [B] and, when `gradient` is non-null, dE/dy [B, V, 2] into *gradient, for y [B, V, 2] and index [B, C, L].
torch::Tensor clause_energy_cpu(const torch::Tensor& index, const torch::Tensor& y, torch::Tensor* gradient);

// Violated clauses of decoded assignments int64 [n, V] (1 = true) under index [n, C, L]: float [n].
torch::Tensor violated_clause_counts_cpu(const torch::Tensor& decoded, const torch::Tensor& index);

}  // namespace ebm::sat
