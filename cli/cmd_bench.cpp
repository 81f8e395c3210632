// `ebm bench samplers`: steps per second of each sampler beside the bare energy + gradient.
#include "commands.h"
#include "option_checks.h"

#include "ebm/atomic_file.h"
#include "ebm/builtin_energies.h"
#include "ebm/device.h"
#include "ebm/memory_limit.h"
#include "ebm/samplers/benchmark.h"

#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>

namespace ebm::cli {

namespace {
struct BenchFlags {
  int64_t chains = 64, variables = 81, categories = 9, hidden = 32, steps = 200;
  int threads = 1;
  std::string device = "cpu", json;
  std::vector<std::string> samplers = {"gd",  "gd:momentum=0.9", "langevin", "mala", "hmc:leapfrog=5",
                                       "anneal:t_start=2,t_end=0.01/langevin", "tempering:replicas=4/langevin",
                                       "gwg", "dula", "dmala"};
};

bool is_discrete(const std::string& spec) {
  const std::string base = spec.substr(spec.rfind('/') == std::string::npos ? 0 : spec.rfind('/') + 1);
  return base.rfind("gwg", 0) == 0 || base.rfind("dula", 0) == 0 || base.rfind("dmala", 0) == 0;
}
}  // namespace

void add_bench_command(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "benchmarks");
  bench->require_subcommand(1);
  add_bench_task_commands(*bench);
  add_bench_chains_command(*bench);
  auto* cmd = bench->add_subcommand(
      "samplers",
      "time each sampler's step through the shared driver beside the bare energy+gradient on the same batch.\n"
      "Energy: mlp, E(y) = w^T tanh(W y + c) + |y|^2/2 with autograd gradient. Continuous samplers run on\n"
      "real(V*K), discrete ones on one-hot(V x K).");
  auto flags = std::make_shared<BenchFlags>();
  cmd->add_option("--chains", flags->chains, "chains in the batch")->capture_default_str()->check(integer_in(1, 1 << 20));
  cmd->add_option("--variables", flags->variables, "V: answer variables")
      ->capture_default_str()
      ->check(integer_in(1, 1000000));
  cmd->add_option("--categories", flags->categories, "K: categories per variable (dimension = V*K)")
      ->capture_default_str()
      ->check(integer_in(2, 10000));
  cmd->add_option("--hidden", flags->hidden, "hidden width of the MLP energy")
      ->capture_default_str()
      ->check(integer_in(1, 65536));
  cmd->add_option("--steps", flags->steps, "timed steps per run")->capture_default_str()->check(integer_in(1, 10000000));
  add_device_flags(cmd, flags->device, flags->threads);
  cmd->add_option("--sampler", flags->samplers, "sampler specs to time (repeatable)")
      ->capture_default_str()
      ->check(non_empty());
  cmd->add_option("--json", flags->json, "also write the rows as JSON to this file (atomically)")
      ->check(writable_output());
  cmd->callback([flags] {
    const int64_t dimension = flags->variables * flags->categories;
    // The chains' states and the sampler's copies of them, and the MLP's weights and activations.
    require_memory(8.0 * 4.0 * double(flags->chains) * double(dimension) +
                       4.0 * 4.0 * double(flags->hidden) * double(dimension + flags->chains),
                   "bench samplers with " + std::to_string(flags->chains) + " chains of dimension " +
                       std::to_string(dimension) + " and hidden width " + std::to_string(flags->hidden));
    const int threads = set_threads(flags->threads);
    const auto device = resolve_device(flags->device);
    BenchmarkSetup setup;
    setup.energy = std::make_shared<MlpEnergy>(dimension, flags->hidden, 0);
    setup.energy->to(device);
    setup.chains = flags->chains;
    setup.steps = flags->steps;
    setup.device = device;
    BenchmarkSetup discrete = setup;
    setup.space = AnswerSpace::real({dimension});
    discrete.space = AnswerSpace::one_hot(flags->variables, flags->categories);
    const double bare = time_energy_and_gradient(setup);
    const double bare_discrete = time_energy_and_gradient(discrete);

    std::cout << "device " << device_description(device) << ", threads " << threads << ", chains " << flags->chains
              << ", dimension " << dimension << ", energy " << setup.energy->describe() << "\n";
    std::cout << "bare energy+gradient: " << std::fixed << std::setprecision(1) << bare << " us (real), "
              << bare_discrete << " us (one-hot)\n\n";
    std::cout << std::left << std::setw(46) << "sampler" << std::right << std::setw(12) << "us/step" << std::setw(12)
              << "steps/s" << std::setw(12) << "evals/step" << std::setw(12) << "overhead" << "\n";
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& spec : flags->samplers) {
      const bool discrete_spec = is_discrete(spec);
      BenchmarkRow row = benchmark_sampler(spec, discrete_spec ? discrete : setup, discrete_spec ? bare_discrete : bare);
      std::cout << std::left << std::setw(46) << spec << std::right << std::setw(12) << std::setprecision(1)
                << row.microseconds_per_step << std::setw(12) << std::setprecision(0) << row.steps_per_second
                << std::setw(12) << std::setprecision(2) << row.evaluations_per_step << std::setw(11)
                << std::setprecision(1) << row.overhead * 100 << "%\n";
      rows.push_back({{"spec", row.spec}, {"chains", row.chains}, {"dimension", row.dimension},
                      {"us_per_step", row.microseconds_per_step}, {"steps_per_second", row.steps_per_second},
                      {"evaluations_per_step", row.evaluations_per_step}, {"overhead", row.overhead}});
    }
    if (!flags->json.empty()) {
      nlohmann::json out{{"device", device_description(device)}, {"threads", threads}, {"chains", flags->chains},
                         {"dimension", dimension}, {"hidden", flags->hidden}, {"bare_us_real", bare},
                         {"bare_us_one_hot", bare_discrete}, {"rows", rows}};
      write_file_atomically(flags->json, out.dump(2) + "\n");
    }
  });
}

}  // namespace ebm::cli
