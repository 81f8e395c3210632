// A learned pairwise energy over categorical answers: a Potts model / Boltzmann machine with a
// coupling between every pair of (variable, category) entries and a field per entry. Task-neutral:
// it knows V variables of K categories and nothing of any task's rules; what it knows of a task it
// learned from solved examples (ebm/learning/pairwise_training.h trains it for `ebm train TASK
// --model pairwise`).
//
//   answer y [B, V, K] (one-hot, or one probability row per variable when relaxed), x = y flattened
//   E(y) = 1/2 x^T J x - h^T x + c,   h [V*K],  c a constant,  dE/dy = J x - h (closed form)
//   J [V*K, V*K] symmetric: dense, J = (A + A^T) / 2 (rank 0), or factored, J = F F^T with F
//   [V*K, R] (rank R > 0: 2R instead of V*K multiply-adds per entry of J x, fewer when 2R < V*K; what the null-space
//   fit writes, R = the rules it found)
// Block (u, v) of J (K x K) couples variable u with v; the diagonal blocks (u = u) are self terms:
// on one-hot answers they only add a constant per category, on relaxed answers they decide how a
// spread row is valued. Pseudo-likelihood sees only the off-diagonal blocks (below); the null-space
// fit sets every block.
//
// Three ways to learn it from solved answers (categories int64 [n, V]):
//   pseudo_likelihood_loss  mean over answers and variables of -log p(y_v | y_-v), where
//                           p(y_v = k | y_-v) ~ exp(h_vk - sum_{u != v} (J_vu x_u)_k); with
//                           group_sparsity() (sum over pairs u < v of |J_uv|_F, over V) the blocks of
//                           pairs that do not interact shrink to ~0: the interaction graph is readable.
//   fit_null_space          closed form: the directions along which every training answer agrees
//                           (eigenvalues of their covariance below `tolerance` x the mean eigenvalue)
//                           are the linear rules the answers obey; E(y) = scale |P (x - mean)|^2 with
//                           P the projector onto those directions, so E = 0 on every answer that obeys
//                           all of them and > 0 elsewhere, on one-hot and relaxed answers alike.
//   (contrastive training with a replay buffer: ebm/learning/pairwise_training.h)
// The condition is not used: a task's givens are clamped by the sampler.
#pragma once

#include "ebm/energy.h"

#include <nlohmann/json.hpp>
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace ebm {

struct PairwiseShape {
  int64_t variables = 0;   // V >= 1
  int64_t categories = 0;  // K >= 2
  int64_t rank = 0;        // 0 = dense couplings; R in [1, V*K] = factored, J = F F^T

  nlohmann::json to_json() const;  // {"variables": V, "categories": K, "rank": R}
  // Throws std::invalid_argument naming a missing or bad field (V in [1, 65536], K in [2, 256],
  // V*K <= 16384 so that J fits in memory: 1 GiB at the largest; rank in [0, V*K], 0 when absent).
  static PairwiseShape from_json(const nlohmann::json& j);
  int64_t entries() const { return variables * categories; }
  int64_t parameter_count() const { return entries() * (rank > 0 ? rank : entries()) + entries(); }
};

// Checkpoint kind of a pairwise energy.
inline constexpr const char* kPairwiseEnergyKind = "pairwise-energy";

class PairwiseEnergy : public Energy {
 public:
  explicit PairwiseEnergy(const PairwiseShape& shape);  // J = 0 (F = 0), h = 0, c = 0

  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override;
  EnergyAndGradient closed_form_energy_and_gradient(const torch::Tensor& condition,
                                                    const torch::Tensor& answer) override;
  bool has_closed_form_gradient() const override { return true; }
  std::string describe() const override;

  const PairwiseShape& shape() const { return shape_; }
  torch::Tensor couplings() const;  // J, symmetric [V*K, V*K]
  const torch::Tensor& fields() const { return fields_; }

  // Logits of each variable's category given all the others [B, V, K] (off-diagonal blocks only).
  // one_hot: [B, V, K].
  torch::Tensor conditional_logits(const torch::Tensor& one_hot) const;
  // Strength of each pair's interaction [V, V]: |C J_uv C|_F with C = I - 1/K (the part of the
  // block that a field cannot absorb); the diagonal is 0.
  torch::Tensor interaction_strength() const;

  // Sets the couplings (J for rank 0, symmetrised; F [V*K, R] otherwise), h and c, without gradients.
  // Throws std::invalid_argument on other shapes.
  void assign(const torch::Tensor& couplings, const torch::Tensor& fields, double constant);

 private:
  void check_answer(const torch::Tensor& answer) const;
  torch::Tensor times_couplings(const torch::Tensor& x) const;  // x J, x [B, V*K]
  torch::Tensor off_diagonal() const;                           // 1 off the diagonal blocks, 0 on them
  PairwiseShape shape_;
  torch::Tensor couplings_, fields_, constant_;  // couplings_: A (rank 0) or F
};

// -log pseudo-likelihood, mean over answers and variables. categories: int64 [n, V].
torch::Tensor pseudo_likelihood_loss(const PairwiseEnergy& energy, const torch::Tensor& categories);
// sum over pairs u < v of |J_uv|_F, divided by V.
torch::Tensor group_sparsity(const PairwiseEnergy& energy);

struct NullSpaceFit {
  int64_t examples = 0;         // answers the moments came from
  int64_t rules = 0;            // dimension of the null space: linear rules every answer obeys
  double largest_rule = 0;      // largest covariance eigenvalue counted as a rule
  double smallest_freedom = 0;  // smallest eigenvalue above the tolerance (the gap's other side)
  nlohmann::json to_json() const;
};
// Fits a pairwise energy in closed form from answers (int64 [n, V]) of K categories: rank = the
// rules found, J = 2 scale P = F F^T. Throws std::invalid_argument when the answers have no rule (no
// eigenvalue below the tolerance) or bad shapes.
std::pair<std::shared_ptr<PairwiseEnergy>, NullSpaceFit> fit_null_space(const torch::Tensor& categories,
                                                                        int64_t categories_count, double scale,
                                                                        double tolerance = 1e-3);

// The strong pairs of a strength matrix [V, V] (symmetric, diagonal ignored): sorted descending,
// the cut is at the largest ratio between neighbours (s_i / s_{i+1}, s_{i+1} floored at 1e-12 of
// the maximum). Returns bool [V, V] (symmetric) and the ratio at the cut.
struct InteractionGraph {
  torch::Tensor strong;  // bool [V, V]
  double threshold = 0;  // strengths >= threshold are strong
  double gap_ratio = 0;  // s_cut / s_next
  int64_t pairs = 0;     // unordered strong pairs
};
InteractionGraph strong_pairs(const torch::Tensor& strength);

// Precision and recall of `found` (bool [V, V]) against `truth` (bool [V, V]), over unordered pairs.
struct PairRecovery {
  int64_t truth = 0, found = 0, correct = 0;
  double precision = 0, recall = 0;
};
PairRecovery pair_recovery(const torch::Tensor& found, const torch::Tensor& truth);

}  // namespace ebm
