#include "tasks/coloring/task.h"

#include "tasks/coloring/encoding.h"
#include "tasks/coloring/energies.h"
#include "tasks/coloring/generator.h"
#include "tasks/coloring/graph.h"
#include "tasks/coloring/reference_solver.h"
#include "tasks/coloring/sat_reference.h"

#include <torch/torch.h>

#include <map>
#include <ostream>
#include <stdexcept>

namespace ebm::coloring {

namespace {

const Graph& as_graph(const Problem& problem) {
  return downcast<Graph>(problem, "coloring: the problem is not a graph");
}

const Coloring& as_coloring(const Answer& answer) {
  return downcast<Coloring>(answer, "coloring: the answer is not a colouring");
}

class ColoringTask : public Task {
 public:
  std::string name() const override { return "coloring"; }
  std::string summary() const override {
    return "graph K-colouring of DIMACS .col graphs; generator: Culberson-style flat K-colourable graphs";
  }
  std::string input_format() const override {
    return "One DIMACS .col graph per file: 'c' comments, a 'p edge V M' (or 'p col V M') header, then M lines "
           "'e U V' (1-based, no self-loops; a repeated edge is merged). --colors K sets the colours asked for.";
  }
  std::string output_format() const override {
    return "The DIMACS challenge solution form: 's col K', then 'l VERTEX COLOUR' per vertex (1-based), or "
           "'s UNKNOWN' when no verified colouring was found. Exit status 0 when every graph was coloured, else 3;\n"
           "with --competition-exit-codes 10, else 0.";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {
        {"colors", "3", "K, the number of colours asked for (colours 1..K)", ProblemParameter | GenerateParameter},
        {"vertices", "200", "V, vertices of each generated graph", GenerateParameter},
        {"edges", "", "M, edges of each generated graph; default round(2.395 * V), flat200_479's density",
         GenerateParameter},
        {"method", "culberson", "how edges are drawn: culberson (random under Culberson's degree caps, the "
         "published flat sets' family), uniform (planted uniform random K-partite), balanced (every degree "
         "within K-1: much easier)", GenerateParameter},
        {"flatness", "1", "Culberson's flatness: added to each degree cap (method culberson); 1 gives the degree "
         "spread of the published flat200_479 (1 to 8), 0 caps degrees at 6", GenerateParameter},
    };
  }

  bool one_problem_per_file() const override { return true; }
  std::string file_extension() const override { return ".col"; }

  std::vector<Example> read(std::istream& in, const std::string& source, const TaskParameters& parameters) const override {
    auto graph = std::make_shared<Graph>(read_dimacs(in, source, colors_parameter(parameters)));
    return {{graph, nullptr}};
  }

  void write_problems(std::ostream& out, const std::vector<Example>& examples) const override {
    for (const auto& example : examples) {
      const Graph& graph = as_graph(*example.problem);
      std::vector<std::string> comments{"source " + graph.source,
                                        std::string("split ") + split_name(split_of(fingerprint(graph)))};
      if (example.solution) {
        std::string planted = "planted colouring (vertex 1..V):";
        for (int32_t c : as_coloring(*example.solution).color) planted += " " + std::to_string(c + 1);
        comments.push_back(planted);
      }
      write_dimacs(out, graph, comments);
    }
  }

  void write_answer(std::ostream& out, const Problem& problem, const Answer* answer) const override {
    write_solution(out, as_graph(problem), answer ? &as_coloring(*answer) : nullptr);
  }

  nlohmann::json answer_json(const Problem& problem, const Answer& answer) const override {
    nlohmann::json colors = nlohmann::json::array();
    for (int32_t c : as_coloring(answer).color) colors.push_back(c + 1);
    return {{"colors", as_graph(problem).colors}, {"coloring", colors}};
  }

  nlohmann::json problem_fields(const Problem& problem) const override {
    const Graph& graph = as_graph(problem);
    return {{"vertices", graph.vertices}, {"edges", graph.edges.size()}, {"colors", graph.colors}};
  }

  int exit_status(size_t verified, size_t total) const override { return total > 0 && verified == total ? 10 : 0; }

  uint64_t fingerprint(const Problem& problem) const override {
    return content_fingerprint(canonical_text(as_graph(problem)));
  }

  bool can_generate() const override { return true; }
  std::vector<Example> generate(const GenerateRequest& request) const override {
    FlatGraphSpec spec;
    const auto infos = parameters();
    spec.colors = colors_parameter(request.parameters);
    const int64_t vertices = parameter_int(request.parameters, infos, "vertices");
    if (vertices < 1 || vertices > 1'000'000)
      throw TaskInputError("--vertices: expected 1..1000000, got " + std::to_string(vertices));
    spec.vertices = static_cast<int32_t>(vertices);
    if (!parameter_value(request.parameters, infos, "edges").empty())
      spec.edges = parameter_int(request.parameters, infos, "edges");
    if (spec.edges < -1) throw TaskInputError("--edges: expected a count >= 0, got " + std::to_string(spec.edges));
    spec.method = parse_edge_method(parameter_value(request.parameters, infos, "method"));
    const int64_t flatness = parameter_int(request.parameters, infos, "flatness");
    if (flatness < 0 || flatness > 1'000'000)
      throw TaskInputError("--flatness: expected 0..1000000, got " + std::to_string(flatness));
    spec.flatness = static_cast<int32_t>(flatness);
    std::vector<Example> examples;
    for (auto& made : generate_flat_graphs(spec, request.count, request.seed, request.split))
      examples.push_back({made.graph, made.planted});
    return examples;
  }

  std::vector<std::string> energy_names() const override { return {"conflicts"}; }

  std::string default_sampler(const std::string& energy) const override {
    (void)energy;
    // Tuned on validation-split flat graphs (docs/COLORING.md): tabu descent with 16 chains per graph,
    // checked every step (tabu leaves a solution on the next step), the verifier called only when a
    // chain has no conflict left; annealed gwg (T 0.5 -> 0.1) took ~5x longer, dmala and mirror
    // Langevin coloured none. focus=true (Tabucol's rule: only vertices in conflict move) took
    // Culberson's flat graphs (V = 200, validation split) from 0/10 to 10/10 within 10 s.
    return "tabu:chains=16,focus=true,verify_every=1,verify_below=0.5,track_best=false";
  }

  EnergyPtr make_energy(const EnergyChoice& choice, const std::vector<ProblemPtr>&,
                        const torch::Device& device) const override {
    if (!choice.name.empty() && choice.name != "conflicts")
      throw std::invalid_argument("coloring: unknown energy '" + choice.name + "' (conflicts)");
    if (choice.learned || !choice.model.empty())
      throw std::invalid_argument("coloring: the conflicts energy is analytic; there is no learned model");
    auto energy = std::make_shared<ConflictEnergy>();
    energy->to(device);
    return energy;
  }

  double flops_per_evaluation(const Energy&, const Problem& problem) const override {
    const Graph& graph = as_graph(problem);
    // Gathers and scatter-adds of K values per edge end, then the V x K product for E.
    return 4.0 * graph.edges.size() * graph.colors + 2.0 * graph.vertices * graph.colors;
  }

  bool batchable(const Problem& a, const Problem& b) const override {
    return as_graph(a).vertices == as_graph(b).vertices && as_graph(a).colors == as_graph(b).colors;
  }

  Encoding encode(const std::vector<ProblemPtr>& batch, const torch::Device& device) const override {
    if (batch.empty()) throw std::invalid_argument("coloring: empty batch");
    std::vector<const Graph*> graphs;
    for (const auto& problem : batch) graphs.push_back(&as_graph(*problem));
    for (const Graph* graph : graphs)
      if (!batchable(*graphs.front(), *graph))
        throw std::invalid_argument("coloring: one batch needs graphs of one vertex count, one K");
    Encoding encoding;
    encoding.problems = static_cast<int64_t>(batch.size());
    encoding.condition = edge_lists(graphs).to(device);
    // One-hot rows; the generic solver hands continuous samplers the same variables as simplices.
    encoding.space = coloring_space(graphs.front()->vertices, graphs.front()->colors, AnswerKind::OneHot);
    const torch::Tensor edges = encoding.condition;
    encoding.verifier = [edges](const torch::Tensor& decoded, const torch::Tensor& problem_index) {
      return proper_colorings(decoded, edges.index_select(0, problem_index));
    };
    encoding.violations = [edges](const torch::Tensor& decoded, const torch::Tensor& problem_index) {
      return conflict_counts(decoded, edges.index_select(0, problem_index));
    };
    encoding.describe = [](const torch::Tensor& decoded) {
      std::vector<std::string> lines;
      auto colors = decoded.to(torch::kCPU);
      for (int64_t n = 0; n < colors.size(0); ++n) {
        std::string line;
        for (int64_t v = 0; v < colors.size(1); ++v) line += (v ? " " : "") + std::to_string(colors[n][v].item<int64_t>() + 1);
        lines.push_back(line);
      }
      return lines;
    };
    return encoding;
  }

  AnswerPtr decode(const Problem& problem, const torch::Tensor& states) const override {
    const Graph& graph = as_graph(problem);
    auto colors = states[0].argmax(-1).to(torch::kCPU).contiguous();
    auto coloring = std::make_shared<Coloring>();
    coloring->color.assign(graph.vertices, 0);
    for (int32_t v = 0; v < graph.vertices && v < colors.size(0); ++v)
      coloring->color[v] = static_cast<int32_t>(colors[v].item<int64_t>());
    return coloring;
  }

  bool verify(const Problem& problem, const Answer& answer, std::string* why) const override {
    return is_valid_coloring(as_graph(problem), as_coloring(answer), why);
  }

  std::map<std::string, double> measure(const Problem& problem, const Answer& answer, const Answer*) const override {
    const Graph& graph = as_graph(problem);
    const Coloring& coloring = as_coloring(answer);
    if (coloring.color.size() != static_cast<size_t>(graph.vertices)) return {};
    return {{"conflicting_edges", static_cast<double>(conflicting_edges(graph, coloring.color))}};
  }

  // The same partition of the vertices into colour classes (colours may be renamed).
  bool same_answer(const Answer& answer, const Answer& solution) const override {
    const auto& a = as_coloring(answer).color;
    const auto& b = as_coloring(solution).color;
    if (a.size() != b.size()) return false;
    std::map<int32_t, int32_t> forward, backward;
    for (size_t v = 0; v < a.size(); ++v) {
      if (forward.emplace(a[v], b[v]).first->second != b[v]) return false;
      if (backward.emplace(b[v], a[v]).first->second != a[v]) return false;
    }
    return true;
  }

  // The exact reference: the SAT encoding through minisat (sat_reference.h). DSATUR (reference_solver.h)
  // rarely finishes Culberson's flat graphs at V >= 175, which minisat colours in well under a second.
  std::string reference_name() const override { return "minisat"; }
  AnswerPtr solve_reference(const Problem& problem, double budget_ms) const override {
    DsaturResult result = sat_color(as_graph(problem), budget_ms > 0 ? budget_ms : 1e9);
    if (result.status != DsaturStatus::Colorable) return nullptr;
    return std::make_shared<Coloring>(result.coloring);
  }

 private:
  int32_t colors_parameter(const TaskParameters& parameters) const {
    const int64_t colors = parameter_int(parameters, this->parameters(), "colors");
    if (colors < 1 || colors > 100000) throw TaskInputError("--colors: expected 1..100000 colours, got " + std::to_string(colors));
    return static_cast<int32_t>(colors);
  }
};

}  // namespace

TaskPtr make_task() { return std::make_shared<ColoringTask>(); }

}  // namespace ebm::coloring
