// Known-answer tests of the task-neutral machinery: every registered task honours the Task contract
// (disjoint splits, formats that round-trip, generated answers that verify), and the harness and
// sweeps count what they should, including a solver that lies.
#include <doctest/doctest.h>

#include "ebm/harness.h"
#include "ebm/sweep.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"
#include "tasks/sudoku/task.h"

#include <torch/torch.h>

#include <filesystem>
#include <set>
#include <sstream>

using namespace ebm;

namespace {

std::vector<Example> generated(const Task& task, Split split, int64_t count, uint64_t seed) {
  return task.generate(GenerateRequest{count, seed, split, {}});
}

// Claims every problem verified and answers with the puzzle itself (blanks and all).
class LyingSolver : public Solver {
 public:
  std::string name() const override { return "liar"; }
  nlohmann::json config() const override { return {{"solver", "liar"}}; }
  std::vector<Outcome> solve(const std::vector<ProblemPtr>& batch) override {
    std::vector<Outcome> out;
    for (const auto& p : batch) {
      Outcome o;
      o.answer = sudoku::make_answer(sudoku::puzzle_of(*p));
      o.claimed = true;
      out.push_back(o);
    }
    return out;
  }
};

std::vector<Example> easy_sudoku(int64_t count) {
  GenerateRequest request;
  request.count = count;
  request.seed = 2;
  request.parameters = {{"tier", "easy"}, {"box", "2"}};
  return find_task("sudoku")->generate(request);
}

}  // namespace

TEST_SUITE("tasks") {
  TEST_CASE("the registry lists every task once, each with energies, a parsable default sampler and help") {
    std::set<std::string> names;
    for (const auto& task : all_tasks()) {
      CHECK(names.insert(task->name()).second);
      CHECK_FALSE(task->summary().empty());
      CHECK_FALSE(task->input_format().empty());
      CHECK_FALSE(task->output_format().empty());
      REQUIRE_FALSE(task->energy_names().empty());
      for (const auto& p : task->parameters()) CHECK_FALSE(p.meaning.empty());
    }
    CHECK(names.count("sudoku") == 1);
    CHECK_THROWS_WITH_AS(find_task("chess"), doctest::Contains("registered: sudoku"), std::invalid_argument);
  }

  TEST_CASE("split_of: fingerprint buckets 0-7 train, 8 validation, 9 test") {
    CHECK(split_of(0) == Split::Train);
    CHECK(split_of(17) == Split::Train);
    CHECK(split_of(28) == Split::Validation);
    CHECK(split_of(39) == Split::Test);
    CHECK(parse_split("validation") == Split::Validation);
    CHECK_THROWS_AS(parse_split("dev"), TaskInputError);
  }

  TEST_CASE("every generator: splits are disjoint for the same seed, problems lie in their split, formats round-trip") {
    for (const auto& task : all_tasks()) {
      if (!task->can_generate()) continue;
      CAPTURE(task->name());
      std::set<uint64_t> seen[3];
      for (Split split : {Split::Train, Split::Validation, Split::Test}) {
        const auto examples = generated(*task, split, 3, 11);
        REQUIRE(examples.size() == 3);
        for (const auto& e : examples) {
          CHECK(split_of(task->split_fingerprint(*e.problem)) == split);
          seen[static_cast<int>(split)].insert(task->split_fingerprint(*e.problem));
          if (e.solution) CHECK(task->verify(*e.problem, *e.solution));
        }
        // Same seed, same problems.
        const auto again = generated(*task, split, 3, 11);
        for (size_t i = 0; i < examples.size(); ++i)
          CHECK(task->fingerprint(*again[i].problem) == task->fingerprint(*examples[i].problem));
        // What write_problems writes, read takes back.
        std::vector<Example> read_back;
        for (const auto& e : examples) {
          std::stringstream text;
          task->write_problems(text, {e});
          for (auto& r : task->read(text, "round-trip", {})) read_back.push_back(std::move(r));
        }
        REQUIRE(read_back.size() == examples.size());
        for (size_t i = 0; i < examples.size(); ++i)
          CHECK(task->fingerprint(*read_back[i].problem) == task->fingerprint(*examples[i].problem));
      }
      for (int a = 0; a < 3; ++a)
        for (int b = a + 1; b < 3; ++b)
          for (uint64_t f : seen[a]) CHECK(seen[b].count(f) == 0);
      // The harder split: test-bucket content from the harder distribution, never a training or
      // validation problem; refused by tasks that have none.
      GenerateRequest harder;
      harder.count = 3;
      harder.seed = 11;
      harder.split = Split::Harder;
      if (!task->has_harder_split()) {
        CHECK_THROWS_AS(generate_examples(*task, harder), TaskInputError);
        continue;
      }
      CHECK_FALSE(task->harder_split_description().empty());
      for (const auto& e : generate_examples(*task, harder)) {
        CHECK(split_of(task->split_fingerprint(*e.problem)) == Split::Test);
        CHECK(seen[0].count(task->split_fingerprint(*e.problem)) == 0);
        CHECK(seen[2].count(task->split_fingerprint(*e.problem)) == 0);
        if (e.solution) CHECK(task->verify(*e.problem, *e.solution));
      }
    }
  }

  TEST_CASE("harness: the EBM and the reference solve easy puzzles; a lying solver is counted as wrong-claimed") {
    auto task = find_task("sudoku");
    const auto examples = easy_sudoku(3);
    SolverContext context;
    context.budget_ms = 3000;
    context.batch = 2;
    std::vector<SolverUnderTest> solvers;
    solvers.push_back({"ebm", make_solver(task, "ebm", context)});
    solvers.push_back({"reference", make_solver(task, "reference", context)});
    solvers.push_back({"liar", std::make_unique<LyingSolver>()});
    HarnessOptions options;
    options.batch = 2;
    options.keep_answers = true;
    const auto report = evaluate(*task, examples, solvers, options);
    REQUIRE(report.solvers.size() == 3);
    CHECK(report.solvers[0].solved == 3);
    CHECK(report.solvers[0].wrong_claimed == 0);
    CHECK(report.solvers[0].measures.at("cell_accuracy") == doctest::Approx(1.0));
    CHECK(report.solvers[1].name == "reference-dlx");
    CHECK(report.solvers[1].solved == 3);
    CHECK(report.solvers[1].matches_reference == 3);
    CHECK(report.solvers[2].solved == 0);
    CHECK(report.solvers[2].wrong_claimed == 3);
    CHECK(report.solvers[2].answers.size() == 3);
    CHECK(report.solvers[0].amortized_ms > 0);
    CHECK(report.solvers[0].peak_rss_mb > 0);
    CHECK_THROWS_AS(make_solver(task, "bogus", context), std::invalid_argument);
    CHECK_THROWS_AS(make_solver(task, "ebm-nonsense", context), std::invalid_argument);
    CHECK_THROWS_WITH_AS(make_solver(task, "ebm:budget=soon", context), doctest::Contains("budget must be"),
                         std::invalid_argument);
  }

  TEST_CASE("harness: two workers give every solver the answers of one, in order, with their own copies") {
    auto task = find_task("sudoku");
    const auto examples = easy_sudoku(5);
    SolverContext context;
    context.budget_ms = 5000;
    context.batch = 1;
    auto solvers_for = [&] {
      std::vector<SolverUnderTest> solvers;
      for (const char* spec : {"ebm", "reference"}) solvers.push_back({spec, make_solver(task, spec, context)});
      return solvers;
    };
    HarnessOptions options;
    options.batch = 1;
    options.keep_answers = true;
    auto alone_solvers = solvers_for();
    const auto alone = evaluate(*task, examples, alone_solvers, options);
    int copies = 0;
    options.workers = 2;
    options.replicate = [&](const std::string& spec) { ++copies; return make_solver(task, spec, context); };
    auto side_solvers = solvers_for();
    std::vector<size_t> progress;
    const auto side_by_side =
        evaluate(*task, examples, side_solvers, options, [&](const std::string&, size_t done, size_t) { progress.push_back(done); });
    CHECK(copies == 2);  // one more copy of each solver
    REQUIRE(side_by_side.solvers.size() == 2);
    for (size_t s = 0; s < 2; ++s) {
      CHECK(side_by_side.solvers[s].solved == 5);
      CHECK(side_by_side.solvers[s].answers == alone.solvers[s].answers);  // same answers, input order
      CHECK(side_by_side.solvers[s].uses_verifier == alone.solvers[s].uses_verifier);
      CHECK(side_by_side.solvers[s].parameters == alone.solvers[s].parameters);
    }
    CHECK(progress.size() == 10);
    options.replicate = nullptr;
    CHECK_THROWS_WITH_AS(evaluate(*task, examples, side_solvers, options), doctest::Contains("replicate"),
                         std::invalid_argument);
  }

  TEST_CASE("sweep: rows are skipped on resume, and a resume with another seed or dataset is refused") {
    auto task = find_task("sudoku");
    const auto examples = easy_sudoku(2);
    const auto path = (std::filesystem::temp_directory_path() / "ebm_test_sweep.csv").string();
    std::filesystem::remove(path);
    SolverContext context;
    auto make = [&](const std::string& spec) { return make_solver(task, spec, context); };
    SweepSettings settings;
    settings.task = "sudoku";
    std::ostringstream log;
    CHECK(run_sweep(*task, examples, {"reference"}, make, settings, path, log).ran == 1);
    CHECK(run_sweep(*task, examples, {"reference"}, make, settings, path, log).ran == 0);
    CHECK(completed_specs(path) == std::vector<std::string>{"reference"});
    settings.seed = 9;
    CHECK_THROWS_WITH_AS(run_sweep(*task, examples, {"reference"}, make, settings, path, log),
                         doctest::Contains("--seed: file has 0, this run 9"), std::invalid_argument);
    settings.seed = 0;
    settings.budget_ms = 2000;
    CHECK_THROWS_WITH_AS(run_sweep(*task, examples, {"reference"}, make, settings, path, log),
                         doctest::Contains("--budget-ms: file has 10000, this run 2000"), std::invalid_argument);
    settings.budget_ms = 10000;
    CHECK_THROWS_WITH_AS(run_sweep(*task, easy_sudoku(3), {"reference"}, make, settings, path, log),
                         doctest::Contains("dataset"), std::invalid_argument);
    std::filesystem::remove(path);
  }

  TEST_CASE("csv fields: quoting round-trips") {
    const std::string line = csv_field("a,b") + "," + csv_field("say \"hi\"") + ",plain";
    CHECK(split_csv_line(line) == std::vector<std::string>{"a,b", "say \"hi\"", "plain"});
  }
}
