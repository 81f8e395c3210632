// Shared pieces of the concrete samplers: options handling and small tensor helpers.
#pragma once

#include "ebm/options.h"
#include "ebm/sampler.h"

#include <torch/types.h>

#include <stdexcept>
#include <string>

namespace ebm {

// Base for a sampler configured by an Options struct with bind() and is_valid(); `name` is its name().
template <typename Options>
class SamplerWithOptions : public Sampler {
 public:
  explicit SamplerWithOptions(Options options, const std::string& name) : options_(std::move(options)), name_(name) {
    std::string error;
    if (!options_.is_valid(&error)) throw std::invalid_argument(name + ": " + error);
  }
  std::string name() const override { return name_; }
  const Options& options() const { return options_; }
  std::string describe() const override {
    Options copy = options_;
    OptionSet set(name());
    copy.bind(set);
    return name() + ":" + set.current_values();
  }

 protected:
  Options options_;

 private:
  std::string name_;
};

// Base for a sampler that wraps another (annealing, tempering): owns the wrapped `base_`, refuses a
// null one with `usage` as the example, and forwards what the base decides (gradient, energy values,
// space). describe() = "name:options/base's describe()".
template <typename Options>
class WrappingSampler : public SamplerWithOptions<Options> {
 public:
  WrappingSampler(Options options, const std::string& name, SamplerPtr base, const std::string& usage)
      : SamplerWithOptions<Options>(std::move(options), name), base_(std::move(base)) {
    if (!base_) throw std::invalid_argument(name + ": needs a base sampler, e.g. " + usage);
  }
  std::string describe() const override { return SamplerWithOptions<Options>::describe() + "/" + base_->describe(); }
  bool needs_gradient() const override { return base_->needs_gradient(); }
  bool uses_energy_values() const override { return base_->uses_energy_values(); }
  bool takes_rows_mid_run() const override { return base_->takes_rows_mid_run(); }
  void check_space(const AnswerSpace& space) const override { base_->check_space(space); }

 protected:
  SamplerPtr base_;
};

// Reshapes a per-row tensor [N] so it broadcasts against [N, *shape] of `like`.
torch::Tensor per_row(const torch::Tensor& values, const torch::Tensor& like);
// Sum over every dimension but the first: [N, ...] -> [N].
torch::Tensor row_sum(const torch::Tensor& x);
// Metropolis-Hastings: row n of `chains` takes `proposal`'s with probability min(1, exp(log_ratio[n])).
// Returns the acceptance probability [N].
torch::Tensor metropolis_step(const torch::Tensor& log_ratio, ChainBatch& chains, const ChainBatch& proposal,
                              NoiseSource& noise);
// Throws unless the space is a real one (or, with allow_categorical, any relaxed space).
void require_continuous(const std::string& sampler, const AnswerSpace& space);
void require_one_hot(const std::string& sampler, const AnswerSpace& space);

}  // namespace ebm
