#include "ebm/attention_energy.h"

#include "ebm/learning/json_fields.h"

#include <c10/util/StringUtil.h>
#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

#include <stdexcept>

namespace ebm {

nlohmann::json AttentionShape::to_json() const {
  return {{"variables", variables}, {"categories", categories}, {"width", width}, {"layers", layers}, {"heads", heads}};
}

AttentionShape AttentionShape::from_json(const nlohmann::json& j) {
  AttentionShape s;
  s.variables = integer_field(j, "attention energy", "variables", 1, 4096);
  s.categories = integer_field(j, "attention energy", "categories", 2, 256);
  s.width = integer_field(j, "attention energy", "width", 8, 4096);
  s.layers = integer_field(j, "attention energy", "layers", 1, 64);
  s.heads = integer_field(j, "attention energy", "heads", 1, 64);
  if (s.width % s.heads != 0)
    throw std::invalid_argument(c10::str("attention energy: width (", s.width, ") must be a multiple of heads (",
                                         s.heads, ")"));
  return s;
}

int64_t AttentionShape::parameter_count() const {
  const int64_t w = width;
  return categories * w + w + variables * w + layers * (8 * w * w + 11 * w) + 2 * w + w + 1;
}

AttentionEnergy::AttentionEnergy(const AttentionShape& shape)
    : Energy("AttentionEnergy"), shape_(AttentionShape::from_json(shape.to_json())) {
  const int64_t w = shape_.width;
  input_ = register_module("input", torch::nn::Linear(shape_.categories, w));
  positions_ = register_parameter("positions", torch::randn({shape_.variables, w}) * 0.1);
  attention_ = register_module("attention", torch::nn::ModuleList());
  feed_in_ = register_module("feed_in", torch::nn::ModuleList());
  feed_out_ = register_module("feed_out", torch::nn::ModuleList());
  norms_ = register_module("norms", torch::nn::ModuleList());
  for (int64_t l = 0; l < shape_.layers; ++l) {
    attention_->push_back(torch::nn::MultiheadAttention(torch::nn::MultiheadAttentionOptions(w, shape_.heads)));
    feed_in_->push_back(torch::nn::Linear(w, 2 * w));
    feed_out_->push_back(torch::nn::Linear(2 * w, w));
    norms_->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
    norms_->push_back(torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
  }
  final_norm_ = register_module("final_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({w})));
  readout_ = register_module("readout", torch::nn::Linear(w, 1));
}

torch::Tensor AttentionEnergy::embed(const torch::Tensor& answer) {
  if (answer.dim() != 3 || answer.size(1) != shape_.variables || answer.size(2) != shape_.categories)
    throw std::invalid_argument(c10::str("AttentionEnergy: answers must be [B, ", shape_.variables, ", ",
                                         shape_.categories, "], got ", answer.sizes()));
  return input_->forward(answer) + positions_;
}

torch::Tensor AttentionEnergy::layer(int64_t l, const torch::Tensor& h, torch::Tensor* weights) {
  auto x = norms_[2 * l]->as<torch::nn::LayerNorm>()->forward(h);
  auto [mixed, attention] =
      attention_[l]->as<torch::nn::MultiheadAttention>()->forward(x, x, x, {}, weights != nullptr);
  if (weights) *weights = attention;
  auto out = h + mixed;
  x = norms_[2 * l + 1]->as<torch::nn::LayerNorm>()->forward(out);
  return out + feed_out_[l]->as<torch::nn::Linear>()->forward(
                   torch::silu(feed_in_[l]->as<torch::nn::Linear>()->forward(x)));
}

torch::Tensor AttentionEnergy::forward(const torch::Tensor&, const torch::Tensor& answer) {
  auto h = embed(answer).transpose(0, 1);  // [V, B, width]: the attention's sequence-first layout
  for (int64_t l = 0; l < shape_.layers; ++l) h = layer(l, h, nullptr);
  auto per_position = torch::softplus(readout_->forward(final_norm_->forward(h))).squeeze(-1);  // [V, B]
  return per_position.sum(0);
}

torch::Tensor AttentionEnergy::attention_map(const torch::Tensor& answer) {
  torch::NoGradGuard no_grad;
  auto h = embed(answer).transpose(0, 1);
  auto total = torch::zeros({shape_.variables, shape_.variables});
  for (int64_t l = 0; l < shape_.layers; ++l) {
    torch::Tensor weights;  // [B, V, V], averaged over heads
    h = layer(l, h, &weights);
    total += weights.mean(0).cpu();
  }
  return total / static_cast<double>(shape_.layers);
}

std::string AttentionEnergy::describe() const {
  return c10::str("attention(", shape_.variables, "x", shape_.categories, ", width=", shape_.width,
                  ", layers=", shape_.layers, ", heads=", shape_.heads, ")");
}

}  // namespace ebm
