#include "samplers/parallel_tempering.h"

#include <torch/torch.h>

#include <cmath>

namespace ebm {

namespace {
// [N] rows -> [copies*N], block c a copy of the original.
ChainBatch tile_chains(const ChainBatch& chains, int64_t copies) {
  std::vector<int64_t> reps(chains.y.dim(), 1);
  reps[0] = copies;
  ChainBatch tiled;
  tiled.y = chains.y.repeat(reps);
  tiled.energy = chains.energy.repeat({copies});
  if (chains.gradient.defined()) tiled.gradient = chains.gradient.repeat(reps);
  return tiled;
}
}  // namespace

void ParallelTemperingOptions::bind(OptionSet& o) {
  o.add("replicas", &replicas, "copies per chain including the cold one: T_r = T * t_max^(r/(replicas-1))", IntegerRange{1, 1024});
  o.add("t_max", &t_max, "hottest replica's temperature relative to the cold one", RealRange{1, 1e6});
  o.add("swap_every", &swap_every, "steps between swap attempts of neighbouring replicas", IntegerRange{1, 1000000});
}

bool ParallelTemperingOptions::is_valid(std::string* error) const {
  if (replicas < 1) return *error = "replicas must be >= 1, got " + std::to_string(replicas), false;
  if (!(t_max >= 1)) return *error = "t_max must be >= 1, got " + format_number(t_max), false;
  if (swap_every < 1) return *error = "swap_every must be >= 1", false;
  return true;
}

torch::Tensor ParallelTemperingSampler::ladder(const Target& target) const {
  const int64_t r = options_.replicas;
  auto exponent = r > 1 ? torch::arange(r, target.temperature().options()) / double(r - 1)
                        : torch::zeros({1}, target.temperature().options());
  auto factors = torch::pow(options_.t_max, exponent);  // [R]
  return (factors.unsqueeze(1) * target.temperature().unsqueeze(0)).flatten();
}

void ParallelTemperingSampler::begin(Target& target, ChainBatch& chains, const StepContext& context) {
  rows_ = chains.rows();
  replicated_ = target.tile(options_.replicas);
  replicas_ = tile_chains(chains, options_.replicas);
  replicated_.set_temperature(ladder(target));
  base_->begin(replicated_, replicas_, context);
}

void ParallelTemperingSampler::swap_neighbours(int64_t parity, NoiseSource& noise) {
  const int64_t r = options_.replicas, n = rows_;
  auto temperature = replicated_.temperature().view({r, n});
  auto energy = replicas_.energy.view({r, n});
  auto permutation = torch::arange(r * n, torch::TensorOptions().dtype(torch::kLong).device(energy.device())).view({r, n});
  for (int64_t lower = parity; lower + 1 < r; lower += 2) {
    auto log_ratio = (temperature[lower].reciprocal() - temperature[lower + 1].reciprocal()) *
                     (energy[lower] - energy[lower + 1]).to(temperature.scalar_type());
    auto probability = log_ratio.clamp_max(0.0).exp().nan_to_num(0.0);
    auto accept = noise.uniform({n}, probability.options()) < probability;
    auto a = permutation[lower].clone(), b = permutation[lower + 1].clone();
    permutation[lower] = torch::where(accept, b, a);
    permutation[lower + 1] = torch::where(accept, a, b);
  }
  replicas_ = replicas_.select_rows(permutation.flatten());
}

StepStats ParallelTemperingSampler::step(Target& target, ChainBatch& chains, const StepContext& context) {
  replicated_.set_temperature(ladder(target));
  StepStats stats = base_->step(replicated_, replicas_, context);
  if (options_.replicas > 1 && context.step % options_.swap_every == 0)
    swap_neighbours((context.step / options_.swap_every) % 2, *context.noise);
  chains = cold_block();
  if (stats.acceptance.defined()) stats.acceptance = stats.acceptance.narrow(0, 0, rows_);
  return stats;
}

ChainBatch ParallelTemperingSampler::cold_block() const {
  return replicas_.select_rows(torch::arange(rows_, torch::TensorOptions().dtype(torch::kLong).device(replicas_.y.device())));
}

void ParallelTemperingSampler::energy_changed(Target&, ChainBatch& chains) {
  base_->energy_changed(replicated_, replicas_);
  chains = cold_block();
}

void ParallelTemperingSampler::keep_rows(const torch::Tensor& index, Target& target) {
  const int64_t r = options_.replicas;
  auto offsets = torch::arange(r, index.options()).unsqueeze(1) * rows_;
  auto expanded = (offsets + index.unsqueeze(0)).flatten();
  rows_ = index.size(0);
  replicas_ = replicas_.select_rows(expanded);
  replicated_ = target.tile(r);
  replicated_.set_temperature(ladder(target));
  base_->keep_rows(expanded, replicated_);
}

void ParallelTemperingSampler::reset_rows(const torch::Tensor& mask, Target& target, ChainBatch& chains) {
  const int64_t r = options_.replicas;
  ChainBatch tiled = tile_chains(chains, r);
  auto tiled_mask = mask.repeat({r});
  replicas_.assign_where(tiled_mask, tiled);
  base_->reset_rows(tiled_mask, replicated_, replicas_);
}

void ParallelTemperingSampler::append_rows(int64_t, Target&, ChainBatch&) {
  throw std::invalid_argument("tempering: parallel tempering cannot admit chains mid-run (continuous batching); "
                              "use it with `ebm solve`, or serve with an annealed sampler");
}

}  // namespace ebm
