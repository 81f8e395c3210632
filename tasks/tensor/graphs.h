// Graphs of the discrete IRED tasks (connectivity, shortest-path): the DNC random-graph generator,
// hop distances and reachability, shared by the generators and the exact verifiers.
//
// DNC generator (Graves et al. 2016, as IRED's reasoning_dataset.py draws it): `nodes` points
// uniform in the unit square; node i draws an out-degree k uniform in [1, max_out_degree] and links
// to its k nearest other nodes (Euclidean distance; ties go to the lower index); an undirected graph
// is then symmetrised (i -> j or j -> i gives both). No self-loops.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace ebm::tensor {

// A graph on nodes 0 .. nodes-1 as a row-major 0/1 adjacency: edge(i, j) = 1 when i -> j.
struct Digraph {
  int64_t nodes = 0;
  std::vector<uint8_t> edges;  // [nodes * nodes]

  explicit Digraph(int64_t n = 0) : nodes(n), edges(size_t(n * n), 0) {}
  bool edge(int64_t i, int64_t j) const { return edges[size_t(i * nodes + j)] != 0; }
  void set_edge(int64_t i, int64_t j) { edges[size_t(i * nodes + j)] = 1; }
  int64_t out_degree(int64_t i) const;

  // float32 [nodes, nodes] of 0/1.
  torch::Tensor to_tensor() const;
  // From a [n, n] tensor whose entries are 0 or 1 (anything else is treated as "not 0" = edge).
  static Digraph from_tensor(const torch::Tensor& adjacency);
};

// Why `adjacency` [n, n] is not a graph of this kind, or "": entries must be 0 or 1 with a zero
// diagonal (no self-loops), and symmetric when `undirected`.
std::string adjacency_error(const torch::Tensor& adjacency, bool undirected);

// IRED's bound on the out-degree for a fraction p of the nodes: max(1, int(nodes * p)), at most
// nodes - 1 (int() truncates the double product, as Python does).
int64_t dnc_max_out_degree(int64_t nodes, double fraction);

// A DNC graph (see the file comment). Throws std::invalid_argument unless nodes >= 2 and
// 1 <= max_out_degree <= nodes - 1.
Digraph dnc_graph(int64_t nodes, int64_t max_out_degree, bool directed, std::mt19937_64& rng);

// Hop distances along edges: [nodes * nodes], entry i * nodes + j = fewest moves from i to j
// (0 on the diagonal), -1 when j cannot be reached from i. Breadth-first search from every node.
std::vector<int64_t> hop_distances(const Digraph& graph);

// Reachability (the connectivity matrix): float32 [nodes, nodes], 1 where a path i -> j exists
// (the diagonal is 1: every node reaches itself), 0 elsewhere.
torch::Tensor reachability(const Digraph& graph);

}  // namespace ebm::tensor
