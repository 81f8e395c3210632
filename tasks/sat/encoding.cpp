#include "tasks/sat/encoding.h"

#include "tasks/sat/clause_kernels.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ebm::sat {

namespace {

// The distinct literal columns of a clause, or an empty list when the clause always holds.
std::vector<int64_t> clause_columns(const std::vector<int32_t>& clause, bool* always_true) {
  std::vector<int64_t> columns;
  *always_true = false;
  for (const int32_t literal : clause) {
    const int64_t column = literal_column(literal);
    if (std::find(columns.begin(), columns.end(), column ^ 1) != columns.end()) *always_true = true;
    if (std::find(columns.begin(), columns.end(), column) == columns.end()) columns.push_back(column);
  }
  return columns;
}

}  // namespace

torch::Tensor clause_index(const std::vector<const Formula*>& formulas, int64_t variables) {
  int64_t clauses = 1, length = 1;
  for (const Formula* formula : formulas) {
    if (formula->variables != variables)
      throw std::invalid_argument("sat: a batch mixes formulas of " + std::to_string(variables) + " and " +
                                  std::to_string(formula->variables) + " variables");
    clauses = std::max(clauses, formula->num_clauses());
    length = std::max<int64_t>(length, static_cast<int64_t>(formula->max_clause_length()));
  }
  const int64_t neutral = 2 * variables, zero = 2 * variables + 1;
  auto index = torch::full({static_cast<int64_t>(formulas.size()), clauses, length}, neutral, torch::kLong);
  auto cells = index.accessor<int64_t, 3>();
  for (size_t b = 0; b < formulas.size(); ++b) {
    for (int64_t c = 0; c < clauses; ++c) {
      bool always_true = true;
      std::vector<int64_t> columns;
      if (c < formulas[b]->num_clauses()) columns = clause_columns(formulas[b]->clauses[c], &always_true);
      if (always_true) columns = {zero};
      for (size_t l = 0; l < columns.size(); ++l) cells[b][c][l] = columns[l];
    }
  }
  return index;
}

torch::Tensor literal_false_columns(const torch::Tensor& y) {
  const int64_t rows = y.size(0);
  auto constants = torch::tensor({1.0, 0.0}, y.options()).expand({rows, 2});
  return torch::cat({y.reshape({rows, -1}), constants}, 1);
}

torch::Tensor violated_clause_counts_by_tensor_ops(const torch::Tensor& decoded, const torch::Tensor& index) {
  const int64_t rows = decoded.size(0), clauses = index.size(1), length = index.size(2);
  auto is_false = torch::one_hot(decoded.to(torch::kLong), 2).to(torch::kInt);  // [n, V, 2]: [v, 0] = v is false
  auto constants = torch::tensor({1, 0}, is_false.options()).expand({rows, 2});
  auto columns = torch::cat({is_false.reshape({rows, -1}), constants}, 1);
  auto literal_false = columns.gather(1, index.reshape({rows, -1})).view({rows, clauses, length});
  return (literal_false.sum(2) == length).sum(1).to(torch::kFloat);
}

torch::Tensor violated_clause_counts(const torch::Tensor& decoded, const torch::Tensor& index) {
  if (decoded.device().is_cpu() && index.device().is_cpu()) return violated_clause_counts_cpu(decoded, index);
  return violated_clause_counts_by_tensor_ops(decoded, index);
}

torch::Tensor all_clauses_satisfied(const torch::Tensor& decoded, const torch::Tensor& index) {
  return violated_clause_counts(decoded, index) == 0;
}

}  // namespace ebm::sat
