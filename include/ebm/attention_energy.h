// A neural energy over categorical answers that must discover which variables interact: self-attention
// over all V positions with no mask and no graph given. Task-neutral: it knows V variables of K
// categories and nothing of any task's rules (ebm/learning/attention_training.h trains it for
// `ebm train TASK --model attention`).
//
//   answer y [B, V, K] (relaxed: one probability row per variable; givens are part of y, clamped)
//   h_v   = W_in y_v + p_v                      p: a learned embedding per position [V, width]
//   layer  h = h + Attention(LN(h))             heads over all positions (nothing masked)
//          h = h + W_2 silu(W_1 LN(h))          per position, hidden 2 x width
//   E(y)  = sum_v softplus(w . LN(h_v) + b)     >= 0
// Gradient by autograd. The condition is not used.
#pragma once

#include "ebm/energy.h"

#include <nlohmann/json.hpp>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cstdint>
#include <string>

namespace ebm {

struct AttentionShape {
  int64_t variables = 0;   // V in [1, 4096]
  int64_t categories = 0;  // K in [2, 256]
  int64_t width = 64;      // in [8, 4096], a multiple of heads
  int64_t layers = 3;      // in [1, 64]
  int64_t heads = 4;       // in [1, 64]

  nlohmann::json to_json() const;
  // Throws std::invalid_argument naming a missing or bad field.
  static AttentionShape from_json(const nlohmann::json& j);
  int64_t parameter_count() const;  // closed form of the module's count
};

inline constexpr const char* kAttentionEnergyKind = "attention-energy";

class AttentionEnergy : public Energy {
 public:
  explicit AttentionEnergy(const AttentionShape& shape);
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  std::string describe() const override;
  const AttentionShape& shape() const { return shape_; }
  // Mean attention weight between positions over heads and layers, [V, V], for an answer batch
  // [B, V, K] (averaged over it): what the energy looks at.
  torch::Tensor attention_map(const torch::Tensor& answer);

 private:
  torch::Tensor embed(const torch::Tensor& answer);
  // One residual attention + feed-forward block on h [V, B, width]; its attention weights into
  // *weights when non-null.
  torch::Tensor layer(int64_t l, const torch::Tensor& h, torch::Tensor* weights);
  AttentionShape shape_;
  torch::nn::Linear input_{nullptr}, readout_{nullptr};
  torch::Tensor positions_;
  torch::nn::ModuleList attention_, feed_in_, feed_out_, norms_;
  torch::nn::LayerNorm final_norm_{nullptr};
};

}  // namespace ebm
