// `ebm demo`: minimise a built-in energy with two samplers and print their summaries.
#include "cli/commands.h"

#include "ebm/builtin_energies.h"
#include "samplers/registry.h"

#include <iostream>

namespace ebm::cli {

void add_demo_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("demo", "minimise a built-in two-well energy with two samplers and print their summaries");
  auto seed = std::make_shared<int64_t>(1);
  cmd->add_option("--seed", *seed, "seed of both runs")->capture_default_str();
  cmd->callback([seed] {
    const int64_t dimension = 16;
    auto energy = std::make_shared<DoubleWellEnergy>(4.0);
    RunRequest request;
    request.energy = energy;
    request.problems = 4;
    request.space = AnswerSpace::real({dimension});
    std::cout << "Energy: " << energy->describe() << " on " << request.space.describe()
              << ", 4 problems; minima E = 0 at y = (+-1, 0, ..., 0)\n\n";
    for (const std::string text : {"gd:step=0.05,momentum=0.9,chains=8,steps=300,tol=1e-6",
                                   "anneal:t_start=2,t_end=0.001/langevin:step=0.01,chains=8,steps=600,tol=1e-3"}) {
      DriverOptions defaults;
      defaults.seed = static_cast<uint64_t>(*seed);
      SamplerSpec spec = parse_sampler_spec(text, defaults);
      RunResult result = run_sampler(*spec.sampler, request, spec.driver);
      std::cout << result.summary.FullReport();
      for (size_t p = 0; p < result.problems.size(); ++p)
        std::cout << "  problem " << p << ": E = " << result.problems[p].energy
                  << ", y_0 = " << result.problems[p].answer[0].item<double>() << "\n";
      std::cout << "\n";
    }
  });
}

}  // namespace ebm::cli
