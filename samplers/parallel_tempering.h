// Parallel tempering (replica exchange): wraps any sampler. Each chain runs `replicas` copies at
// temperatures T_r = T * t_max^(r / (replicas - 1)), r = 0 (the chain itself, at the row's T) up to
// the hottest; all replicas step together in one batch. After each step, neighbouring replicas
// (alternating even and odd pairs) swap states with probability
//   min(1, exp((1/T_r - 1/T_{r+1}) * (E_r - E_{r+1})))
// so states found hot reach the cold chain. Costs `replicas` times the base's evaluations.
// The swaps read only the energies that the base's step has just returned, so tempering needs current
// energies on entry exactly when its base does (uses_energy_values). When a wrapper changes the energy
// (annealing around tempering), energy_changed() re-evaluates every replica, not only the cold block
// that the driver sees.
#pragma once

#include "ebm/samplers/sampler_base.h"

namespace ebm {

struct ParallelTemperingOptions {
  int64_t replicas = 4;   // copies per chain, including the cold one; 1 = no tempering
  double t_max = 10.0;    // hottest replica's temperature relative to the cold one
  int64_t swap_every = 1; // steps between swap attempts

  void bind(OptionSet& o);
  bool is_valid(std::string* error) const;
};

class ParallelTemperingSampler : public WrappingSampler<ParallelTemperingOptions> {
 public:
  ParallelTemperingSampler(ParallelTemperingOptions options, SamplerPtr base)
      : WrappingSampler(std::move(options), "tempering", std::move(base), "tempering:replicas=8/mala") {}
  void begin(Target& target, ChainBatch& chains, const StepContext& context) override;
  StepStats step(Target& target, ChainBatch& chains, const StepContext& context) override;
  void keep_rows(const torch::Tensor& index, Target& target) override;
  void reset_rows(const torch::Tensor& mask, Target& target, ChainBatch& chains) override;
  // Replicas are laid out block by block: rows cannot join mid-run (throws).
  bool takes_rows_mid_run() const override { return false; }
  void append_rows(int64_t added, Target& target, ChainBatch& chains) override;
  // Re-evaluates all replicas (through the base, which may hold chains of its own), then `chains`
  // becomes the cold block again.
  void energy_changed(Target& target, ChainBatch& chains) override;

 private:
  torch::Tensor ladder(const Target& target) const;  // [R*N] temperatures, block r = replica r
  void swap_neighbours(int64_t parity, NoiseSource& noise);
  ChainBatch cold_block() const;  // rows 0 .. rows_-1 of replicas_: the driver's chains
  Target replicated_;    // R stacked copies of the driver's rows
  ChainBatch replicas_;  // [R*N, ...]; block 0 is the driver's chains
  int64_t rows_ = 0;
};

}  // namespace ebm
