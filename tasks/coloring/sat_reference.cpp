#include "tasks/coloring/sat_reference.h"

#include "tasks/sat/external_solver.h"

#include <algorithm>
#include <stdexcept>

namespace ebm::coloring {

sat::Formula coloring_formula(const Graph& graph) {
  const int32_t k = graph.colors;
  auto x = [k](int32_t vertex, int32_t color) { return vertex * k + color + 1; };
  sat::Formula formula;
  formula.variables = int64_t(graph.vertices) * k;
  for (int32_t v = 0; v < graph.vertices; ++v) {
    std::vector<int32_t> some;
    for (int32_t c = 0; c < k; ++c) some.push_back(x(v, c));
    formula.clauses.push_back(some);
    for (int32_t c = 0; c < k; ++c)
      for (int32_t d = c + 1; d < k; ++d) formula.clauses.push_back({-x(v, c), -x(v, d)});
  }
  for (const auto& [u, w] : graph.edges)
    for (int32_t c = 0; c < k; ++c) formula.clauses.push_back({-x(u, c), -x(w, c)});
  if (graph.vertices > 0 && k > 0) {
    const auto degree = graph.degrees();
    const int32_t hub = int32_t(std::max_element(degree.begin(), degree.end()) - degree.begin());
    formula.clauses.push_back({x(hub, 0)});
  }
  return formula;
}

DsaturResult sat_color(const Graph& graph, double limit_ms, const std::string& solver) {
  const sat::ExternalResult run = sat::run_external_solver(solver, coloring_formula(graph), limit_ms);
  DsaturResult result;
  result.ms = run.ms;
  if (run.verdict == sat::Verdict::Unknown) return result;  // TimedOut
  if (run.verdict == sat::Verdict::Unsatisfiable) {
    result.status = DsaturStatus::Uncolorable;
    return result;
  }
  result.coloring.color.assign(size_t(graph.vertices), 0);
  for (int32_t v = 0; v < graph.vertices; ++v)
    for (int32_t c = 0; c < graph.colors; ++c)
      if (run.model[size_t(v * graph.colors + c)]) result.coloring.color[size_t(v)] = c;
  if (!is_valid_coloring(graph, result.coloring))
    throw std::runtime_error(solver + " returned a model that is not a proper colouring");
  result.status = DsaturStatus::Colorable;
  return result;
}

}  // namespace ebm::coloring
