#include "tasks/sat/energies.h"

#include "tasks/sat/clause_kernels.h"
#include "tasks/sat/encoding.h"

#include <torch/torch.h>

#include <vector>

namespace ebm::sat {

namespace {

// P(literal is false) of every clause slot: [B, C, L].
torch::Tensor slot_values(const torch::Tensor& index, const torch::Tensor& answer) {
  auto q = literal_false_columns(answer);
  return q.gather(1, index.reshape({index.size(0), -1})).view(index.sizes());
}

struct ClauseProducts {
  torch::Tensor clause;  // [B, C]: prod over the clause's slots
  torch::Tensor others;  // [B, C, L]: prod over the clause's other slots (no division: zeros are fine)
};

ClauseProducts clause_products(const torch::Tensor& slots) {
  const auto slot = slots.unbind(2);
  const size_t length = slot.size();
  // before[l] = prod_{l' < l}, after[l] = prod_{l' > l}; undefined = the empty product 1.
  std::vector<torch::Tensor> before(length), after(length), others(length);
  for (size_t l = 1; l < length; ++l) before[l] = before[l - 1].defined() ? before[l - 1] * slot[l - 1] : slot[l - 1];
  for (size_t l = length - 1; l-- > 0;) after[l] = after[l + 1].defined() ? after[l + 1] * slot[l + 1] : slot[l + 1];
  for (size_t l = 0; l < length; ++l) {
    if (before[l].defined() && after[l].defined()) others[l] = before[l] * after[l];
    else if (before[l].defined()) others[l] = before[l];
    else if (after[l].defined()) others[l] = after[l];
    else others[l] = torch::ones_like(slot[l]);
  }
  return {others.back() * slot.back(), torch::stack(others, 2)};
}

torch::Tensor gradient_from(const torch::Tensor& index, const torch::Tensor& others, const torch::Tensor& answer) {
  const int64_t rows = answer.size(0), columns = answer[0].numel();
  auto by_column = torch::zeros({rows, columns + 2}, answer.options());
  by_column.scatter_add_(1, index.reshape({rows, -1}), others.reshape({rows, -1}));
  return by_column.narrow(1, 0, columns).view(answer.sizes());
}

}  // namespace

torch::Tensor ClauseViolationEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  const bool differentiable = torch::GradMode::is_enabled() && answer.requires_grad();
  if (!differentiable && clause_kernels_apply(condition, answer)) return clause_energy_cpu(condition, answer, nullptr);
  return slot_values(condition, answer).prod(2).sum(1);
}

namespace {

class ClauseRowKernel : public RowEnergyKernel {
 public:
  ClauseRowKernel(torch::Tensor index, int64_t columns) : index_(std::move(index)), columns_(columns) {}
  double accumulate(int64_t row, const float* answer, float weight, float* gradient) const override {
    const int64_t clauses = index_.size(1), length = index_.size(2);
    return clause_row_energy<float>(index_.data_ptr<int64_t>() + row * clauses * length, answer, clauses, length,
                                    columns_, weight, gradient);
  }

 private:
  torch::Tensor index_;  // int64 [B, C, L], contiguous on the CPU (held: the kernel reads it)
  int64_t columns_;      // V * 2
};

}  // namespace

RowKernelPtr ClauseViolationEnergy::row_kernel(const torch::Tensor& condition, torch::IntArrayRef answer_shape) {
  if (answer_shape.size() != 2 || answer_shape[1] != 2 || !condition.defined() ||
      !clause_kernels_apply(condition, torch::empty({0}, torch::kFloat)))
    return nullptr;
  return std::make_shared<ClauseRowKernel>(condition.contiguous(), answer_shape[0] * 2);
}

EnergyAndGradient ClauseViolationEnergy::closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                                         const torch::Tensor& answer) {
  if (clause_kernels_apply(condition, answer)) {
    EnergyAndGradient out;
    out.energy = clause_energy_cpu(condition, answer, &out.gradient);
    return out;
  }
  const auto products = clause_products(slot_values(condition, answer));
  return {products.clause.sum(1), gradient_from(condition, products.others, answer)};
}

}  // namespace ebm::sat
