#include "ebm/samplers/benchmark.h"

#include "ebm/device.h"
#include "ebm/evaluation/metrics.h"
#include "ebm/target.h"
#include "ebm/samplers/registry.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>

namespace ebm {

double time_energy_and_gradient(const BenchmarkSetup& setup) {
  auto options = torch::TensorOptions().dtype(torch::kFloat).device(setup.device);
  auto gen = make_generator(setup.seed, setup.device);
  Target target(setup.energy, {}, setup.space, {}, setup.chains);
  auto y = setup.space.random_init(setup.chains, gen, options);
  for (int64_t i = 0; i < std::max<int64_t>(setup.warmup, setup.steps / 2); ++i) target.evaluate(y, true);
  std::vector<double> runs;
  for (int run = 0; run < 5; ++run) {
    synchronize(setup.device);
    auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < setup.steps; ++i) target.evaluate(y, true);
    synchronize(setup.device);
    runs.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
                   setup.steps);
  }
  return percentile(runs, 0.5);
}

BenchmarkRow benchmark_sampler(const std::string& spec_text, const BenchmarkSetup& setup, double bare_microseconds) {
  DriverOptions defaults;
  defaults.chains = setup.chains;
  defaults.seed = setup.seed;
  SamplerSpec spec = parse_sampler_spec(spec_text, defaults);
  RunRequest request;
  request.energy = setup.energy;
  request.space = setup.space;
  request.device = setup.device;
  spec.driver.max_steps = std::max<int64_t>(setup.warmup, setup.steps / 2);  // warm caches, allocator, threads
  run_sampler(*spec.sampler, request, spec.driver);

  BenchmarkRow row;
  row.spec = spec.text;
  row.chains = setup.chains;
  row.dimension = setup.space.numel();
  row.steps = setup.steps;
  spec.driver.max_steps = setup.steps;
  std::vector<double> runs;
  for (int run = 0; run < 5; ++run) {
    RunResult result = run_sampler(*spec.sampler, request, spec.driver);
    runs.push_back(result.summary.elapsed_ms * 1000.0 / std::max<int64_t>(1, result.summary.steps));
    row.evaluations_per_step =
        double(result.summary.evaluations - setup.chains) / setup.chains / std::max<int64_t>(1, result.summary.steps);
  }
  row.microseconds_per_step = percentile(runs, 0.5);
  row.steps_per_second = 1e6 / row.microseconds_per_step;
  row.overhead = row.microseconds_per_step / (row.evaluations_per_step * bare_microseconds) - 1.0;
  return row;
}

}  // namespace ebm
