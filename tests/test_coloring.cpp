// Known-answer tests of the graph colouring task: the DIMACS parser's errors, the exact verifier, the
// conflict energy and its closed-form gradient, the flat-graph generator, an end-to-end colouring by
// energy minimisation, and the DSATUR reference.
#include <torch/torch.h>

#include <doctest/doctest.h>

#include "ebm/samplers/driver.h"
#include "ebm/samplers/registry.h"
#include "tests/task_test_helpers.h"
#include "tasks/coloring/encoding.h"
#include "tasks/coloring/energies.h"
#include "tasks/coloring/generator.h"
#include "tasks/coloring/graph.h"
#include "tasks/coloring/reference_solver.h"
#include "tasks/coloring/sat_reference.h"
#include "tasks/coloring/task.h"

#include <array>
#include <set>
#include <sstream>

using namespace ebm;
using namespace ebm::coloring;

namespace {

Graph parse(const std::string& text, int32_t colors = 3) {
  std::istringstream in(text);
  return read_dimacs(in, "g.col", colors);
}

// The message of the TaskInputError that parsing `text` throws ("" when none).
std::string parse_error(const std::string& text) {
  return ebm::testing::input_error_of([&] { parse(text); });
}

Graph cycle(int32_t length, int32_t colors) {
  Graph g;
  g.vertices = length;
  g.colors = colors;
  for (int32_t v = 0; v < length; ++v) g.edges.emplace_back(v, (v + 1) % length);
  canonicalize(g.edges);
  return g;
}

Coloring coloring_of(std::vector<int32_t> colors) {
  Coloring c;
  c.color = std::move(colors);
  return c;
}

std::vector<Example> generated(int32_t vertices, int64_t count, uint64_t seed, Split split,
                               EdgeMethod method = EdgeMethod::Culberson) {
  FlatGraphSpec spec;
  spec.vertices = vertices;
  spec.method = method;
  std::vector<Example> examples;
  for (auto& made : generate_flat_graphs(spec, count, seed, split)) examples.push_back({made.graph, made.planted});
  return examples;
}

}  // namespace

TEST_SUITE("coloring") {
  TEST_CASE("parser: a graph with comments, 'p col', CRLF and a repeated edge") {
    Graph g = parse("c hello\r\np col 4 4\r\ne 1 2\ne 2 1\n\ne 2 3\ne 4 3\n", 2);
    CHECK(g.vertices == 4);
    CHECK(g.colors == 2);
    CHECK(g.edges == std::vector<Edge>{{0, 1}, {1, 2}, {2, 3}});
  }

  TEST_CASE("parser: bad inputs name the line") {
    CHECK(parse_error("c only a comment\n") == "g.col:1: no 'p edge VERTICES EDGES' header");
    CHECK(parse_error("e 1 2\np edge 2 1\n").rfind("g.col:1: edge before", 0) == 0);
    CHECK(parse_error("c x\np edge two 1\ne 1 2\n").rfind("g.col:2: bad header", 0) == 0);
    CHECK(parse_error("p graph 2 1\ne 1 2\n").rfind("g.col:1: bad header", 0) == 0);
    CHECK(parse_error("p edge 3 1\ne 1 4\n") == "g.col:2: vertex 4 out of range 1..3");
    CHECK(parse_error("p edge 3 1\ne 0 1\n") == "g.col:2: vertex 0 out of range 1..3");
    CHECK(parse_error("p edge 3 2\ne 1 2\ne 3 3\n").rfind("g.col:3: self-loop on vertex 3", 0) == 0);
    CHECK(parse_error("p edge 3 1\ne 1\n").rfind("g.col:2: malformed edge line", 0) == 0);
    CHECK(parse_error("p edge 3 1\ne 1 x\n").rfind("g.col:2: malformed edge line", 0) == 0);
    CHECK(parse_error("p edge 3 1\nn 1 2\ne 1 2\n").rfind("g.col:2: unknown line type 'n'", 0) == 0);
    CHECK(parse_error("c\nc\np edge 3 3\ne 1 2\ne 2 3\n") == "g.col:3: the header declares 3 edges, the file has 2 edge lines");
    CHECK(parse_error("p edge 3 1\ne 1 2\np edge 3 1\n").rfind("g.col:3: second 'p' header", 0) == 0);
  }

  TEST_CASE("verifier: accepts a proper colouring, rejects conflicts, colours out of 1..K, wrong lengths") {
    Graph g = cycle(5, 3);
    std::string why;
    CHECK(is_valid_coloring(g, coloring_of({0, 1, 0, 1, 2}), &why));
    CHECK_FALSE(is_valid_coloring(g, coloring_of({0, 1, 0, 1, 0}), &why));
    CHECK(why == "edge 1-5 joins two vertices of colour 1");
    CHECK_FALSE(is_valid_coloring(g, coloring_of({0, 1, 0, 1, -1}), &why));  // colour 0 in the text
    CHECK(why == "vertex 5 has colour 0, outside 1..3");
    CHECK_FALSE(is_valid_coloring(g, coloring_of({0, 1, 0, 1, 3}), &why));   // colour K+1
    CHECK(why == "vertex 5 has colour 4, outside 1..3");
    CHECK_FALSE(is_valid_coloring(g, coloring_of({0, 1, 0, 1}), &why));
    CHECK(why == "the colouring has 4 vertices, the graph 5");
  }

  TEST_CASE("task: solution output, exit status, JSON, same partition under renamed colours") {
    auto task = make_task();
    Graph g = cycle(3, 3);
    Coloring c = coloring_of({2, 0, 1});
    std::ostringstream out, none;
    task->write_answer(out, g, &c);
    CHECK(out.str() == "s col 3\nl 1 3\nl 2 1\nl 3 2\n");
    task->write_answer(none, g, nullptr);
    CHECK(none.str() == "s UNKNOWN\n");
    CHECK(task->exit_status(2, 2) == 10);
    CHECK(task->exit_status(1, 2) == 0);
    CHECK(task->answer_json(g, c)["coloring"] == nlohmann::json::array({3, 1, 2}));
    CHECK(task->same_answer(c, coloring_of({0, 1, 2})));
    CHECK_FALSE(task->same_answer(c, coloring_of({0, 0, 2})));
  }

  TEST_CASE("energy: counts conflicting edges on one-hot states; closed-form gradient = autograd") {
    Graph a = cycle(5, 3), b = cycle(4, 3);
    b.vertices = 5;  // a 4-cycle plus an isolated vertex: fewer edges, so its list is padded
    auto edges = edge_lists({&a, &b});
    CHECK(edges.size(1) == 5);
    ConflictEnergy energy;
    auto colors = torch::tensor({0, 1, 0, 1, 0, 0, 0, 1, 1, 2}, torch::kLong).view({2, 5});
    auto one_hot = torch::one_hot(colors, 3).to(torch::kFloat);
    auto e = energy.forward(edges, one_hot);
    CHECK(e[0].item<float>() == 1.0f);  // edge 1-5
    CHECK(e[1].item<float>() == 2.0f);  // edges 1-2 and 3-4
    CHECK(torch::equal(conflict_counts(colors, edges), torch::tensor({1.0f, 2.0f})));
    CHECK(torch::equal(proper_colorings(colors, edges), torch::tensor({false, false})));

    auto y = torch::softmax(torch::randn({2, 5, 3}, torch::TensorOptions().dtype(torch::kDouble)), -1);
    auto fused = energy.closed_form_energy_and_gradient(edges, y);
    auto leaf = y.clone().requires_grad_(true);
    auto value = energy.forward(edges, leaf);
    auto grad = torch::autograd::grad({value.sum()}, {leaf})[0];
    CHECK(torch::allclose(fused.energy, value.detach()));
    CHECK(torch::allclose(fused.gradient, grad));
    CHECK(torch::allclose(energy.closed_form_gradient(edges, y), grad));
  }

  TEST_CASE("generator: reproducible, flat, planted colouring proper, split-correct") {
    auto first = generated(60, 4, 7, Split::Train), again = generated(60, 4, 7, Split::Train);
    auto other = generated(60, 4, 8, Split::Train);
    for (size_t i = 0; i < first.size(); ++i) {
      const auto& g = static_cast<const Graph&>(*first[i].problem);
      CHECK(g.edges == static_cast<const Graph&>(*again[i].problem).edges);
      CHECK(g.edges != static_cast<const Graph&>(*other[i].problem).edges);
      CHECK(g.edges.size() == 144u);  // round(2.395 * 60)
      CHECK(is_valid_coloring(g, static_cast<const Coloring&>(*first[i].solution)));
      CHECK(split_of(content_fingerprint(canonical_text(g))) == Split::Train);
      // Culberson's caps: classes of 20, e_AB = 48 per pair, so at most ceil(48 / 20) + 1 = 4 edges (flatness
      // 1) from a vertex into each other class, at most 8 in all.
      const auto& planted = static_cast<const Coloring&>(*first[i].solution).color;
      std::vector<std::array<int, 3>> into(60, {0, 0, 0});
      for (const auto& [u, v] : g.edges) ++into[u][planted[v]], ++into[v][planted[u]];
      for (const auto& counts : into)
        for (int c : counts) CHECK(c <= 4);
    }
    // Balanced: every degree within K - 1 of every other; uniform and Culberson: spread degrees.
    auto spread = [](const Example& e) {
      auto degree = static_cast<const Graph&>(*e.problem).degrees();
      return *std::max_element(degree.begin(), degree.end()) - *std::min_element(degree.begin(), degree.end());
    };
    for (const auto& e : generated(200, 3, 7, Split::Train, EdgeMethod::Balanced)) CHECK(spread(e) <= 2);
    for (const auto& e : generated(200, 3, 7, Split::Train, EdgeMethod::Culberson)) CHECK(spread(e) >= 4);
    for (const auto& e : generated(200, 3, 7, Split::Train, EdgeMethod::Uniform)) {
      CHECK(spread(e) >= 6);
      CHECK(is_valid_coloring(static_cast<const Graph&>(*e.problem), static_cast<const Coloring&>(*e.solution)));
      CHECK(static_cast<const Graph&>(*e.problem).edges.size() == 479u);
    }
    CHECK(parse_edge_method("uniform") == EdgeMethod::Uniform);
    CHECK_THROWS_WITH_AS(parse_edge_method("flat"), doctest::Contains("culberson, uniform or balanced"), TaskInputError);
    auto task = make_task();
    std::set<uint64_t> seen;
    for (Split split : {Split::Train, Split::Validation, Split::Test})
      for (const auto& example : generated(30, 20, 3, split)) {
        CHECK(split_of(task->fingerprint(*example.problem)) == split);
        CHECK(seen.insert(task->fingerprint(*example.problem)).second);
      }
    FlatGraphSpec bad;
    bad.vertices = 6;
    bad.edges = 13;  // three classes of 2 hold at most 12 edges
    CHECK_THROWS_AS(bad.validate(), TaskInputError);
  }

  TEST_CASE("task: generated .col text reads back, with --colors applied") {
    auto task = make_task();
    const GenerateRequest request{/*count=*/1, /*seed=*/1, Split::Test, {{"vertices", "20"}, {"colors", "4"}}};
    auto examples = task->generate(request);
    std::stringstream text;
    task->write_problems(text, examples);
    auto back = task->read(text, "back.col", {{"colors", "4"}});
    REQUIRE(back.size() == 1);
    const auto& g = static_cast<const Graph&>(*back[0].problem);
    CHECK(g.colors == 4);
    CHECK(g.edges == static_cast<const Graph&>(*examples[0].problem).edges);
    CHECK(g.edges.size() == 48u);
    CHECK_THROWS_AS(task->read(text, "x.col", {{"colors", "three"}}), TaskInputError);
    CHECK(task->encode({back[0].problem}, torch::kCPU).space.kind == AnswerKind::OneHot);
    std::istringstream again("p edge 2 1\ne 1 2\n");
    auto other = task->read(again, "r.col", {});
    CHECK_FALSE(task->batchable(*other[0].problem, *back[0].problem));  // 2 vertices against 48 edges' graph
  }

  TEST_CASE("a 30-vertex flat graph is coloured end to end by energy minimisation") {
    torch::manual_seed(0);
    auto task = make_task();
    auto examples = generated(30, 2, 11, Split::Train);
    std::vector<ProblemPtr> batch{examples[0].problem, examples[1].problem};
    Encoding encoding = task->encode(batch, torch::kCPU);
    DriverOptions defaults;
    defaults.max_steps = 20000;
    SamplerSpec spec = parse_sampler_spec(task->default_sampler("conflicts"), defaults);
    RunRequest request;
    request.energy = task->make_energy({"conflicts", "", nullptr}, batch, torch::kCPU);
    request.problems = encoding.problems;
    request.condition = encoding.condition;
    request.space = encoding.space;
    request.verifier = encoding.verifier;
    RunResult result = run_sampler(*spec.sampler, request, spec.driver);
    for (size_t i = 0; i < batch.size(); ++i) {
      CHECK(result.problems[i].verified);
      auto answer = task->decode(*batch[i], result.problems[i].answer.unsqueeze(0));
      std::string why;
      CHECK_MESSAGE(task->verify(*batch[i], *answer, &why), why);
    }
  }

  TEST_CASE("DSATUR reference: an odd cycle needs 3 colours; a flat graph gets its K") {
    DsaturResult three = dsatur_color(cycle(7, 3), 1000);
    CHECK(three.status == DsaturStatus::Colorable);
    CHECK(is_valid_coloring(cycle(7, 3), three.coloring));
    CHECK(dsatur_color(cycle(7, 2), 1000).status == DsaturStatus::Uncolorable);
    CHECK(dsatur_color(cycle(8, 2), 1000).status == DsaturStatus::Colorable);
    auto task = make_task();
    auto example = generated(60, 1, 5, Split::Train)[0];
    auto answer = task->solve_reference(*example.problem, 5000);
    REQUIRE(answer);
    CHECK(task->verify(*example.problem, *answer));
    CHECK(task->reference_name() == "minisat");
  }

  TEST_CASE("SAT reference: minisat on the encoding colours what is colourable, refutes what is not") {
    DsaturResult three = sat_color(cycle(7, 3), 10000);
    REQUIRE(three.status == DsaturStatus::Colorable);
    CHECK(is_valid_coloring(cycle(7, 3), three.coloring));
    CHECK(sat_color(cycle(7, 2), 10000).status == DsaturStatus::Uncolorable);
    CHECK(sat_color(cycle(8, 2), 10000).status == DsaturStatus::Colorable);
    const sat::Formula formula = coloring_formula(cycle(7, 3));
    CHECK(formula.variables == 21);
    CHECK(formula.num_clauses() == 7 + 7 * 3 + 7 * 3 + 1);  // some colour, at most one, edges, symmetry
    for (const auto& example : generated(200, 2, 9, Split::Test)) {  // Culberson-flat, V = 200
      const auto& graph = static_cast<const Graph&>(*example.problem);
      DsaturResult result = sat_color(graph, 60000);
      REQUIRE(result.status == DsaturStatus::Colorable);
      CHECK(is_valid_coloring(graph, result.coloring));
    }
  }
}
