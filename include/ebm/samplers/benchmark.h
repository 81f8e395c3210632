// Sampler benchmark: time per step of the full driver (sampler + bookkeeping) next to the bare
// energy + gradient evaluation on the same batch. Used by `ebm bench samplers`.
#pragma once

#include "ebm/answer_space.h"
#include "ebm/energy.h"

#include <torch/types.h>

#include <string>
#include <vector>

namespace ebm {

struct BenchmarkRow {
  std::string spec;            // the sampler spec as run
  int64_t chains = 0, dimension = 0, steps = 0;
  double microseconds_per_step = 0.0;
  double steps_per_second = 0.0;
  double evaluations_per_step = 0.0;  // candidate evaluations / chains / step
  double overhead = 0.0;              // us/step / (evaluations_per_step * bare us/eval) - 1
};

struct BenchmarkSetup {
  EnergyPtr energy;
  AnswerSpace space;
  int64_t chains = 64;
  int64_t steps = 200;
  int64_t warmup = 20;
  torch::Device device = torch::kCPU;
  uint64_t seed = 0;
};

// Microseconds per batched energy + gradient evaluation of `chains` candidates (median of 5 runs
// of `steps` evaluations each).
double time_energy_and_gradient(const BenchmarkSetup& setup);
// Runs the driver with `spec` for setup.steps steps (no early stopping) and times it: one warm-up
// run of steps/2, then the median of 5.
BenchmarkRow benchmark_sampler(const std::string& spec, const BenchmarkSetup& setup, double bare_microseconds);

}  // namespace ebm
