#include "ebm/pairwise_energy.h"

#include "ebm/learning/json_fields.h"

#include <ATen/ATen.h>
#include <c10/util/StringUtil.h>
#include <torch/linalg.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace ebm {

namespace {


torch::Tensor one_hot_answers(const torch::Tensor& categories, const PairwiseShape& shape) {
  if (categories.dim() != 2 || categories.size(1) != shape.variables || categories.scalar_type() != torch::kLong)
    throw std::invalid_argument(c10::str("pairwise energy: answers must be int64 [n, ", shape.variables, "], got ",
                                         categories.sizes()));
  if (categories.numel() > 0 && (categories.min().item<int64_t>() < 0 ||
                                 categories.max().item<int64_t>() >= shape.categories))
    throw std::invalid_argument(c10::str("pairwise energy: answer categories must lie in [0, ", shape.categories, ")"));
  return at::one_hot(categories, shape.categories).to(torch::kFloat);
}

// [V*K, V*K] -> [V, V, K, K] blocks.
torch::Tensor blocks(const torch::Tensor& j, const PairwiseShape& s) {
  return j.reshape({s.variables, s.categories, s.variables, s.categories}).permute({0, 2, 1, 3});
}

}  // namespace

nlohmann::json PairwiseShape::to_json() const {
  return {{"variables", variables}, {"categories", categories}, {"rank", rank}};
}

PairwiseShape PairwiseShape::from_json(const nlohmann::json& j) {
  PairwiseShape s;
  s.variables = integer_field(j, "pairwise energy", "variables", 1, 65536);
  s.categories = integer_field(j, "pairwise energy", "categories", 2, 256);
  if (s.entries() > 16384)
    throw std::invalid_argument(c10::str("pairwise energy: variables x categories must be <= 16384, got ",
                                         s.entries()));
  s.rank = j.contains("rank") ? integer_field(j, "pairwise energy", "rank", 0, s.entries()) : 0;
  return s;
}

PairwiseEnergy::PairwiseEnergy(const PairwiseShape& shape) : Energy("PairwiseEnergy"), shape_(shape) {
  (void)PairwiseShape::from_json(shape.to_json());  // throws on a bad shape
  const int64_t d = shape.entries();
  couplings_ = register_parameter("couplings", torch::zeros({d, shape.rank > 0 ? shape.rank : d}));
  fields_ = register_parameter("fields", torch::zeros({d}));
  constant_ = register_buffer("constant", torch::zeros({}));
}

void PairwiseEnergy::check_answer(const torch::Tensor& answer) const {
  if (answer.dim() != 3 || answer.size(1) != shape_.variables || answer.size(2) != shape_.categories)
    throw std::invalid_argument(c10::str("PairwiseEnergy: answers must be [B, ", shape_.variables, ", ",
                                         shape_.categories, "], got ", answer.sizes()));
}

torch::Tensor PairwiseEnergy::couplings() const {
  if (shape_.rank > 0) return at::matmul(couplings_, couplings_.t());
  return (couplings_ + couplings_.t()) * 0.5;
}

torch::Tensor PairwiseEnergy::times_couplings(const torch::Tensor& x) const {
  if (shape_.rank > 0) return at::matmul(at::matmul(x, couplings_), couplings_.t());
  return at::matmul(x, couplings());
}

torch::Tensor PairwiseEnergy::off_diagonal() const {
  auto diagonal = at::kron(torch::eye(shape_.variables, fields_.options()),
                           torch::ones({shape_.categories, shape_.categories}, fields_.options()));
  return 1.0 - diagonal;
}

torch::Tensor PairwiseEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  return closed_form_energy_and_gradient(condition, answer).energy;
}

EnergyAndGradient PairwiseEnergy::closed_form_energy_and_gradient(const torch::Tensor&, const torch::Tensor& answer) {
  check_answer(answer);
  auto x = answer.reshape({answer.size(0), shape_.entries()});
  auto jx = times_couplings(x);
  auto energy = ((jx * 0.5 - fields_) * x).sum(1) + constant_;
  return {energy, (jx - fields_).reshape(answer.sizes())};
}

std::string PairwiseEnergy::describe() const {
  return c10::str("pairwise(", shape_.variables, "x", shape_.categories, ")");
}

torch::Tensor PairwiseEnergy::conditional_logits(const torch::Tensor& one_hot) const {
  check_answer(one_hot);
  auto x = one_hot.reshape({one_hot.size(0), shape_.entries()});
  auto logits = fields_ - at::matmul(x, couplings() * off_diagonal());
  return logits.reshape(one_hot.sizes());
}

torch::Tensor PairwiseEnergy::interaction_strength() const {
  const int64_t k = shape_.categories;
  auto centre = torch::eye(k) - 1.0 / static_cast<double>(k);
  auto b = blocks(couplings().detach().cpu(), shape_);
  auto centred = at::matmul(at::matmul(centre, b), centre);
  auto strength = centred.square().sum({2, 3}).sqrt();
  return strength * (1.0 - torch::eye(shape_.variables));
}

void PairwiseEnergy::assign(const torch::Tensor& couplings, const torch::Tensor& fields, double constant) {
  torch::NoGradGuard no_grad;
  if (couplings.sizes() != couplings_.sizes() || fields.sizes() != fields_.sizes())
    throw std::invalid_argument(c10::str("PairwiseEnergy::assign: couplings must be ", couplings_.sizes(),
                                         " and fields ", fields_.sizes(), ", got ", couplings.sizes(), " and ",
                                         fields.sizes()));
  couplings_.copy_(shape_.rank > 0 ? couplings : (couplings + couplings.t()) * 0.5);
  fields_.copy_(fields);
  constant_.fill_(constant);
}

torch::Tensor pseudo_likelihood_loss(const PairwiseEnergy& energy, const torch::Tensor& categories) {
  const auto& s = energy.shape();
  auto one_hot = one_hot_answers(categories, s).to(energy.fields().device());
  auto logits = energy.conditional_logits(one_hot).reshape({-1, s.categories});
  return at::cross_entropy_loss(logits, categories.to(logits.device()).reshape({-1}));
}

torch::Tensor group_sparsity(const PairwiseEnergy& energy) {
  const auto& s = energy.shape();
  auto norms = (blocks(energy.couplings(), s).square().sum({2, 3}) + 1e-12).sqrt();
  auto upper = torch::ones({s.variables, s.variables}, norms.options()).triu(1);
  return (norms * upper).sum() / static_cast<double>(s.variables);
}

nlohmann::json NullSpaceFit::to_json() const {
  return {{"examples", examples}, {"rules", rules}, {"largest_rule_eigenvalue", largest_rule},
          {"smallest_free_eigenvalue", smallest_freedom}};
}

std::pair<std::shared_ptr<PairwiseEnergy>, NullSpaceFit> fit_null_space(const torch::Tensor& categories,
                                                                        int64_t categories_count, double scale,
                                                                        double tolerance) {
  if (!(scale > 0) || !(tolerance > 0))
    throw std::invalid_argument("null-space fit: scale and tolerance must be > 0");
  if (categories.dim() != 2) throw std::invalid_argument("null-space fit: answers must be int64 [n, V]");
  PairwiseShape s = PairwiseShape::from_json({{"variables", categories.size(1)}, {"categories", categories_count}});
  auto x = one_hot_answers(categories, s).reshape({-1, s.entries()}).to(torch::kDouble);
  if (x.size(0) < 2) throw std::invalid_argument("null-space fit: needs at least 2 answers");
  auto mean = x.mean(0);
  auto centred = x - mean;
  auto covariance = at::matmul(centred.t(), centred) / static_cast<double>(x.size(0));
  auto [eigenvalues, eigenvectors] = torch::linalg::eigh(covariance, "L");
  const double cut = tolerance * eigenvalues.mean().item<double>();
  auto rule = eigenvalues < cut;
  NullSpaceFit fit;
  fit.examples = x.size(0);
  fit.rules = rule.sum().item<int64_t>();
  if (fit.rules == 0) throw std::invalid_argument("null-space fit: the answers obey no linear rule");
  fit.largest_rule = eigenvalues.masked_select(rule).max().item<double>();
  auto free = eigenvalues.masked_select(rule.logical_not());
  fit.smallest_freedom = free.numel() ? free.min().item<double>() : 0.0;
  // scale |B^T (x - m)|^2 = 1/2 x^T F F^T x - (F F^T m)^T x + scale |B^T m|^2 with F = sqrt(2 scale) B.
  auto basis = eigenvectors.index({torch::indexing::Slice(), rule});
  auto factor = basis * std::sqrt(2.0 * scale);
  auto fields = at::matmul(factor, at::matmul(factor.t(), mean));
  const double constant = scale * at::matmul(basis.t(), mean).square().sum().item<double>();
  s.rank = fit.rules;
  auto energy = std::make_shared<PairwiseEnergy>(s);
  energy->assign(factor.to(torch::kFloat), fields.to(torch::kFloat), constant);
  return {energy, fit};
}

InteractionGraph strong_pairs(const torch::Tensor& strength) {
  const int64_t v = strength.size(0);
  if (strength.dim() != 2 || strength.size(1) != v || v < 2)
    throw std::invalid_argument("strong_pairs: strength must be [V, V] with V >= 2");
  auto upper = torch::ones({v, v}, torch::kBool).triu(1);
  auto values = std::get<0>(strength.detach().cpu().to(torch::kDouble).masked_select(upper).sort(0, true));
  const double top = values[0].item<double>();
  auto floored = values.clamp_min(std::max(top, 1e-300) * 1e-12);
  auto ratios = floored.narrow(0, 0, values.size(0) - 1) / floored.narrow(0, 1, values.size(0) - 1);
  InteractionGraph graph;
  const int64_t cut = ratios.argmax().item<int64_t>();
  graph.gap_ratio = ratios[cut].item<double>();
  graph.threshold = values[cut].item<double>();
  graph.strong = (strength.detach().cpu().to(torch::kDouble) >= graph.threshold) & upper;
  graph.strong = graph.strong | graph.strong.t();
  graph.pairs = cut + 1;
  return graph;
}

PairRecovery pair_recovery(const torch::Tensor& found, const torch::Tensor& truth) {
  if (found.sizes() != truth.sizes() || found.dim() != 2)
    throw std::invalid_argument("pair_recovery: found and truth must be bool [V, V] of one size");
  auto upper = torch::ones(found.sizes(), torch::kBool).triu(1);
  auto f = found.cpu().to(torch::kBool) & upper, t = truth.cpu().to(torch::kBool) & upper;
  PairRecovery r;
  r.truth = t.sum().item<int64_t>();
  r.found = f.sum().item<int64_t>();
  r.correct = (f & t).sum().item<int64_t>();
  r.precision = r.found ? double(r.correct) / double(r.found) : 0.0;
  r.recall = r.truth ? double(r.correct) / double(r.truth) : 0.0;
  return r;
}

}  // namespace ebm
