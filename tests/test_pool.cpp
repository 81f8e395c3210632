// Known-answer tests of continuous batching (samplers/pool.h, samplers/task_pool.h), cancellation
// and concurrent solves.
#include <doctest/doctest.h>

#include "ebm/samplers/pool.h"
#include "ebm/samplers/registry.h"
#include "ebm/samplers/task_pool.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"

#include <torch/torch.h>

#include <atomic>
#include <future>
#include <map>
#include <sstream>
#include <thread>

using namespace ebm;

namespace {

// E(c, y) = |y - c|^2: the answer of condition c is c itself.
struct DistanceEnergy : Energy {
  torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override {
    return (answer - condition).square().sum(1);
  }
};

// run_sampler on DistanceEnergy, one problem per condition row.
RunRequest distance_request(const torch::Tensor& condition) {
  RunRequest request;
  request.energy = std::make_shared<DistanceEnergy>();
  request.problems = condition.size(0);
  request.condition = condition;
  request.space = AnswerSpace::real({condition.size(1)});
  return request;
}

// Generated 9x9 Sudoku puzzles of the test split, as the task's problems.
std::vector<ProblemPtr> sudoku_problems(int64_t count, const std::string& tier, uint64_t seed) {
  auto task = find_task("sudoku");
  const GenerateRequest request{count, seed, Split::Test, {{"tier", tier}}};
  std::vector<ProblemPtr> problems;
  for (const auto& example : task->generate(request)) problems.push_back(example.problem);
  return problems;
}

struct Collected {
  std::mutex mutex;
  std::map<size_t, int> times;  // index -> how often reported
  std::map<size_t, SolvedProblem> solved;
  std::map<size_t, PoolStop> why;
  void add(size_t index, const SolvedProblem& s, PoolStop w) {
    std::lock_guard<std::mutex> lock(mutex);
    ++times[index];
    solved[index] = s;
    why[index] = w;
  }
};

// A lone group of `spec` (no budget in it) in a fresh pool over distance_request(condition), run
// until done: each problem's result and why it left, by problem.
struct PooledRun {
  std::map<int64_t, ProblemResult> results;
  std::map<int64_t, PoolStop> why;
};
PooledRun run_alone_in_pool(const std::string& spec, const torch::Tensor& condition, int64_t max_steps, uint64_t seed) {
  SamplerSpec pooled = parse_sampler_spec(spec);
  const RunRequest request = distance_request(condition);
  ChainPool pool(pooled.sampler, request.energy, request.space, PoolOptions::from_driver(pooled.driver));
  PooledRun run;
  PoolGroup group;
  group.problems = condition.size(0);
  group.condition = condition;
  group.max_steps = max_steps;
  group.seed = seed;
  group.on_finished = [&run](int64_t p, const ProblemResult& r, PoolStop why) {
    run.results[p] = r;
    run.why[p] = why;
  };
  pool.admit(std::move(group));
  while (pool.step()) {
  }
  return run;
}

}  // namespace

TEST_SUITE("pool") {
  TEST_CASE("chain pool: groups that join mid-run converge to their own answers, each reported once") {
    SamplerSpec spec = parse_sampler_spec("gd:step=0.1,chains=2");
    PoolOptions options = PoolOptions::from_driver(spec.driver);
    options.rules.energy_tolerance = 1e-10;
    ChainPool pool(spec.sampler, std::make_shared<DistanceEnergy>(), AnswerSpace::real({2}), options);
    std::map<std::pair<int, int64_t>, ProblemResult> results;
    std::map<std::pair<int, int64_t>, int> reports;
    auto group_of = [&](int id, torch::Tensor condition) {
      PoolGroup group;
      group.problems = condition.size(0);
      group.condition = condition;
      group.max_steps = 500;
      group.seed = id;
      group.on_finished = [&, id](int64_t p, const ProblemResult& r, PoolStop why) {
        results[{id, p}] = r;
        ++reports[{id, p}];
        CHECK(why == PoolStop::Stopped);  // every chain reached the tolerance
      };
      return group;
    };
    pool.admit(group_of(0, torch::tensor({{1.0f, 2.0f}, {-3.0f, 0.5f}})));
    for (int i = 0; i < 5; ++i) CHECK(pool.step());
    CHECK(pool.stats().running_rows == 4);
    pool.admit(group_of(1, torch::tensor({{7.0f, -7.0f}})));  // joins a running batch
    CHECK(pool.step());
    CHECK(pool.stats().running_rows == 6);
    while (pool.step()) {
    }
    REQUIRE(results.size() == 3);
    for (const auto& [key, count] : reports) CHECK(count == 1);
    CHECK(results[{0, 0}].answer[0].item<float>() == doctest::Approx(1.0f).epsilon(1e-3));
    CHECK(results[{0, 1}].answer[0].item<float>() == doctest::Approx(-3.0f).epsilon(1e-3));
    CHECK(results[{1, 0}].answer[1].item<float>() == doctest::Approx(-7.0f).epsilon(1e-3));
    CHECK(results[{1, 0}].steps < results[{0, 0}].steps + 6);  // counted from the step it joined
    auto stats = pool.stats();
    CHECK(stats.problems_finished == 3);
    CHECK(stats.running_rows == 0);
  }

  TEST_CASE("chain pool: fail_all after a step that threw reports every problem once, failed, with the reason") {
    // DistanceEnergy that throws from its 4th evaluation on (the initial states are the 1st).
    struct FailingEnergy : DistanceEnergy {
      int calls = 0;
      torch::Tensor forward(const torch::Tensor& condition, const torch::Tensor& answer) override {
        if (++calls >= 4) throw std::runtime_error("energy exploded");
        return DistanceEnergy::forward(condition, answer);
      }
    };
    SamplerSpec spec = parse_sampler_spec("gd:step=0.001,chains=2");
    ChainPool pool(spec.sampler, std::make_shared<FailingEnergy>(), AnswerSpace::real({2}),
                   PoolOptions::from_driver(spec.driver));
    std::map<int64_t, ProblemResult> results;
    std::map<int64_t, int> reports;
    PoolGroup group;
    group.problems = 2;
    group.condition = torch::tensor({{1.0f, 2.0f}, {-3.0f, 0.5f}});
    group.max_steps = 100;
    group.on_finished = [&](int64_t p, const ProblemResult& r, PoolStop why) {
      results[p] = r;
      ++reports[p];
      CHECK(why == PoolStop::Stopped);
    };
    pool.admit(group);
    CHECK_THROWS_WITH_AS(while (pool.step()) {}, "energy exploded", std::runtime_error);
    pool.fail_all("the energy failed mid-step: energy exploded");
    REQUIRE(results.size() == 2);
    for (const auto& [p, result] : results) {
      CHECK(reports[p] == 1);
      CHECK(result.failed);
      CHECK_FALSE(result.verified);
      CHECK(result.failure == "the energy failed mid-step: energy exploded");
    }
    CHECK(pool.stats().running_rows == 0);
    CHECK_FALSE(pool.step());  // nothing left to run
  }

  TEST_CASE("chain pool: a problem's time budget bounds a long step (HMC's leapfrog loop), not only between steps") {
    SamplerSpec spec = parse_sampler_spec("hmc:leapfrog=10000,chains=2");
    ChainPool pool(spec.sampler, std::make_shared<DistanceEnergy>(), AnswerSpace::real({2}),
                   PoolOptions::from_driver(spec.driver));
    PoolStop stopped = PoolStop::Verified;
    int reports = 0;
    int64_t evaluations = 0;
    PoolGroup group;
    group.problems = 1;
    group.condition = torch::tensor({{1.0f, 2.0f}});
    group.max_ms = 5;  // one trajectory of 10^4 leapfrog steps takes far longer
    group.on_finished = [&](int64_t, const ProblemResult& result, PoolStop why) {
      stopped = why;
      evaluations = result.evaluations;
      ++reports;
    };
    pool.admit(std::move(group));
    while (pool.step()) {
    }
    CHECK(reports == 1);
    CHECK(stopped == PoolStop::Budget);
    CHECK(pool.stats().steps == 1);
    CHECK(evaluations < 2 * 10000);  // fewer than one whole trajectory of its 2 chains: cut off inside the step
  }

  TEST_CASE("chain pool: a sampler that cannot take rows mid-run runs one group at a time, none refused") {
    SamplerSpec spec = parse_sampler_spec("tempering:replicas=2/langevin");
    ChainPool pool(spec.sampler, std::make_shared<DistanceEnergy>(), AnswerSpace::real({2}), PoolOptions{});
    int failed = 0, reported = 0;
    std::vector<int64_t> steps;
    for (int id = 0; id < 2; ++id) {
      PoolGroup group;
      group.condition = torch::tensor({{1.0f, 1.0f}});
      group.max_steps = 20;
      group.on_finished = [&](int64_t, const ProblemResult& r, PoolStop why) {
        ++reported;
        failed += r.failed ? 1 : 0;
        steps.push_back(r.steps);
        CHECK(why == PoolStop::Budget);
      };
      pool.admit(std::move(group));
      pool.step();
    }
    int64_t pool_steps = 1;
    while (pool.step()) ++pool_steps;
    CHECK(reported == 2);
    CHECK(failed == 0);
    CHECK(steps == std::vector<int64_t>{20, 20});
    CHECK(pool.stats().steps == 40);  // the second group waited for the first to leave
  }

  TEST_CASE("chain pool: a group alone in the pool follows run_sampler's trajectory for the same seed") {
    // Langevin noise, a tolerance that stops some chains early and plateau restarts: every rule of the
    // shared engine is exercised, and the pool must agree with the driver to the bit.
    const std::string text = "langevin:step=0.05,noise=0.05,chains=3,tol=0.02,plateau=15,restarts=1";
    auto condition = torch::tensor({{1.0f, 2.0f}, {-3.0f, 0.5f}});
    SamplerSpec driven = parse_sampler_spec(text + ",steps=60,seed=17");
    const RunRequest request = distance_request(condition);
    RunResult run = run_sampler(*driven.sampler, request, driven.driver);

    auto results = run_alone_in_pool(text, condition, 60, 17).results;
    REQUIRE(results.size() == 2);
    for (int64_t p = 0; p < 2; ++p) {
      CAPTURE(p);
      const ProblemResult& expected = run.problems[p];
      CHECK(results[p].steps == expected.steps);
      CHECK(results[p].evaluations == expected.evaluations);
      CHECK(results[p].energy == expected.energy);
      CHECK(results[p].best_chain == expected.best_chain - p * 3);
      CHECK(torch::equal(results[p].answer, expected.answer));
    }
  }

  TEST_CASE("chain pool: plateau tests restart chains and then stop them, exactly as in run_sampler") {
    const std::string text = "gd:step=0.05,chains=4,plateau=20,restarts=2";
    auto condition = torch::tensor({{1.0f, 2.0f}, {-3.0f, 0.5f}, {0.0f, 4.0f}});
    SamplerSpec driven = parse_sampler_spec(text + ",steps=2000,seed=5");
    const RunRequest request = distance_request(condition);
    RunResult run = run_sampler(*driven.sampler, request, driven.driver);
    REQUIRE(run.summary.restarts == 2 * 4 * 3);      // every chain restarted twice
    REQUIRE(run.summary.chains_plateaued == 4 * 3);  // then stopped on its third plateau
    REQUIRE(run.summary.termination == TerminationType::Convergence);

    auto [results, why] = run_alone_in_pool(text, condition, 2000, 5);
    REQUIRE(results.size() == 3);
    for (int64_t p = 0; p < 3; ++p) {
      CAPTURE(p);
      CHECK(why[p] == PoolStop::Stopped);  // its chains stopped themselves, long before the budget
      CHECK(results[p].steps == run.problems[p].steps);
      CHECK(results[p].steps < 2000);
      CHECK(results[p].evaluations == run.problems[p].evaluations);
      CHECK(torch::equal(results[p].answer, run.problems[p].answer));
    }
  }

  TEST_CASE("task pool: Sudoku from two threads at once, every problem verified by the task and reported once") {
    auto task = find_task("sudoku");
    TaskPool pool(task, TaskPoolSettings{});
    auto problems = sudoku_problems(6, "easy", 11);
    Collected collected;
    auto submit_half = [&](size_t from) {
      PoolSubmission s;
      s.problems.assign(problems.begin() + from, problems.begin() + from + 3);
      s.budget_ms = 20000;
      s.seed = from;
      s.on_result = [&collected, from](size_t i, const SolvedProblem& solved, PoolStop why) {
        collected.add(from + i, solved, why);
      };
      pool.submit(std::move(s));
    };
    std::thread other(submit_half, 3);
    submit_half(0);
    other.join();
    pool.stop(false);  // drain
    REQUIRE(collected.times.size() == 6);
    for (size_t i = 0; i < 6; ++i) {
      CHECK(collected.times[i] == 1);
      REQUIRE(collected.solved[i].answer);
      CHECK(collected.solved[i].verified);
      CHECK(task->verify(*problems[i], *collected.solved[i].answer));
      CHECK(collected.why[i] == PoolStop::Verified);
    }
  }

  TEST_CASE("task pool: every spec solve_with_energy takes is served, alone giving solve_with_energy's answer") {
    // gwg needs one-hot rows where the Sudoku task encodes simplices: both paths switch the space.
    auto task = find_task("sudoku");
    auto problems = sudoku_problems(2, "easy", 21);
    for (const std::string& spec : {std::string("gwg:chains=4,steps=40"), task->default_sampler("constraint") + ",steps=60"}) {
      CAPTURE(spec);
      TaskPoolSettings settings;
      settings.sampler = spec;
      TaskPool pool(task, settings);
      for (size_t i = 0; i < problems.size(); ++i) {
        EbmSettings solo;
        solo.sampler = spec;
        solo.seed = 30 + i;
        solo.batch = 1;
        solo.budget_ms = 600000;
        const SolvedProblem expected = solve_with_energy(*task, {problems[i]}, solo).problems.front();
        Collected collected;
        PoolSubmission submission;
        submission.problems = {problems[i]};
        submission.budget_ms = 600000;
        submission.seed = 30 + i;
        submission.on_result = [&](size_t k, const SolvedProblem& solved, PoolStop why) { collected.add(k, solved, why); };
        pool.submit(std::move(submission));
        while (pool.outstanding() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
        REQUIRE(collected.times.size() == 1);
        const SolvedProblem& served = collected.solved[0];
        CHECK(served.verified == expected.verified);
        CHECK(served.steps == expected.steps);
        CHECK(served.evaluations == expected.evaluations);
        CHECK(served.energy == expected.energy);
        std::ostringstream a, b;
        task->write_answer(a, *problems[i], served.answer.get());
        task->write_answer(b, *problems[i], expected.answer.get());
        CHECK(a.str() == b.str());
      }
    }
  }

  TEST_CASE("task pool: a refused submission names the field at fault and queues nothing") {
    auto task = find_task("addition");
    const GenerateRequest request{/*count=*/1, /*seed=*/1, Split::Test, {}};
    TaskPoolSettings settings;
    settings.sampler = "gwg";  // one-hot moves for real-valued answers
    TaskPool pool(task, settings);
    PoolSubmission submission;
    submission.problems = {task->generate(request).front().problem};
    try {
      pool.submit(std::move(submission));
      FAIL("hmc on Sudoku was accepted");
    } catch (const SubmissionError& e) {
      CHECK(e.field() == "sampler");
    }
    CHECK(pool.outstanding() == 0);
    try {
      TaskPoolSettings bad_energy;
      bad_energy.energy.name = "nosuch";
      TaskPool refused(task, bad_energy);
      FAIL("an unknown energy was accepted");
    } catch (const SubmissionError& e) {
      CHECK(e.field() == "energy");
    }
  }

  TEST_CASE("task pool: cancellation and deadlines return every problem unverified, never dropped") {
    auto task = find_task("sudoku");
    TaskPoolSettings settings;
    settings.sampler = "langevin:step=0.001,noise=0,chains=2";  // cannot solve: runs until stopped
    TaskPool pool(task, settings);
    auto problems = sudoku_problems(3, "hard", 5);
    Collected cancelled, late;
    auto token = std::make_shared<CancellationToken>();
    PoolSubmission a;
    a.problems = problems;
    a.budget_ms = 600000;
    a.cancel = token;
    a.on_result = [&](size_t i, const SolvedProblem& s, PoolStop w) { cancelled.add(i, s, w); };
    pool.submit(std::move(a));
    PoolSubmission b;
    b.problems = {problems[0]};
    b.budget_ms = 600000;
    b.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
    b.on_result = [&](size_t i, const SolvedProblem& s, PoolStop w) { late.add(i, s, w); };
    pool.submit(std::move(b));
    while (pool.stats().steps < 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    token->cancel();
    while (pool.outstanding() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(cancelled.times.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CHECK(cancelled.times[i] == 1);
      CHECK(cancelled.why[i] == PoolStop::Cancelled);
      CHECK_FALSE(cancelled.solved[i].verified);
    }
    REQUIRE(late.times.size() == 1);
    CHECK(late.why[0] == PoolStop::Deadline);
    CHECK_FALSE(late.solved[0].verified);
  }

  TEST_CASE("driver: a cancelled token ends the run before the next step") {
    SamplerSpec spec = parse_sampler_spec("langevin:steps=1000");
    RunRequest request;
    request.energy = std::make_shared<DistanceEnergy>();
    request.condition = torch::zeros({1, 2});
    request.space = AnswerSpace::real({2});
    request.cancel = std::make_shared<CancellationToken>();
    request.callbacks.push_back([&](const IterationInfo& info) {
      if (info.step == 7) request.cancel->cancel();
      return CallbackResult::Continue;
    });
    RunResult result = run_sampler(*spec.sampler, request, spec.driver);
    CHECK(result.summary.termination == TerminationType::Cancelled);
    CHECK(result.summary.steps == 7);
  }

  TEST_CASE("solve_with_energy: four threads at once give the answers one thread gives") {
    auto task = find_task("sudoku");
    auto problems = sudoku_problems(2, "medium", 3);
    EbmSettings settings;
    settings.seed = 9;
    settings.budget_ms = 60000;
    settings.sampler = task->default_sampler("constraint") + ",steps=300";
    auto answers_of = [&] {
      std::ostringstream out;
      for (size_t i = 0; i < problems.size(); ++i) {
        auto report = solve_with_energy(*task, {problems[i]}, settings);
        task->write_answer(out, *problems[i], report.problems[0].answer.get());
      }
      return out.str();
    };
    const std::string alone = answers_of();
    std::vector<std::future<std::string>> runs;
    for (int t = 0; t < 4; ++t) runs.push_back(std::async(std::launch::async, answers_of));
    for (auto& run : runs) CHECK(run.get() == alone);
  }
}
