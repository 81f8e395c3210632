#include "ebm/answer_space.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ebm {

AnswerSpace AnswerSpace::real(std::vector<int64_t> shape, double lower, double upper) {
  AnswerSpace s;
  s.kind = AnswerKind::Real;
  s.shape = std::move(shape);
  s.lower = lower;
  s.upper = upper;
  s.validate();
  return s;
}

AnswerSpace AnswerSpace::categorical(int64_t variables, int64_t categories, CategoricalParam param) {
  AnswerSpace s;
  s.kind = AnswerKind::Categorical;
  s.shape = {variables, categories};
  s.param = param;
  s.validate();
  return s;
}

AnswerSpace AnswerSpace::one_hot(int64_t variables, int64_t categories) {
  AnswerSpace s;
  s.kind = AnswerKind::OneHot;
  s.shape = {variables, categories};
  s.validate();
  return s;
}

int64_t AnswerSpace::num_variables() const { return is_categorical() ? shape.at(0) : numel(); }
int64_t AnswerSpace::num_categories() const { return is_categorical() ? shape.at(1) : 0; }

int64_t AnswerSpace::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::vector<int64_t> AnswerSpace::batch_shape(int64_t rows) const {
  std::vector<int64_t> s{rows};
  s.insert(s.end(), shape.begin(), shape.end());
  return s;
}

void AnswerSpace::validate() const {
  if (shape.empty()) throw std::invalid_argument("answer space: shape is empty");
  for (int64_t d : shape)
    if (d <= 0) throw std::invalid_argument("answer space: every dimension must be positive");
  if (kind == AnswerKind::Real) {
    if (std::isnan(lower) || std::isnan(upper) || lower > upper)
      throw std::invalid_argument("answer space: box needs lower <= upper");
  } else {
    if (shape.size() != 2) throw std::invalid_argument("answer space: categorical shape must be {V, K}");
    if (shape[1] < 2) throw std::invalid_argument("answer space: categorical needs K >= 2 categories");
  }
}

void AnswerSpace::check_batch(const torch::Tensor& y, const char* what) const {
  auto expected = batch_shape(y.defined() && y.dim() > 0 ? y.size(0) : 0);
  if (!y.defined() || y.sizes().vec() != expected || !y.is_floating_point()) {
    std::ostringstream s;
    s << what << ": expected a floating-point tensor of shape [N";
    for (int64_t d : shape) s << ", " << d;
    s << "], got ";
    if (y.defined()) s << y.sizes() << " " << y.dtype(); else s << "an undefined tensor";
    throw std::invalid_argument(s.str());
  }
}

torch::Tensor AnswerSpace::energy_input(const torch::Tensor& y) const {
  if (kind == AnswerKind::Categorical && param == CategoricalParam::Logits) return torch::softmax(y, -1);
  return y;
}

torch::Tensor project_to_simplex(const torch::Tensor& v) {
  // Sort-based projection (Held, Wolfe & Crowder 1974): w = max(v - theta, 0), sum w = 1.
  const int64_t k = v.size(-1);
  auto sorted = std::get<0>(v.sort(-1, /*descending=*/true));
  auto cumulative = sorted.cumsum(-1) - 1.0;
  auto ranks = torch::arange(1, k + 1, v.options());
  auto positive = (sorted - cumulative / ranks) > 0;
  auto rho = positive.sum(-1, /*keepdim=*/true) - 1;  // last index where the condition holds
  auto theta = cumulative.gather(-1, rho) / (rho + 1).to(v.scalar_type());
  return (v - theta).clamp_min(0.0);
}

torch::Tensor AnswerSpace::project(const torch::Tensor& y) const {
  switch (kind) {
    case AnswerKind::Real:
      if (std::isinf(lower) && std::isinf(upper)) return y;
      return y.clamp(std::isinf(lower) ? c10::optional<at::Scalar>() : c10::optional<at::Scalar>(lower),
                     std::isinf(upper) ? c10::optional<at::Scalar>() : c10::optional<at::Scalar>(upper));
    case AnswerKind::Categorical:
      if (param == CategoricalParam::Probabilities) return project_to_simplex(y);
      return y - std::get<0>(y.max(-1, /*keepdim=*/true));
    case AnswerKind::OneHot:
      return y;
  }
  return y;
}

torch::Tensor AnswerSpace::decode(const torch::Tensor& y) const {
  if (kind == AnswerKind::Real) return y;
  return y.argmax(-1);
}

torch::Tensor AnswerSpace::encode(const torch::Tensor& categories, const torch::TensorOptions& options,
                                  double logit_gap) const {
  if (!is_categorical()) throw std::invalid_argument("encode: only categorical answer spaces encode categories");
  auto one_hot = torch::one_hot(categories.to(torch::kLong), num_categories()).to(options);
  if (kind == AnswerKind::Categorical && param == CategoricalParam::Logits) return (one_hot - 1.0) * logit_gap;
  return one_hot;
}

torch::Tensor AnswerSpace::random_init(int64_t rows, torch::Generator& gen,
                                       const torch::TensorOptions& options) const {
  auto dims = batch_shape(rows);
  switch (kind) {
    case AnswerKind::Real: {
      if (std::isfinite(lower) && std::isfinite(upper))
        return torch::rand(dims, gen, options) * (upper - lower) + lower;
      return project(torch::randn(dims, gen, options));
    }
    case AnswerKind::Categorical: {
      auto logits = torch::randn(dims, gen, options);
      return param == CategoricalParam::Logits ? project(logits) : torch::softmax(logits, -1);
    }
    case AnswerKind::OneHot: {
      auto u = torch::rand({rows, num_variables()}, gen, options);
      auto categories = (u * num_categories()).floor().clamp_max(num_categories() - 1).to(torch::kLong);
      return torch::one_hot(categories, num_categories()).to(options);
    }
  }
  return {};
}

std::string AnswerSpace::describe() const {
  std::ostringstream s;
  auto dims = [&] {
    std::ostringstream d;
    for (size_t i = 0; i < shape.size(); ++i) d << (i ? "x" : "") << shape[i];
    return d.str();
  };
  switch (kind) {
    case AnswerKind::Real:
      s << "real(" << dims();
      if (std::isfinite(lower) || std::isfinite(upper)) s << ", box [" << lower << ", " << upper << "]";
      s << ")";
      break;
    case AnswerKind::Categorical:
      s << "categorical(" << dims() << ", "
        << (param == CategoricalParam::Logits ? "logits" : "probabilities") << ")";
      break;
    case AnswerKind::OneHot:
      s << "one-hot(" << dims() << ")";
      break;
  }
  return s.str();
}

torch::Tensor Clamp::apply(const torch::Tensor& y) const {
  if (!active()) return y;
  return torch::where(mask, values, y);
}

Clamp Clamp::select_rows(const torch::Tensor& index) const {
  if (!active()) return {};
  return {mask.index_select(0, index), values.index_select(0, index)};
}

Clamp Clamp::repeat_rows(int64_t repeats_each) const {
  if (!active()) return {};
  return {mask.repeat_interleave(repeats_each, 0), values.repeat_interleave(repeats_each, 0)};
}

Clamp Clamp::tile(int64_t copies) const {
  if (!active()) return {};
  std::vector<int64_t> reps(mask.dim(), 1);
  reps[0] = copies;
  return {mask.repeat(reps), values.repeat(reps)};
}

Clamp Clamp::to(const torch::Device& device) const {
  if (!active()) return {};
  return {mask.to(device), values.to(device)};
}

Clamp Clamp::categorical(const AnswerSpace& space, const torch::Tensor& fixed,
                         const torch::TensorOptions& options) {
  if (!space.is_categorical()) throw std::invalid_argument("Clamp::categorical needs a categorical answer space");
  if (fixed.dim() != 2 || fixed.size(1) != space.num_variables())
    throw std::invalid_argument("Clamp::categorical: fixed must be [N, V]");
  auto fixed_long = fixed.to(torch::kLong).to(options.device());
  auto is_fixed = fixed_long >= 0;
  auto mask = is_fixed.unsqueeze(-1).expand({fixed.size(0), space.num_variables(), space.num_categories()});
  auto values = space.encode(fixed_long.clamp_min(0), options);
  return {mask.contiguous(), values};
}

}  // namespace ebm
