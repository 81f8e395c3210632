#include "tasks/tensor/graphs.h"

#include <torch/torch.h>

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <string>
#include <utility>

namespace ebm::tensor {

int64_t Digraph::out_degree(int64_t i) const {
  int64_t degree = 0;
  for (int64_t j = 0; j < nodes; ++j) degree += edge(i, j);
  return degree;
}

torch::Tensor Digraph::to_tensor() const {
  auto t = torch::zeros({nodes, nodes}, torch::kFloat);
  auto a = t.accessor<float, 2>();
  for (int64_t i = 0; i < nodes; ++i)
    for (int64_t j = 0; j < nodes; ++j) a[i][j] = edge(i, j) ? 1.0f : 0.0f;
  return t;
}

Digraph Digraph::from_tensor(const torch::Tensor& adjacency) {
  if (adjacency.dim() != 2 || adjacency.size(0) != adjacency.size(1))
    throw std::invalid_argument("adjacency must be a square matrix");
  const int64_t n = adjacency.size(0);
  Digraph graph(n);
  auto a = adjacency.to(torch::kCPU).to(torch::kFloat).contiguous();
  auto values = a.accessor<float, 2>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if (values[i][j] != 0.0f) graph.set_edge(i, j);
  return graph;
}

std::string adjacency_error(const torch::Tensor& adjacency, bool undirected) {
  if (!((adjacency == 0) | (adjacency == 1)).all().item<bool>()) return "the adjacency must hold only 0 and 1";
  if (adjacency.diagonal().ne(0).any().item<bool>()) return "the adjacency must have a zero diagonal (no self-loops)";
  if (undirected && !torch::equal(adjacency, adjacency.t()))
    return "the adjacency of an undirected graph must be symmetric";
  return "";
}

int64_t dnc_max_out_degree(int64_t nodes, double fraction) {
  const auto bound = static_cast<int64_t>(double(nodes) * fraction);
  return std::min(std::max<int64_t>(bound, 1), nodes - 1);
}

Digraph dnc_graph(int64_t nodes, int64_t max_out_degree, bool directed, std::mt19937_64& rng) {
  if (nodes < 2) throw std::invalid_argument("dnc graph: needs at least 2 nodes, got " + std::to_string(nodes));
  if (max_out_degree < 1 || max_out_degree > nodes - 1)
    throw std::invalid_argument("dnc graph: the out-degree bound must lie in [1, " + std::to_string(nodes - 1) +
                                "], got " + std::to_string(max_out_degree));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<std::pair<double, double>> position(static_cast<size_t>(nodes));
  for (auto& p : position) p = {unit(rng), unit(rng)};
  std::uniform_int_distribution<int64_t> degree(1, max_out_degree);
  Digraph graph(nodes);
  for (int64_t i = 0; i < nodes; ++i) {
    const int64_t k = degree(rng);
    std::vector<std::pair<double, int64_t>> by_distance;
    for (int64_t j = 0; j < nodes; ++j) {
      if (j == i) continue;
      const double dx = position[i].first - position[j].first, dy = position[i].second - position[j].second;
      by_distance.push_back({dx * dx + dy * dy, j});
    }
    std::sort(by_distance.begin(), by_distance.end());
    for (int64_t r = 0; r < k; ++r) graph.set_edge(i, by_distance[size_t(r)].second);
  }
  if (!directed)
    for (int64_t i = 0; i < nodes; ++i)
      for (int64_t j = 0; j < nodes; ++j)
        if (graph.edge(i, j)) graph.set_edge(j, i);
  return graph;
}

std::vector<int64_t> hop_distances(const Digraph& graph) {
  const int64_t n = graph.nodes;
  std::vector<int64_t> distance(size_t(n * n), -1);
  for (int64_t source = 0; source < n; ++source) {
    int64_t* row = distance.data() + source * n;
    row[source] = 0;
    std::deque<int64_t> frontier{source};
    while (!frontier.empty()) {
      const int64_t u = frontier.front();
      frontier.pop_front();
      for (int64_t v = 0; v < n; ++v) {
        if (!graph.edge(u, v) || row[v] >= 0) continue;
        row[v] = row[u] + 1;
        frontier.push_back(v);
      }
    }
  }
  return distance;
}

torch::Tensor reachability(const Digraph& graph) {
  const auto distance = hop_distances(graph);
  auto t = torch::zeros({graph.nodes, graph.nodes}, torch::kFloat);
  auto a = t.accessor<float, 2>();
  for (int64_t i = 0; i < graph.nodes; ++i)
    for (int64_t j = 0; j < graph.nodes; ++j) a[i][j] = distance[size_t(i * graph.nodes + j)] >= 0 ? 1.0f : 0.0f;
  return t;
}

}  // namespace ebm::tensor
