#include "ebm/answer_space.h"

#include <torch/torch.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace ebm {

namespace {

AnswerSpace validated(AnswerSpace space) {
  space.validate();
  return space;
}

}  // namespace

AnswerSpace AnswerSpace::real(std::vector<int64_t> shape, double lower, double upper) {
  return validated({AnswerKind::Real, std::move(shape), lower, upper});
}

AnswerSpace AnswerSpace::categorical(int64_t variables, int64_t categories, CategoricalParam param) {
  AnswerSpace s{AnswerKind::Categorical, {variables, categories}};
  s.param = param;
  return validated(s);
}

AnswerSpace AnswerSpace::one_hot(int64_t variables, int64_t categories) {
  return validated({AnswerKind::OneHot, {variables, categories}});
}

AnswerSpace AnswerSpace::mixed(int64_t variables, int64_t categories, double lower, double upper) {
  return validated({AnswerKind::Mixed, {variables, categories + 1}, lower, upper});
}

int64_t AnswerSpace::num_variables() const {
  return is_categorical() || kind == AnswerKind::Mixed ? shape.at(0) : numel();
}
int64_t AnswerSpace::num_categories() const {
  if (kind == AnswerKind::Mixed) return shape.at(1) - 1;
  return is_categorical() ? shape.at(1) : 0;
}

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
  if (kind == AnswerKind::Real || kind == AnswerKind::Mixed) {
    if (std::isnan(lower) || std::isnan(upper) || lower > upper)
      throw std::invalid_argument("answer space: box needs lower <= upper");
  }
  if (kind == AnswerKind::Mixed) {
    if (shape.size() != 2) throw std::invalid_argument("answer space: mixed shape must be {V, C + 1}");
    if (shape[1] < 3) throw std::invalid_argument("answer space: mixed needs C >= 2 categories plus the value");
  } else if (kind != AnswerKind::Real) {
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

namespace {

torch::Tensor clamp_to_box(const torch::Tensor& y, double lower, double upper) {
  if (std::isinf(lower) && std::isinf(upper)) return y;
  return y.clamp(std::isinf(lower) ? c10::optional<at::Scalar>() : c10::optional<at::Scalar>(lower),
                 std::isinf(upper) ? c10::optional<at::Scalar>() : c10::optional<at::Scalar>(upper));
}

// Real values of `dims`: uniform in the box when both bounds are finite, else N(0,1) clamped to it.
torch::Tensor random_in_box(std::vector<int64_t> dims, double lower, double upper, torch::Generator& gen,
                            const torch::TensorOptions& options) {
  if (std::isfinite(lower) && std::isfinite(upper)) return torch::rand(dims, gen, options) * (upper - lower) + lower;
  return clamp_to_box(torch::randn(dims, gen, options), lower, upper);
}

torch::Tensor random_one_hot(int64_t rows, int64_t variables, int64_t categories, torch::Generator& gen,
                             const torch::TensorOptions& options) {
  auto u = torch::rand({rows, variables}, gen, options);
  auto chosen = (u * categories).floor().clamp_max(categories - 1).to(torch::kLong);
  return torch::one_hot(chosen, categories).to(options);
}

}  // namespace

torch::Tensor AnswerSpace::project(const torch::Tensor& y) const {
  switch (kind) {
    case AnswerKind::Real:
      return clamp_to_box(y, lower, upper);
    case AnswerKind::Mixed: {
      const int64_t c = num_categories();
      return torch::cat({y.narrow(-1, 0, c), clamp_to_box(y.narrow(-1, c, 1), lower, upper)}, -1);
    }
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
  if (kind == AnswerKind::Mixed) {
    const int64_t c = num_categories();
    return torch::stack({y.narrow(-1, 0, c).argmax(-1).to(y.scalar_type()), y.select(-1, c)}, -1);
  }
  return y.argmax(-1);
}

torch::Tensor AnswerSpace::encode(const torch::Tensor& categories, const torch::TensorOptions& options,
                                  double logit_gap) const {
  if (kind == AnswerKind::Mixed) {
    if (categories.dim() != 3 || categories.size(2) != 2)
      throw std::invalid_argument("encode: a mixed space encodes decoded [N, V, 2] (category, value) tensors");
    auto chosen = categories.select(-1, 0).round().to(torch::kLong).clamp(0, num_categories() - 1);
    auto value = categories.select(-1, 1).to(options).unsqueeze(-1);
    return torch::cat({torch::one_hot(chosen, num_categories()).to(options), clamp_to_box(value, lower, upper)}, -1);
  }
  if (!is_categorical()) throw std::invalid_argument("encode: only categorical answer spaces encode categories");
  auto one_hot = torch::one_hot(categories.to(torch::kLong), num_categories()).to(options);
  if (kind == AnswerKind::Categorical && param == CategoricalParam::Logits) return (one_hot - 1.0) * logit_gap;
  return one_hot;
}

torch::Tensor AnswerSpace::random_init(int64_t rows, torch::Generator& gen,
                                       const torch::TensorOptions& options) const {
  auto dims = batch_shape(rows);
  switch (kind) {
    case AnswerKind::Real:
      return random_in_box(dims, lower, upper, gen, options);
    case AnswerKind::Categorical: {
      auto logits = torch::randn(dims, gen, options);
      return param == CategoricalParam::Logits ? project(logits) : torch::softmax(logits, -1);
    }
    case AnswerKind::OneHot:
      return random_one_hot(rows, num_variables(), num_categories(), gen, options);
    case AnswerKind::Mixed:
      return torch::cat({random_one_hot(rows, num_variables(), num_categories(), gen, options),
                         random_in_box({rows, num_variables(), 1}, lower, upper, gen, options)},
                        -1);
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
    case AnswerKind::Mixed:
      s << "mixed(" << num_variables() << "x(" << num_categories() << " + value in [" << lower << ", " << upper
        << "]))";
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

torch::Tensor repeat_each_row(const torch::Tensor& x, int64_t repeats_each) {
  std::vector<int64_t> expanded = x.sizes().vec(), merged = x.sizes().vec();
  expanded.insert(expanded.begin() + 1, repeats_each);
  merged[0] *= repeats_each;
  return x.unsqueeze(1).expand(expanded).reshape(merged);
}

Clamp Clamp::repeat_rows(int64_t repeats_each) const {
  if (!active()) return {};
  return {repeat_each_row(mask, repeats_each), repeat_each_row(values, repeats_each)};
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
