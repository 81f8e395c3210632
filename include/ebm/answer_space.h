// Answer spaces: how a candidate answer y lives while it is minimised, and how it becomes the task's
// discrete answer.
//
//   Real         y in R^shape, optionally boxed: lower <= y <= upper (projection = clamp to the box).
//   Categorical  relaxed categorical, shape {V, K}: one simplex per variable. Stored either as
//                probabilities (rows on the simplex; projection = Euclidean projection onto it) or as
//                logits (unconstrained; energies see softmax(logits)).
//   OneHot       discrete categorical, shape {V, K}: every row exactly one-hot (discrete samplers).
//   Mixed        per variable a discrete choice among C categories and one real value in a box,
//                shape {V, C + 1}: y[v, 0:C] one-hot (the choice), y[v, C] the value, lower <= value
//                <= upper (a slot of a portfolio: which asset, and its weight). Projection keeps the
//                one-hot block and clamps the value; mixed samplers (samplers/mixed.h) move both.
//
// Energies always receive `energy_input(y)`: real values, or probabilities for both categorical kinds.
// A Clamp fixes some entries (a Sudoku's givens): every sampler leaves them at their clamped value.
#pragma once

#include <torch/types.h>

#include <limits>
#include <string>
#include <vector>

namespace ebm {

enum class AnswerKind { Real, Categorical, OneHot, Mixed };
enum class CategoricalParam { Probabilities, Logits };

struct AnswerSpace {
  AnswerKind kind = AnswerKind::Real;
  std::vector<int64_t> shape;  // per-candidate shape; {V, K} for the categorical kinds
  double lower = -std::numeric_limits<double>::infinity();  // Real: every entry; Mixed: the value column
  double upper = std::numeric_limits<double>::infinity();   // +inf / -inf = unbounded
  CategoricalParam param = CategoricalParam::Probabilities;  // Categorical only

  static AnswerSpace real(std::vector<int64_t> shape,
                          double lower = -std::numeric_limits<double>::infinity(),
                          double upper = std::numeric_limits<double>::infinity());
  static AnswerSpace categorical(int64_t variables, int64_t categories,
                                 CategoricalParam param = CategoricalParam::Probabilities);
  static AnswerSpace one_hot(int64_t variables, int64_t categories);
  // V variables, each one of `categories` choices (C >= 2) plus a real value in [lower, upper].
  static AnswerSpace mixed(int64_t variables, int64_t categories, double lower, double upper);

  // Categorical and OneHot: one categorical distribution per variable and nothing else (not Mixed).
  bool is_categorical() const { return kind == AnswerKind::Categorical || kind == AnswerKind::OneHot; }
  int64_t num_variables() const;   // V (categorical kinds and Mixed)
  int64_t num_categories() const;  // K (categorical kinds), C (Mixed: the one-hot block's width)
  int64_t numel() const;           // elements per candidate
  std::vector<int64_t> batch_shape(int64_t rows) const;  // {rows, *shape}

  // Throws std::invalid_argument naming the problem (empty shape, lower > upper, K < 2 ...).
  void validate() const;
  // Throws std::invalid_argument unless y is [N, *shape] floating point.
  void check_batch(const torch::Tensor& y, const char* what) const;

  // What energies see: softmax over K for logits, y itself otherwise.
  torch::Tensor energy_input(const torch::Tensor& y) const;
  // Nearest point of the space: box clamp (Real), simplex projection (probabilities), the
  // logits shifted so their row maximum is 0 (logits; softmax is unchanged), identity (OneHot),
  // the one-hot block kept and the value column clamped to the box (Mixed).
  torch::Tensor project(const torch::Tensor& y) const;
  // Real: y. Categorical kinds: argmax over K, int64 [N, V].
  // Mixed: [N, V, 2] in y's dtype: [..., 0] = the chosen category (argmax of the one-hot block, an
  // integer stored as a float), [..., 1] = the value.
  torch::Tensor decode(const torch::Tensor& y) const;
  // Categorical kinds: int64 [N, V] categories -> a state of this space at that answer
  // (one-hot / probabilities, or logits with gap `logit_gap` between chosen and others).
  // Mixed: a decoded [N, V, 2] (category, value) -> the state [N, V, C + 1] (value clamped to the box).
  torch::Tensor encode(const torch::Tensor& categories, const torch::TensorOptions& options,
                       double logit_gap = 30.0) const;
  // Random starting states [rows, *shape]: N(0,1) clipped to the box (uniform if both bounds are
  // finite); softmax of N(0,1) logits (probabilities); N(0,1) logits; uniform random one-hot;
  // Mixed: a uniform random one-hot block and a value drawn as for Real.
  torch::Tensor random_init(int64_t rows, torch::Generator& gen, const torch::TensorOptions& options) const;

  std::string describe() const;  // e.g. "categorical(81x9, probabilities)", "mixed(10x(30 + value in [0, 1]))"
};

// Euclidean projection of each row (last dimension) onto the probability simplex.
torch::Tensor project_to_simplex(const torch::Tensor& v);

// x [N, ...] -> [N*r, ...] with row i at rows i*r .. i*r+r-1: repeat_interleave(r, 0) without its
// host read of the output size (a device sync on a GPU).
torch::Tensor repeat_each_row(const torch::Tensor& x, int64_t repeats_each);

// Which answer entries are fixed, and to what. Undefined mask = nothing clamped.
struct Clamp {
  torch::Tensor mask;    // bool [N, *shape], true = fixed
  torch::Tensor values;  // [N, *shape], the fixed values where mask is true

  bool active() const { return mask.defined(); }
  // where(mask, values, y)
  torch::Tensor apply(const torch::Tensor& y) const;
  Clamp select_rows(const torch::Tensor& index) const;
  Clamp repeat_rows(int64_t repeats_each) const;  // row i -> rows i*r .. i*r+r-1
  Clamp tile(int64_t copies) const;               // [N] -> [copies*N], block c = the original
  Clamp to(const torch::Device& device) const;

  // Categorical kinds: fixed[n, v] = category to clamp variable v to, or -1 for free.
  static Clamp categorical(const AnswerSpace& space, const torch::Tensor& fixed,
                           const torch::TensorOptions& options);
};

}  // namespace ebm
