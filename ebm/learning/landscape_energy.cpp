#include "ebm/learning/landscape_energy.h"

#include <torch/nn/functional/activation.h>
#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

namespace ebm {

EnergyHead parse_energy_head(const std::string& name) {
  if (name == "square") return EnergyHead::Square;
  if (name == "residual") return EnergyHead::Residual;
  if (name == "linear") return EnergyHead::Linear;
  throw std::invalid_argument("energy head must be 'square', 'residual' or 'linear', got '" + name + "'");
}

const char* energy_head_name(EnergyHead head) {
  switch (head) {
    case EnergyHead::Square: return "square";
    case EnergyHead::Residual: return "residual";
    case EnergyHead::Linear: return "linear";
  }
  return "unknown";
}

void LandscapeEnergy::set_landscape(int64_t k) {
  if (k < 0 || k >= landscapes())
    throw std::out_of_range("landscape " + std::to_string(k) + " of an energy with " + std::to_string(landscapes()));
  landscape_ = k;
}

nlohmann::json MlpShape::to_json() const {
  return {{"input", input}, {"output", output}, {"hidden", hidden}, {"layers", layers}};
}

MlpShape MlpShape::from_json(const nlohmann::json& j) {
  MlpShape shape;
  for (auto [name, field] : {std::pair<const char*, int64_t*>{"input", &shape.input}, {"output", &shape.output},
                             {"hidden", &shape.hidden}, {"layers", &shape.layers}}) {
    if (!j.contains(name) || !j[name].is_number_integer() || j[name].get<int64_t>() < 1)
      throw std::invalid_argument(std::string("mlp architecture: '") + name + "' must be an integer >= 1");
    *field = j[name].get<int64_t>();
  }
  return shape;
}

namespace {

// Linear layers input -> hidden (x layers) -> output, registered as "fc0", "fc1", ...
torch::nn::ModuleList mlp_layers(torch::nn::Module& owner, int64_t input, int64_t hidden, int64_t layers, int64_t output) {
  torch::nn::ModuleList list;
  int64_t width = input;
  for (int64_t l = 0; l < layers; ++l) {
    list->push_back(torch::nn::Linear(width, hidden));
    width = hidden;
  }
  list->push_back(torch::nn::Linear(width, output));
  return owner.register_module("fc", list);
}

// The MLP's output plus the linear skip of its input (the skip carries what is linear in the input,
// such as a sum, past the hidden width).
torch::Tensor run_mlp(torch::nn::ModuleList& layers, torch::nn::Linear skip, const torch::Tensor& input) {
  torch::Tensor h = input;
  const size_t last = layers->size() - 1;
  for (size_t l = 0; l < layers->size(); ++l) {
    h = layers->ptr<torch::nn::LinearImpl>(l)->forward(h);
    if (l != last) h = torch::silu(h);
  }
  return skip ? h + skip->forward(input) : h;
}

torch::nn::Linear skip_layer(torch::nn::Module& owner, int64_t input, int64_t output) {
  return owner.register_module("skip", torch::nn::Linear(torch::nn::LinearOptions(input, output).bias(false)));
}

}  // namespace

MlpLandscapeEnergy::MlpLandscapeEnergy(MlpShape shape, int64_t landscapes, EnergyHead head)
    : LandscapeEnergy("MlpLandscapeEnergy"), shape_(shape), landscapes_(landscapes), head_(head) {
  if (landscapes < 1) throw std::invalid_argument("mlp energy: landscapes must be >= 1");
  const int64_t f_width = head == EnergyHead::Linear ? 1 : shape.output;
  layers_ = mlp_layers(*this, shape.input + shape.output + landscapes, shape.hidden, shape.layers, f_width);
  if (head != EnergyHead::Linear) skip_ = skip_layer(*this, shape.input + shape.output + landscapes, f_width);
}

torch::Tensor MlpLandscapeEnergy::forward(const torch::Tensor& condition, const torch::Tensor& answer) {
  const int64_t rows = answer.size(0);
  auto x = condition.reshape({rows, -1});
  auto y = answer.reshape({rows, -1});
  if (x.size(1) != shape_.input || y.size(1) != shape_.output)
    throw std::invalid_argument("mlp energy: expected condition of " + std::to_string(shape_.input) + " and answer of " +
                                std::to_string(shape_.output) + " entries, got " + std::to_string(x.size(1)) + " and " +
                                std::to_string(y.size(1)));
  auto level = torch::zeros({rows, landscapes_}, y.options());
  level.select(1, landscape_).fill_(1.0);
  auto f = run_mlp(layers_, skip_, torch::cat({x.to(y.dtype()), y, level}, 1));
  if (head_ == EnergyHead::Linear) return f.squeeze(1);
  if (head_ == EnergyHead::Residual) f = y - f;
  return 0.5 * f.pow(2).sum(1);
}

nlohmann::json MlpLandscapeEnergy::architecture() const {
  auto j = shape_.to_json();
  j["kind"] = "mlp-energy";
  j["landscapes"] = landscapes_;
  j["head"] = energy_head_name(head_);
  return j;
}

std::string MlpLandscapeEnergy::describe() const {
  return "mlp-energy(" + std::to_string(shape_.layers) + "x" + std::to_string(shape_.hidden) + ", " +
         std::to_string(landscapes_) + " landscapes, " + energy_head_name(head_) + " head)";
}

MlpRegressor::MlpRegressor(MlpShape shape, std::vector<int64_t> answer_shape)
    : Regressor("MlpRegressor"), shape_(shape), answer_shape_(std::move(answer_shape)) {
  layers_ = mlp_layers(*this, shape.input, shape.hidden, shape.layers, shape.output);
  skip_ = skip_layer(*this, shape.input, shape.output);
}

torch::Tensor MlpRegressor::forward(const torch::Tensor& condition) {
  const int64_t rows = condition.size(0);
  auto x = condition.reshape({rows, -1});
  if (x.size(1) != shape_.input)
    throw std::invalid_argument("mlp regressor: expected a condition of " + std::to_string(shape_.input) +
                                " entries, got " + std::to_string(x.size(1)));
  std::vector<int64_t> shape{rows};
  shape.insert(shape.end(), answer_shape_.begin(), answer_shape_.end());
  return run_mlp(layers_, skip_, x.to(torch::kFloat)).reshape(shape);
}

nlohmann::json MlpRegressor::architecture() const {
  auto j = shape_.to_json();
  j["kind"] = "mlp-regressor";
  j["answer_shape"] = answer_shape_;
  return j;
}

}  // namespace ebm
