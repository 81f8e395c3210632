#include "ebm/samplers/sampler_base.h"

#include <torch/torch.h>

namespace ebm {

torch::Tensor per_row(const torch::Tensor& values, const torch::Tensor& like) {
  std::vector<int64_t> shape(like.dim(), 1);
  shape[0] = values.size(0);
  return values.view(shape);
}

torch::Tensor row_sum(const torch::Tensor& x) { return x.flatten(1).sum(1); }

torch::Tensor metropolis_step(const torch::Tensor& log_ratio, ChainBatch& chains, const ChainBatch& proposal,
                              NoiseSource& noise) {
  auto probability = log_ratio.clamp_max(0.0).exp().nan_to_num(0.0);
  auto u = noise.uniform({log_ratio.size(0)}, log_ratio.options());
  chains.assign_where(u < probability, proposal);
  return probability;
}

void require_continuous(const std::string& sampler, const AnswerSpace& space) {
  if (space.kind == AnswerKind::OneHot)
    throw std::invalid_argument(sampler + " moves continuous states; for one-hot answers use gwg, dula or dmala");
  if (space.kind == AnswerKind::Mixed)
    throw std::invalid_argument(sampler + " moves continuous states; for mixed answers (" + space.describe() +
                                ") use mixed");
}

void require_one_hot(const std::string& sampler, const AnswerSpace& space) {
  if (space.kind != AnswerKind::OneHot)
    throw std::invalid_argument(sampler + " samples discrete one-hot answers; this answer space is " + space.describe() +
                                (space.kind == AnswerKind::Mixed ? " (use mixed)" : ""));
}

}  // namespace ebm
