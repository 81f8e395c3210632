#include "tasks/sat/clause_kernels.h"

#include <torch/torch.h>

#include <vector>

namespace ebm::sat {

namespace {

template <typename Scalar>
void energy_rows(const int64_t* index, const Scalar* y, int64_t rows, int64_t clauses, int64_t length,
                 int64_t columns, Scalar* energy, Scalar* gradient) {
  for (int64_t b = 0; b < rows; ++b)
    energy[b] = static_cast<Scalar>(clause_row_energy(index + b * clauses * length, y + b * columns, clauses, length,
                                                      columns, Scalar(1), gradient ? gradient + b * columns : nullptr));
}

}  // namespace

template <typename Scalar>
double clause_row_energy(const int64_t* index, const Scalar* q, int64_t clauses, int64_t length, int64_t columns,
                         Scalar weight, Scalar* g) {
  double value[kMaxClauseLength], before[kMaxClauseLength];
  double total = 0.0;
  for (int64_t c = 0; c < clauses; ++c) {
    const int64_t* slot = index + c * length;
    double product = 1.0;
    for (int64_t l = 0; l < length; ++l) {
      const int64_t column = slot[l];
      value[l] = column < columns ? static_cast<double>(q[column]) : (column == columns ? 1.0 : 0.0);
      before[l] = product;
      product *= value[l];
    }
    total += product;
    if (!g) continue;
    double after = 1.0;
    for (int64_t l = length - 1; l >= 0; --l) {
      if (slot[l] < columns) g[slot[l]] += static_cast<Scalar>(weight * before[l] * after);
      after *= value[l];
    }
  }
  return total;
}
template double clause_row_energy<float>(const int64_t*, const float*, int64_t, int64_t, int64_t, float, float*);
template double clause_row_energy<double>(const int64_t*, const double*, int64_t, int64_t, int64_t, double, double*);

bool clause_kernels_apply(const torch::Tensor& index, const torch::Tensor& y) {
  return index.device().is_cpu() && y.device().is_cpu() && index.scalar_type() == torch::kLong &&
         (y.scalar_type() == torch::kFloat || y.scalar_type() == torch::kDouble) && index.dim() == 3 &&
         index.size(2) <= kMaxClauseLength;
}

torch::Tensor clause_energy_cpu(const torch::Tensor& index, const torch::Tensor& y, torch::Tensor* gradient) {
  auto index_c = index.contiguous();
  auto y_c = y.contiguous();
  const int64_t rows = y.size(0), columns = y[0].numel(), clauses = index.size(1), length = index.size(2);
  auto energy = torch::empty({rows}, y.options());
  if (gradient) *gradient = torch::zeros_like(y_c);
  AT_DISPATCH_FLOATING_TYPES(y.scalar_type(), "clause_energy_cpu", [&] {
    energy_rows<scalar_t>(index_c.data_ptr<int64_t>(), y_c.data_ptr<scalar_t>(), rows, clauses, length, columns,
                          energy.data_ptr<scalar_t>(), gradient ? gradient->data_ptr<scalar_t>() : nullptr);
  });
  return energy;
}

torch::Tensor violated_clause_counts_cpu(const torch::Tensor& decoded, const torch::Tensor& index) {
  auto values = decoded.to(torch::kLong).contiguous();
  auto index_c = index.contiguous();
  const int64_t rows = values.size(0), variables = values.size(1), clauses = index.size(1), length = index.size(2);
  const int64_t neutral = 2 * variables;  // constant 1: a literal that is always false
  auto counts = torch::zeros({rows}, torch::kFloat);
  const int64_t* truth = values.data_ptr<int64_t>();
  const int64_t* slots = index_c.data_ptr<int64_t>();
  float* count = counts.data_ptr<float>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < clauses; ++c) {
      const int64_t* slot = slots + (r * clauses + c) * length;
      bool violated = true;
      for (int64_t l = 0; l < length && violated; ++l) {
        const int64_t column = slot[l];
        if (column == neutral) continue;
        // Column 2(v-1) is "+v is false" (v false), 2(v-1)+1 is "-v is false" (v true); 2V+1 = satisfied.
        violated = column < neutral && truth[r * variables + column / 2] == (column & 1);
      }
      count[r] += violated ? 1.0f : 0.0f;
    }
  }
  return counts;
}

}  // namespace ebm::sat
