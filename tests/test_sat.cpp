// Known-answer tests of the SAT task: DIMACS parsing (every bad input names its line), the exact
// verifier, the SAT-competition output, the clause-violation energy (violated-clause count on one-hot
// states, closed-form gradient = autograd), the labelled generator (reproducible, split-correct) and
// one small formula solved end to end by energy minimisation.
#include <doctest/doctest.h>

#include "ebm/samplers/task_solver.h"
#include "tests/task_test_helpers.h"
#include "tasks/sat/encoding.h"
#include "tasks/sat/energies.h"
#include "tasks/sat/generator.h"
#include "tasks/sat/problem.h"
#include "tasks/sat/task.h"

#include <torch/torch.h>

#include <random>
#include <sstream>
#include <unistd.h>

using namespace ebm;
using namespace ebm::sat;

namespace {

Formula parse(const std::string& text) {
  std::istringstream in(text);
  return read_dimacs(in, "f.cnf");
}

// The message of the TaskInputError that `text` raises ("" when it parses).
std::string parse_error(const std::string& text) {
  return ebm::testing::input_error_of([&] { parse(text); });
}

bool on_path(const std::string& program) {
  return std::system(("command -v " + program + " > /dev/null 2>&1").c_str()) == 0;
}

std::shared_ptr<SatProblem> problem_of(Formula formula) {
  auto problem = std::make_shared<SatProblem>();
  problem->source = "test";
  problem->formula = std::move(formula);
  return problem;
}

// y [1, V, 2] one-hot of an assignment.
torch::Tensor one_hot_state(const Assignment& values) {
  std::vector<int64_t> truth(values.begin(), values.end());
  return torch::one_hot(torch::tensor(truth, torch::kLong), 2).to(torch::kDouble).unsqueeze(0);
}

}  // namespace

TEST_SUITE("sat") {
  TEST_CASE("DIMACS: comments, clauses across lines, several per line, the % end marker") {
    auto f = parse("c a comment\np cnf 4 3\n1 -2\n 3 0 -4 0\nc inside\n2 4 0\n%\n0\n\n");
    CHECK(f.variables == 4);
    REQUIRE(f.num_clauses() == 3);
    CHECK(f.clauses[0] == std::vector<int32_t>{1, -2, 3});
    CHECK(f.clauses[1] == std::vector<int32_t>{-4});
    CHECK(f.clauses[2] == std::vector<int32_t>{2, 4});
    CHECK(parse("p cnf 2 1\r\n1 2 0\r\n").num_clauses() == 1);
  }

  TEST_CASE("DIMACS: every bad input raises TaskInputError naming the line") {
    CHECK(parse_error("") == "f.cnf:1: missing 'p cnf VARIABLES CLAUSES' header");
    CHECK(parse_error("c only\n1 2 0\n").rfind("f.cnf:2: clause before", 0) == 0);
    CHECK(parse_error("p cnf x 2\n").rfind("f.cnf:1: bad header", 0) == 0);
    CHECK(parse_error("p dnf 2 1\n1 0\n").rfind("f.cnf:1: bad header", 0) == 0);
    CHECK(parse_error("p cnf 2 -1\n").rfind("f.cnf:1: bad header", 0) == 0);
    CHECK(parse_error("p cnf 2 2\n1 0\np cnf 2 2\n2 0\n").rfind("f.cnf:3: second 'p' header", 0) == 0);
    CHECK(parse_error("p cnf 3 2\n1 2 0\n-4 1 0\n").rfind("f.cnf:3: literal -4 is out of range", 0) == 0);
    CHECK(parse_error("p cnf 3 2\n1 2 0\n1 x 0\n").rfind("f.cnf:3: 'x' is not an integer", 0) == 0);
    CHECK(parse_error("p cnf 3 2\n1 2 0\n1.5 0\n").rfind("f.cnf:3: '1.5' is not an integer", 0) == 0);
    CHECK(parse_error("p cnf 3 1\n1 2 0\n\n3 0\n").rfind("f.cnf:4: more clauses than the 1", 0) == 0);
    CHECK(parse_error("p cnf 3 3\n1 2 0\n3 0\nc end\n").rfind("f.cnf:4: input ends after 2 clauses", 0) == 0);
    CHECK(parse_error("p cnf 3 2\n1 2 0\n3\n-1\nc end\n").rfind("f.cnf:4: the last clause is not terminated", 0) == 0);
  }

  TEST_CASE("write_problems writes DIMACS that read takes back, notes as comments") {
    auto task = make_task();
    auto problem = problem_of(parse("p cnf 3 2\n1 -2 0\n2 3 -1 0\n"));
    problem->notes = {"seed 7, ratio 4.26, split test"};
    std::ostringstream out;
    task->write_problems(out, {Example{problem, nullptr}});
    CHECK(out.str() == "c seed 7, ratio 4.26, split test\np cnf 3 2\n1 -2 0\n2 3 -1 0\n");
    std::istringstream in(out.str());
    auto back = task->read(in, "back.cnf", {});
    REQUIRE(back.size() == 1);
    CHECK(task->fingerprint(*back[0].problem) == task->fingerprint(*problem));
    CHECK(back[0].problem->source == "back.cnf");
    // Reordering clauses and literals keeps the canonical text and so the fingerprint.
    auto shuffled = problem_of(parse("p cnf 3 2\n-1 3 2 0\n-2 1 0\n"));
    CHECK(task->fingerprint(*shuffled) == task->fingerprint(*problem));
  }

  TEST_CASE("verifier: accepts a model, rejects a violated clause and a wrong length") {
    auto task = make_task();
    auto problem = problem_of(parse("p cnf 3 3\n1 -2 0\n2 3 0\n-1 -3 0\n"));
    SatAnswer good, bad, short_one;
    good.values = {true, true, false};
    bad.values = {false, true, true};  // clause 1 (1 -2) is false
    short_one.values = {true, true};
    std::string why;
    CHECK(task->verify(*problem, good, &why));
    CHECK_FALSE(task->verify(*problem, bad, &why));
    CHECK(why == "clause 1 (1 -2) is violated");
    CHECK_FALSE(task->verify(*problem, short_one, &why));
    CHECK(why == "assignment has 2 values for 3 variables");
    CHECK(task->answer_json(*problem, good)["model"] == nlohmann::json({1, 2, -3}));
  }

  TEST_CASE("output: s SATISFIABLE with v lines ending in 0, else s UNKNOWN; exit 10 only when all verified") {
    auto task = make_task();
    Formula formula;
    formula.variables = 45;
    formula.clauses = {{1, 45}};
    auto problem = problem_of(formula);
    SatAnswer model;
    model.values.assign(45, true);
    std::ostringstream sat, unknown, wrong;
    task->write_answer(sat, *problem, &model);
    CHECK(sat.str().find("\ns SATISFIABLE\nv 1 2 ") != std::string::npos);
    CHECK(sat.str().find(" 45 0\n") != std::string::npos);
    task->write_answer(unknown, *problem, nullptr);
    SatAnswer violating;
    violating.values.assign(45, false);
    task->write_answer(wrong, *problem, &violating);
    for (const auto& text : {unknown.str(), wrong.str()}) {
      CHECK(text.find("s UNKNOWN\n") != std::string::npos);
      CHECK(text.find("UNSATISFIABLE") == std::string::npos);
      CHECK(text.find("\nv ") == std::string::npos);
    }
    CHECK(task->exit_status(3, 3) == 10);
    CHECK(task->exit_status(2, 3) == 0);
    CHECK(task->exit_status(0, 0) == 0);
  }

  TEST_CASE("energy: counts violated clauses on one-hot states, across a batch of different formulas") {
    std::mt19937_64 rng(3);
    Formula a = random_k_sat({12, 4.0, 3}, rng), b = random_k_sat({12, 2.0, 3}, rng);
    b.clauses.push_back({5, -5, 2});  // always true: contributes nothing
    b.clauses.push_back({7, 7, -3});  // a repeated literal counts once
    b.clauses.push_back({4});
    auto index = clause_index({&a, &b}, 12);
    CHECK(index.size(1) == a.num_clauses());
    ClauseViolationEnergy energy;
    std::bernoulli_distribution coin(0.5);
    for (int trial = 0; trial < 50; ++trial) {
      Assignment x(12), y(12);
      for (int v = 0; v < 12; ++v) x[v] = coin(rng), y[v] = coin(rng);
      auto states = torch::cat({one_hot_state(x), one_hot_state(y)});
      auto e = energy.forward(index, states);
      CHECK(e[0].item<double>() == doctest::Approx(violated_clauses(a, x)));
      CHECK(e[1].item<double>() == doctest::Approx(violated_clauses(b, y)));
      auto closed = energy.closed_form_energy_and_gradient(index, states);
      CHECK(torch::allclose(closed.energy, e));
      auto with_autograd = energy.forward(index, states.clone().requires_grad_(true));  // tensor ops, not the CPU loop
      CHECK(torch::allclose(with_autograd, e));
      auto counts = violated_clause_counts(states.argmax(-1), index);
      CHECK(torch::equal(counts, violated_clause_counts_by_tensor_ops(states.argmax(-1), index)));
      CHECK(counts[0].item<float>() == violated_clauses(a, x));
      CHECK(counts[1].item<float>() == violated_clauses(b, y));
      CHECK(all_clauses_satisfied(states.argmax(-1), index)[0].item<bool>() == satisfies(a, x));
    }
  }

  TEST_CASE("energy: the closed-form gradient equals autograd; a single flip's first-order gain is exact") {
    std::mt19937_64 rng(5);
    Formula a = random_k_sat({10, 4.26, 3}, rng), b = random_k_sat({10, 3.0, 4}, rng);
    b.clauses.push_back({2});
    auto index = clause_index({&a, &b}, 10);
    ClauseViolationEnergy energy;
    auto p = torch::softmax(torch::randn({2, 10, 2}, torch::kDouble), -1).requires_grad_(true);
    auto autograd = torch::autograd::grad({energy.forward(index, p).sum()}, {p})[0];
    auto closed = energy.closed_form_gradient(index, p.detach());
    CHECK(torch::allclose(closed, autograd, 1e-10, 1e-12));
    // Multilinear: E(flip v) - E(y) = g[v, new] - g[v, old] exactly on one-hot states.
    Assignment x(10, false);
    auto y = torch::cat({one_hot_state(x), one_hot_state(x)});
    auto g = energy.closed_form_gradient(index, y);
    auto e = energy.forward(index, y);
    for (int64_t v = 0; v < 10; ++v) {
      auto flipped = y.clone();
      flipped.select(1, v).fill_(0.0);
      flipped.select(1, v).select(1, 1).fill_(1.0);
      auto predicted = e + g.select(1, v).select(1, 1) - g.select(1, v).select(1, 0);
      CHECK(torch::allclose(energy.forward(index, flipped), predicted));
    }
  }

  TEST_CASE("generator: reproducible from the seed, every formula in its split, labels checked") {
    // scripts/install-deps.sh installs minisat: without it this test fails rather than passing empty.
    REQUIRE_MESSAGE(on_path("minisat"), "minisat is not installed (scripts/install-deps.sh installs it)");
    auto task = make_task();
    GenerateRequest request{/*count=*/3, /*seed=*/11, Split::Validation, {{"variables", "20"}}};
    auto first = task->generate(request), again = task->generate(request);
    REQUIRE(first.size() == 3);
    for (size_t i = 0; i < first.size(); ++i) {
      CHECK(task->fingerprint(*first[i].problem) == task->fingerprint(*again[i].problem));
      CHECK(split_of(task->fingerprint(*first[i].problem)) == Split::Validation);
      const auto& formula = dynamic_cast<const SatProblem&>(*first[i].problem).formula;
      CHECK(formula.variables == 20);
      CHECK(formula.num_clauses() == 85);
      for (const auto& clause : formula.clauses) {
        REQUIRE(clause.size() == 3);
        CHECK(std::abs(clause[0]) != std::abs(clause[1]));
        CHECK(std::abs(clause[1]) != std::abs(clause[2]));
        CHECK(std::abs(clause[0]) != std::abs(clause[2]));
      }
      REQUIRE(first[i].solution);
      CHECK(task->verify(*first[i].problem, *first[i].solution));
    }
    request.seed = 12;
    CHECK(task->fingerprint(*task->generate(request)[0].problem) != task->fingerprint(*first[0].problem));
    request.split = Split::Test;
    request.count = 2;
    request.parameters = {{"variables", "12"}, {"ratio", "6"}, {"satisfiable", "no"}};
    for (const auto& example : task->generate(request)) {
      CHECK(split_of(task->fingerprint(*example.problem)) == Split::Test);
      CHECK_FALSE(example.solution);
      CHECK(task->solve_reference(*example.problem, 10000.0) == nullptr);
    }
    request.parameters = {{"satisfiable", "maybe"}};
    CHECK_THROWS_AS(task->generate(request), TaskInputError);
  }

  TEST_CASE("end to end: an n=20 random 3-SAT formula solved by energy minimisation (default sampler)") {
    auto task = make_task();
    std::vector<ProblemPtr> problems;
    if (on_path("minisat")) {
      const GenerateRequest request{/*count=*/2, /*seed=*/3, Split::Train, {{"variables", "20"}}};
      for (const auto& example : task->generate(request)) problems.push_back(example.problem);
    } else {  // planted: the clauses of a random formula that a hidden assignment satisfies
      std::mt19937_64 rng(2);
      Assignment planted(20);
      std::bernoulli_distribution coin(0.5);
      for (auto&& value : planted) value = coin(rng);
      Formula formula;
      formula.variables = 20;
      for (const auto& clause : random_k_sat({20, 4.26, 3}, rng).clauses)
        if (clause_satisfied(clause, planted)) formula.clauses.push_back(clause);
      problems.push_back(problem_of(formula));
    }
    EbmSettings settings;
    settings.budget_ms = 20000;
    settings.seed = 4;
    const SolveReport report = solve_with_energy(*task, problems, settings);
    REQUIRE(report.problems.size() == problems.size());
    for (size_t i = 0; i < problems.size(); ++i) {
      CHECK(report.problems[i].verified);
      CHECK(report.problems[i].energy == 0.0);
      std::string why;
      REQUIRE(report.problems[i].answer);
      CHECK_MESSAGE(task->verify(*problems[i], *report.problems[i].answer, &why), why);
    }
  }

  TEST_CASE("the relaxed space: mirror Langevin on probabilities reaches a model of a small formula") {
    auto task = make_task();
    std::istringstream in("p cnf 6 6\n1 2 -3 0\n-1 3 0\n-2 4 5 0\n-4 -5 0\n6 -1 0\n-6 2 0\n");
    auto examples = task->read(in, "small.cnf", {});
    std::vector<ProblemPtr> problems{examples[0].problem};
    // The task encodes one-hot rows; the generic solver gives mirror Langevin the simplices instead.
    CHECK(task->encode(problems, torch::kCPU).space.kind == AnswerKind::OneHot);
    EbmSettings settings;
    settings.sampler = "anneal:t_start=0.3,t_end=0.01/langevin:mirror=true,step=0.2,chains=8,steps=3000";
    settings.seed = 1;
    const SolveReport report = solve_with_energy(*task, problems, settings);
    CHECK(report.problems[0].verified);
  }
}
