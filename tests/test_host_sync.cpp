// Host synchronisations of the driver's loop (ebm/runtime/host_sync.h, <ebm/samplers/driver.h>): a step reads
// from the device at most once, whether nothing stops, rows stop, rows restart or the verifier runs.
// Counted on the CPU through LibTorch's operator observer, so a new `.item()` or `nonzero` anywhere
// in a step (driver, sampler, energy, verifier) shows up here.
#include <doctest/doctest.h>

#include "ebm/builtin_energies.h"
#include "ebm/device.h"
#include "ebm/runtime/host_sync.h"
#include "ebm/samplers/registry.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/sudoku/board.h"
#include "tasks/sudoku/encoding.h"
#include "tasks/sudoku/energies.h"

#include <torch/torch.h>

using namespace ebm;

namespace {

// What a run reads besides one read per step (and the initial states' check): whether every chain
// failed or, with chains still running, their finite rows; the per-chain records; the acceptance
// sum; the verifier's last word on unverified answers.
constexpr int64_t kFixedReads = 1 + 1 + 1 + 1 + 1;

struct CountedRun {
  RunResult result;
  int64_t host_syncs = 0;
};

CountedRun counted_run(const std::string& spec_text, const RunRequest& request) {
  SamplerSpec spec = parse_sampler_spec(spec_text, DriverOptions{});
  HostSyncCounter counter;
  CountedRun run{run_sampler(*spec.sampler, request, spec.driver), 0};
  run.host_syncs = counter.count();
  return run;
}

// Host synchronisations per step beyond a fixed cost: the runs of `spec_prefix` + "steps=S" for two
// budgets, whose difference cancels the set-up and the final read. Both budgets must end by budget.
double marginal_syncs_per_step(const std::string& spec_prefix, const RunRequest& request, int64_t short_steps,
                               int64_t long_steps) {
  auto shorter = counted_run(spec_prefix + ",steps=" + std::to_string(short_steps), request);
  auto longer = counted_run(spec_prefix + ",steps=" + std::to_string(long_steps), request);
  REQUIRE(shorter.result.summary.steps == short_steps);
  REQUIRE(longer.result.summary.steps == long_steps);
  return double(longer.host_syncs - shorter.host_syncs) / double(long_steps - short_steps);
}

RunRequest quadratic_request(int64_t problems) {
  RunRequest request;
  request.energy = std::make_shared<QuadraticEnergy>(torch::eye(3), torch::ones({3}));
  request.space = AnswerSpace::real({3});
  request.problems = problems;
  return request;
}

// One 9x9 puzzle with the Sudoku task's energy and exact verifier, as the task's solver builds it.
RunRequest sudoku_request(const std::string& puzzle, const Sampler& sampler, const torch::Device& device) {
  auto givens = sudoku::encode_givens({sudoku::parse_board(puzzle)}).to(device);
  RunRequest request;
  request.energy = sudoku::make_energy("constraint", 3, "", device);
  request.problems = 1;
  request.device = device;
  request.condition = givens;
  request.space = sampler_answer_space(sampler, sudoku::answer_space(3));
  request.clamp = sudoku::givens_clamp(request.space, givens, torch::TensorOptions().dtype(torch::kFloat).device(device));
  request.verifier = [givens](const torch::Tensor& decoded, const torch::Tensor& problem) {
    return sudoku::valid_completions(decoded, givens.index_select(0, problem), 3);
  };
  return request;
}

// Consistent givens without a completion: the verifier runs and never accepts.
const char* kContradictory = "12345678.........9...............................................................";
const char* kSolvable = "..596..1..96.5.2.3..3.4......2....589..7....6.7...8...26...93........6.2.......4.";

}  // namespace

TEST_SUITE("samplers") {
  TEST_CASE("the host synchronisation counter sees scalar reads, data-sized outputs and host copies only") {
    auto x = torch::arange(6, torch::kFloat);
    HostSyncCounter counter;
    auto y = torch::where(x > 2, x * 2, x).index_select(0, torch::tensor({1, 3}));  // device work only
    CHECK(counter.count() == 0);
    (void)y.sum().item<double>();
    CHECK(counter.count() == 1);
    (void)(x > 2).nonzero();
    CHECK(counter.count() == 2);
    (void)x.masked_select(x > 2);  // one, though it reads a count inside
    CHECK(counter.count() == 3);
    (void)host_copy(x);
    CHECK(counter.count() == 4);
    counter.reset();
    CHECK(counter.count() == 0);
  }

  TEST_CASE("a driver step reads from the device at most once (nothing stops, trace off)") {
    auto request = quadratic_request(2);
    for (const char* sampler : {"gd:step=0.01,chains=8", "langevin:step=0.01,noise=0.1,chains=8",
                                "mala:step=0.05,chains=8", "hmc:leapfrog=3,chains=8"}) {
      CAPTURE(sampler);
      CHECK(marginal_syncs_per_step(sampler, request, 10, 40) <= 1.0);
    }
    // The trace adds its own read of the row's figures: two per step then.
    CHECK(marginal_syncs_per_step("mala:step=0.05,chains=8,trace=true", request, 10, 40) <= 2.0);
  }

  TEST_CASE("steps where rows stop or restart still read once each, plus a fixed set-up and finish") {
    auto request = quadratic_request(3);
    // Chains reach the tolerance at different steps, one after another.
    auto stopping = counted_run("gd:step=0.02,chains=16,steps=2000,tol=1e-3", request);
    REQUIRE(stopping.result.summary.termination == TerminationType::Convergence);
    REQUIRE(stopping.result.summary.chains_at_tolerance == 48);
    CHECK(stopping.host_syncs <= stopping.result.summary.steps + kFixedReads);
    // Plateaus with restarts, then plateau stops.
    auto restarting = counted_run("gd:step=0.05,chains=4,steps=400,plateau=20,restarts=2", request);
    REQUIRE(restarting.result.summary.restarts == 2 * 4 * 3);
    REQUIRE(restarting.result.summary.chains_plateaued == 12);
    CHECK(restarting.host_syncs <= restarting.result.summary.steps + kFixedReads);
  }
}

TEST_SUITE("sudoku") {
  TEST_CASE("the default Sudoku sampler with the batched verifier reads from the device once per step") {
    const std::string spec_text = sudoku::default_sampler_spec("constraint");
    SamplerSpec spec = parse_sampler_spec(spec_text, DriverOptions{});
    std::vector<torch::Device> devices{torch::kCPU};
    if (cuda_available()) devices.emplace_back(torch::kCUDA);  // a CUDA LibTorch on a GPU (bench/gpu.sh)
    for (const auto& device : devices) {
      CAPTURE(device);
      auto unsolvable = sudoku_request(kContradictory, *spec.sampler, device);
      // verify_every=5 in the default spec: verifier steps and plain steps both count once.
      CHECK(marginal_syncs_per_step(spec_text + ",chains=32", unsolvable, 20, 60) <= 1.0);

      auto solvable = sudoku_request(kSolvable, *spec.sampler, device);
      auto solved = counted_run(spec_text + ",chains=32,steps=1000", solvable);
      REQUIRE(solved.result.problems.front().verified);
      CHECK(solved.host_syncs <= solved.result.summary.steps + kFixedReads);
    }
  }
}
