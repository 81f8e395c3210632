// The discrete IRED tasks (connectivity, shortest-path) and the AR baseline of tensor tasks: small
// graphs with hand-computed answers verify and wrong answers are refused with their reason, the DNC
// generator draws what IRED's does (degrees, distances, sizes), AR tokens round-trip, the training
// streams stay in the train split, and energy, feed-forward and AR models train, checkpoint and
// answer through the harness.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/checkpoint.h"
#include "ebm/harness.h"
#include "ebm/learning/landscape_energy.h"
#include "ebm/trainer.h"
#include "ebm/samplers/task_solver.h"
#include "ebm/tasks/registry.h"
#include "tasks/tensor/graphs.h"
#include "tasks/tensor/tensor_task.h"
#include "tasks/tensor/training.h"
#include "tests/task_test_helpers.h"

#include <filesystem>
#include <set>
#include <sstream>

using namespace ebm;

namespace {

std::shared_ptr<const tensor::TensorTask> graph_task(const std::string& name) {
  auto task = std::dynamic_pointer_cast<const tensor::TensorTask>(find_task(name));
  REQUIRE(task != nullptr);
  return task;
}

// One problem (with its answer, which read() checks) from a JSON line.
Example read_line(const Task& task, const nlohmann::json& line) {
  std::istringstream in(line.dump() + "\n");
  auto examples = task.read(in, "graph.jsonl", {});
  REQUIRE(examples.size() == 1);
  return examples.front();
}

std::vector<float> flat(const torch::Tensor& t) {
  auto f = t.to(torch::kFloat).contiguous().reshape({-1});
  return std::vector<float>(f.data_ptr<float>(), f.data_ptr<float>() + f.numel());
}

tensor::TensorAnswer answer_of(torch::Tensor value) {
  tensor::TensorAnswer a;
  a.value = std::move(value);
  return a;
}

// 5 nodes, edges 0-1, 1-2, 3-4: components {0, 1, 2} and {3, 4}.
torch::Tensor two_components() {
  auto a = torch::zeros({5, 5});
  for (auto [i, j] : {std::pair<int, int>{0, 1}, {1, 2}, {3, 4}}) a[i][j] = a[j][i] = 1;
  return a;
}

// 6 nodes, edges 0->1, 1->2, 0->3, 3->4, 4->2, 2->5; start 0, goal 2 (two moves: 0 -> 1 -> 2; the
// detour 0 -> 3 -> 4 -> 2 follows edges but takes three).
torch::Tensor detour_condition() {
  auto c = torch::zeros({6, 8});
  for (auto [i, j] : {std::pair<int, int>{0, 1}, {1, 2}, {0, 3}, {3, 4}, {4, 2}, {2, 5}}) c[i][j] = 1;
  c[0][6] = 1;  // start
  c[2][7] = 1;  // goal
  return c;
}

torch::Tensor plan(const std::vector<int64_t>& nodes, int64_t n) {
  return torch::one_hot(torch::tensor(nodes), n).to(torch::kFloat);
}

std::string temp_path(const std::string& name) { return (std::filesystem::temp_directory_path() / name).string(); }

}  // namespace

TEST_SUITE("ired") {
  TEST_CASE("connectivity: a hand-computed matrix verifies; a wrong pair is refused naming it; accuracy counts entries") {
    auto task = graph_task("connectivity");
    auto connected = torch::zeros({5, 5}, torch::kLong);
    connected.narrow(0, 0, 3).narrow(1, 0, 3).fill_(1);
    connected.narrow(0, 3, 2).narrow(1, 3, 2).fill_(1);
    const auto right = torch::one_hot(connected.reshape({-1}), 2).to(torch::kFloat);
    const auto example = read_line(*task, {{"size", 5}, {"condition", flat(two_components())}, {"answer", flat(right)}});
    CHECK(task->verify(*example.problem, answer_of(right)));
    CHECK(task->measure(*example.problem, answer_of(right), nullptr).at("accuracy") == doctest::Approx(1.0));

    auto joined = connected.clone();
    joined[0][3] = joined[3][0] = 1;  // no path joins 0 and 3
    const auto wrong = answer_of(torch::one_hot(joined.reshape({-1}), 2).to(torch::kFloat));
    std::string why;
    CHECK_FALSE(task->verify(*example.problem, wrong, &why));
    CHECK(why.find("pair (0, 3)") != std::string::npos);
    CHECK(why.find("no path joins them") != std::string::npos);
    CHECK(task->measure(*example.problem, wrong, nullptr).at("accuracy") == doctest::Approx(23.0 / 25.0));
    auto self_unreached = connected.clone();
    self_unreached[4][4] = 0;  // every node reaches itself
    CHECK_FALSE(task->verify(*example.problem, answer_of(torch::one_hot(self_unreached.reshape({-1}), 2).to(torch::kFloat))));

    // Files: a directed or a non-0/1 adjacency is refused naming the line.
    auto directed = two_components();
    directed[1][0] = 0;
    CHECK(testing::input_error_of([&] { read_line(*task, {{"size", 5}, {"condition", flat(directed)}}); })
              .find("graph.jsonl:1: the adjacency of an undirected graph must be symmetric") != std::string::npos);
    auto weighted = two_components() * 2;
    CHECK(testing::input_error_of([&] { read_line(*task, {{"size", 5}, {"condition", flat(weighted)}}); })
              .find("only 0 and 1") != std::string::npos);
  }

  TEST_CASE("shortest-path: every shortest plan verifies; detours, jumps and leaving the goal are refused") {
    auto task = graph_task("shortest-path");
    const auto example = read_line(*task, {{"size", 6}, {"condition", flat(detour_condition())},
                                           {"answer", flat(plan({1, 2, 2, 2, 2, 2, 2, 2}, 6))}});
    const auto& problem = *example.problem;
    const std::vector<std::pair<std::vector<int64_t>, std::string>> refused = {
        {{3, 4, 2, 2, 2, 2, 2, 2}, "step 0 (0 -> 3) does not bring the goal one move closer"},
        {{2, 2, 2, 2, 2, 2, 2, 2}, "step 0 (0 -> 2) follows no edge"},
        {{1, 2, 5, 5, 5, 5, 5, 5}, "step 2 (2 -> 5) leaves the goal"},
        {{1, 1, 2, 2, 2, 2, 2, 2}, "step 1 (1 -> 1) follows no edge"}};
    for (const auto& case_ : refused) {
      const auto& nodes = case_.first;
      const std::string& reason = case_.second;  // a named reference: clang 14 cannot capture a binding
      CAPTURE(reason);
      std::string why;
      CHECK_FALSE(task->verify(problem, answer_of(plan(nodes, 6)), &why));
      CHECK(why == reason);
    }
    const auto measured = task->measure(problem, answer_of(plan({3, 4, 2, 2, 2, 2, 2, 2}, 6)), nullptr);
    CHECK(measured.at("first_action_success") == 0.0);  // node 3 is two moves from the goal, as the start
    CHECK(measured.at("accuracy") == doctest::Approx(6.0 / 8.0));
    const auto stuck = task->measure(problem, answer_of(plan({1, 1, 1, 1, 1, 1, 1, 1}, 6)), nullptr);
    CHECK(stuck.at("first_action_success") == 1.0);
    CHECK(stuck.at("accuracy") == doctest::Approx(1.0 / 8.0));

    // Two shortest paths: both verify, the one unlike the reference scores accuracy below 1.
    auto two_ways = detour_condition();
    two_ways[0][4] = 1;  // 0 -> 4 -> 2 is a second two-move path
    const auto other = read_line(*task, {{"size", 6}, {"condition", flat(two_ways)},
                                         {"answer", flat(plan({1, 2, 2, 2, 2, 2, 2, 2}, 6))}});
    const auto alternative = answer_of(plan({4, 2, 2, 2, 2, 2, 2, 2}, 6));
    CHECK(task->verify(*other.problem, alternative));
    CHECK(task->measure(*other.problem, alternative, nullptr).at("accuracy") == doctest::Approx(7.0 / 8.0));

    auto two_starts = detour_condition();
    two_starts[1][6] = 1;
    CHECK(testing::input_error_of([&] { read_line(*task, {{"size", 6}, {"condition", flat(two_starts)}}); })
              .find("the start column must be one-hot") != std::string::npos);
    // A goal three moves away; a goal that cannot be reached (node 5 has no successor).
    auto farther = detour_condition();
    farther.select(1, 7).zero_();
    farther[5][7] = 1;
    const auto far = read_line(*task, {{"size", 6}, {"condition", flat(farther)}});
    CHECK(task->verify(*far.problem, answer_of(plan({1, 2, 5, 5, 5, 5, 5, 5}, 6))));
    auto stranded = detour_condition();
    stranded.select(1, 6).zero_();
    stranded[5][6] = 1;
    const auto lost = read_line(*task, {{"size", 6}, {"condition", flat(stranded)}});
    std::string why;
    CHECK_FALSE(task->verify(*lost.problem, answer_of(plan({2, 2, 2, 2, 2, 2, 2, 2}, 6)), &why));
    CHECK(why == "the goal cannot be reached from the start");
  }

  TEST_CASE("DNC generator: out-degrees in [1, bound], no self-loops, undirected graphs symmetric; IRED's bounds") {
    CHECK(tensor::dnc_max_out_degree(12, 0.2) == 2);
    CHECK(tensor::dnc_max_out_degree(18, 0.2) == 3);
    CHECK(tensor::dnc_max_out_degree(15, 0.5) == 7);
    CHECK(tensor::dnc_max_out_degree(25, 0.5) == 12);
    CHECK(tensor::dnc_max_out_degree(4, 0.2) == 1);
    std::mt19937_64 rng(3);
    std::set<int64_t> degrees;
    for (int draw = 0; draw < 20; ++draw) {
      const auto directed = tensor::dnc_graph(15, 7, true, rng);
      for (int64_t i = 0; i < 15; ++i) {
        CHECK_FALSE(directed.edge(i, i));
        degrees.insert(directed.out_degree(i));
      }
      const auto undirected = tensor::dnc_graph(12, 2, false, rng);
      CHECK(torch::equal(undirected.to_tensor(), undirected.to_tensor().t()));
    }
    CHECK(*degrees.begin() == 1);
    CHECK(*degrees.rbegin() == 7);
    // Nearest neighbours: on a line of three points the middle one is everyone's nearest.
    tensor::Digraph path(3);
    path.set_edge(0, 1);
    path.set_edge(1, 2);
    CHECK(tensor::hop_distances(path) == std::vector<int64_t>{0, 1, 2, -1, 0, 1, -1, -1, 0});
    CHECK(torch::equal(tensor::reachability(path), torch::tensor({1.f, 1.f, 1.f, 0.f, 1.f, 1.f, 0.f, 0.f, 1.f}).reshape({3, 3})));
  }

  TEST_CASE("generators: connectivity has 12 nodes (harder 18); shortest-path distances 2-4 on 15 nodes (harder 25)") {
    auto connectivity = graph_task("connectivity");
    for (auto [split, n] : {std::pair<Split, int64_t>{Split::Train, 12}, {Split::Harder, 18}}) {
      for (const auto& p : connectivity->draw_problems(split, 10, 4)) {
        CHECK(p->size == n);
        CHECK(p->condition.sum(1).min().item<float>() >= 1.0f);  // every node has a neighbour
        CHECK(connectivity->verify(*p, answer_of(p->reference)));
      }
    }
    auto paths = graph_task("shortest-path");
    for (auto [split, n] : {std::pair<Split, int64_t>{Split::Train, 15}, {Split::Harder, 25}}) {
      std::set<int64_t> distances;
      for (const auto& p : paths->draw_problems(split, 40, 4)) {
        CHECK(p->size == n);
        auto adjacency = p->condition.narrow(1, 0, n);
        CHECK(adjacency.sum(1).min().item<float>() >= 1.0f);
        CHECK(adjacency.sum(1).max().item<float>() <= float(tensor::dnc_max_out_degree(n, 0.5)));
        CHECK(paths->verify(*p, answer_of(p->reference)));
        // The distance is where the plan first reaches the goal.
        const auto steps = p->reference.argmax(-1);
        const int64_t goal = p->condition.select(1, n + 1).argmax().item<int64_t>();
        distances.insert((steps == goal).to(torch::kLong).argmax().item<int64_t>() + 1);
      }
      CHECK(distances == std::set<int64_t>{2, 3, 4});
    }
  }

  TEST_CASE("training streams of both graph tasks lie in the train split and never hold a test or harder problem") {
    for (const char* name : {"connectivity", "shortest-path"}) {
      CAPTURE(name);
      auto task = graph_task(name);
      std::set<uint64_t> held_out;
      for (Split split : {Split::Test, Split::Harder, Split::Validation})
        for (const auto& p : task->draw_problems(split, 40, 0)) held_out.insert(task->fingerprint(*p));
      TrainingOptions options;
      options.batch = 20;
      for (int64_t step = 0; step < 5; ++step)
        for (const auto& p : tensor::training_batch(*task, options, step)) {
          CHECK(split_of(task->fingerprint(*p)) == Split::Train);
          CHECK(held_out.count(task->fingerprint(*p)) == 0);
        }
      // Same seed and step, same problems (what makes the three model kinds' streams equal).
      CHECK(task->fingerprint(*tensor::training_batch(*task, options, 3)[7]) ==
            task->fingerprint(*tensor::training_batch(*task, options, 3)[7]));
    }
  }

  TEST_CASE("AR tokens: answers round-trip through tokens; the masks allow token types only; bad tokens are refused") {
    for (const char* name : {"connectivity", "shortest-path"}) {
      CAPTURE(name);
      auto task = graph_task(name);
      for (Split split : {Split::Test, Split::Harder}) {
        const auto p = task->draw_problems(split, 1, 9).front();
        const auto prompt = task->prompt_tokens(*p);
        const auto tokens = task->answer_tokens(*p, p->reference);
        CHECK(torch::equal(task->answer_from_tokens(*p, tokens), p->reference));
        CHECK(prompt.back() == 2);  // SEP
        const auto allowed = task->allowed_tokens(*p);
        REQUIRE(allowed.size(0) == int64_t(tokens.size()));
        CHECK(allowed.size(1) == task->token_vocabulary());
        for (size_t t = 0; t < tokens.size(); ++t) CHECK(allowed[int64_t(t)][tokens[t]].item<bool>());
        CHECK_FALSE(allowed.select(1, 2).any().item<bool>());  // never SEP
        auto with_separator = tokens;
        with_separator.front() = 2;
        CHECK_THROWS_AS(task->answer_from_tokens(*p, with_separator), std::invalid_argument);
      }
    }
    auto paths = graph_task("shortest-path");
    const auto p = paths->draw_problems(Split::Test, 1, 9).front();
    CHECK(paths->prompt_tokens(*p).size() == size_t(15 * 14 + 3));
    CHECK(paths->allowed_tokens(*p).sum().item<int64_t>() == 8 * 15);  // nodes 0..14 at each of 8 steps
    const auto large = paths->draw_problems(Split::Test, 1, 9, 26).front();
    CHECK_THROWS_WITH_AS(paths->prompt_tokens(*large), doctest::Contains("cannot be tokenised"), std::invalid_argument);
  }

  TEST_CASE("energy, feed-forward and AR train on both graph tasks, checkpoint, and answer through the harness") {
    for (const char* name : {"connectivity", "shortest-path"}) {
      CAPTURE(name);
      auto task = graph_task(name);
      const std::string stem = temp_path(std::string("ebm_test_") + name);
      TrainingOptions options;
      options.steps = 2;
      options.batch = 4;
      options.validate_every = 2;
      std::ostringstream log;
      const TaskParameters small = {{"hidden", "8"}, {"d-model", "8"}, {"layers", "1"}, {"landscapes", "2"},
                                    {"validation-problems", "3"}, {"validation-steps", "1"}};
      std::vector<SolverUnderTest> solvers;
      SolverContext context;
      for (const char* kind : {"energy", "feedforward", "ar"}) {
        auto parameters = small;
        parameters["model"] = kind;
        options.output = stem + "-" + kind + ".ckpt";
        const auto result = run_training(*make_training_recipe(*task, options, parameters), options, log);
        CHECK(result.metrics.contains("solve_rate"));
        CHECK(read_checkpoint_metadata(options.output).at("kind") == task->name() + "-" + kind);
      }
      solvers.push_back({"ebm", make_solver(task, "ebm:model=" + stem + "-energy.ckpt,steps=4", context)});
      solvers.push_back({"feedforward", make_solver(task, "feedforward:" + stem + "-feedforward.ckpt", context)});
      solvers.push_back({"ar", make_solver(task, "ar:" + stem + "-ar.ckpt,decode=greedy", context)});
      // Harder: the networks are size-agnostic; the AR's table holds harder sequences.
      const GenerateRequest request{/*count=*/3, /*seed=*/1, Split::Harder, {}};
      const auto report = evaluate(*task, generate_examples(*task, request), solvers, HarnessOptions{});
      REQUIRE(report.solvers.size() == 3);
      for (const auto& e : report.solvers) {
        CAPTURE(e.spec);
        CHECK(e.problems == 3);
        CHECK(e.measures.count(std::string(name) == "connectivity" ? "accuracy" : "first_action_success") == 1);
        CHECK(e.parameters > 0);
        CHECK(e.wrong_claimed == 0);
      }
      const auto harder = task->draw_problems(Split::Harder, 1, 1).front();
      const double positions = double(task->prompt_tokens(*harder).size() + task->allowed_tokens(*harder).size(0) - 1);
      CHECK(report.solvers[2].mean_forward_passes == positions);
      CHECK(report.solvers[2].name == "ar:greedy");
      const std::string energy_kind = task->name() + "-energy";
      CHECK_THROWS_WITH_AS(make_solver(task, "ar:" + stem + "-energy.ckpt", context),
                           doctest::Contains(energy_kind.c_str()), CheckpointError);
      // The one AR baseline decodes every task in every mode: beam search here too.
      const auto beams = make_solver(task, "ar:" + stem + "-ar.ckpt,decode=beam:3", context)->solve({harder});
      CHECK(beams.front().forward_passes == double(task->prompt_tokens(*harder).size()) +
                                                3.0 * double(task->allowed_tokens(*harder).size(0) - 1));
      CHECK_THROWS_WITH_AS(make_solver(task, "ar:" + stem + "-ar.ckpt,decode=nucleus:0.9", context),
                           doctest::Contains("unknown decoder"), std::invalid_argument);
      // A budget spent before the second position: every problem unanswered, none half-decoded.
      SolverContext no_time = context;
      no_time.budget_ms = 1e-6;
      const auto cut_off = make_solver(task, "ar:" + stem + "-ar.ckpt,decode=greedy", no_time)->solve({harder, harder});
      REQUIRE(cut_off.size() == 2);
      for (const auto& outcome : cut_off) CHECK(outcome.answer == nullptr);
      for (const char* kind : {"energy", "feedforward", "ar"}) {
        std::filesystem::remove(stem + "-" + kind + ".ckpt");
        std::filesystem::remove(stem + "-" + kind + ".ckpt.optim");
      }
    }
  }

  TEST_CASE("matched sizes: the default feed-forward and AR models have the default energy's parameter count within 5%") {
    for (const char* name : {"connectivity", "shortest-path"}) {
      CAPTURE(name);
      auto task = graph_task(name);
      TrainingOptions options;
      std::ostringstream log;
      auto energy = task->training_recipe(options, {});
      const double target = double(parameter_count(energy->module()));
      for (const char* kind : {"feedforward", "ar"}) {
        CAPTURE(kind);
        auto recipe = make_training_recipe(*task, options, {{"model", kind}});
        CHECK(double(parameter_count(recipe->module())) == doctest::Approx(target).epsilon(0.05));
        CHECK(recipe->describe().find("matched to") != std::string::npos);
      }
    }
  }
}
