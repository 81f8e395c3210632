#include "tasks/coloring/encoding.h"

#include <torch/torch.h>

#include <algorithm>
#include <stdexcept>

namespace ebm::coloring {

torch::Tensor edge_lists(const std::vector<const Graph*>& graphs) {
  if (graphs.empty()) throw std::invalid_argument("edge_lists: no graphs");
  const int32_t vertices = graphs.front()->vertices;
  size_t slots = 1;
  for (const Graph* g : graphs) {
    if (g->vertices != vertices)
      throw std::invalid_argument("coloring: graphs of one batch must have the same vertex count (" +
                                  std::to_string(vertices) + " and " + std::to_string(g->vertices) + ")");
    slots = std::max(slots, g->edges.size());
  }
  auto edges = torch::full({static_cast<int64_t>(graphs.size()), static_cast<int64_t>(slots), 2}, vertices, torch::kLong);
  auto access = edges.accessor<int64_t, 3>();
  for (size_t b = 0; b < graphs.size(); ++b)
    for (size_t e = 0; e < graphs[b]->edges.size(); ++e) {
      access[b][e][0] = graphs[b]->edges[e].first;
      access[b][e][1] = graphs[b]->edges[e].second;
    }
  return edges;
}

AnswerSpace coloring_space(int64_t vertices, int64_t colors, AnswerKind kind) {
  return kind == AnswerKind::OneHot ? AnswerSpace::one_hot(vertices, colors) : AnswerSpace::categorical(vertices, colors);
}

torch::Tensor conflict_counts(const torch::Tensor& decoded, const torch::Tensor& edges) {
  const int64_t vertices = decoded.size(1);
  auto padded = torch::cat({decoded, torch::full({decoded.size(0), 1}, -1, decoded.options())}, 1);
  auto u = edges.select(2, 0), v = edges.select(2, 1);
  auto same = padded.gather(1, u) == padded.gather(1, v);
  return (same & (u < vertices)).sum(1).to(torch::kFloat);
}

torch::Tensor proper_colorings(const torch::Tensor& decoded, const torch::Tensor& edges) {
  return conflict_counts(decoded, edges) == 0;
}

}  // namespace ebm::coloring
