#include "ebm/sampler.h"

#include <torch/torch.h>

namespace ebm {

ChainBatch ChainBatch::select_rows(const torch::Tensor& index) const {
  ChainBatch out;
  out.y = y.index_select(0, index);
  out.energy = energy.index_select(0, index);
  if (gradient.defined()) out.gradient = gradient.index_select(0, index);
  return out;
}

namespace {
torch::Tensor where_rows(const torch::Tensor& mask, const torch::Tensor& a, const torch::Tensor& b) {
  auto shape = std::vector<int64_t>(a.dim(), 1);
  shape[0] = mask.size(0);
  return torch::where(mask.view(shape), a, b);
}
}  // namespace

void ChainBatch::assign_where(const torch::Tensor& mask, const ChainBatch& other) {
  y = where_rows(mask, other.y, y);
  energy = torch::where(mask, other.energy, energy);
  if (gradient.defined() && other.gradient.defined()) gradient = where_rows(mask, other.gradient, gradient);
}

void evaluate_chains(const Target& target, ChainBatch& chains, bool want_gradient) {
  auto eg = target.evaluate(chains.y, want_gradient);
  chains.energy = eg.energy;
  chains.gradient = eg.gradient;
}

void Sampler::energy_changed(Target& target, ChainBatch& chains) { evaluate_chains(target, chains, needs_gradient()); }

}  // namespace ebm
