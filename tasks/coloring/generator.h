// Seeded generator of K-colourable "flat" graphs with a planted colouring, after Culberson's flat
// graph family (flatness 0), written anew here:
//
//   1. the V vertices are shuffled and dealt into K classes of floor(V/K) or ceil(V/K) vertices; a
//      vertex's class is its planted colour;
//   2. the M edges are shared among the K(K-1)/2 class pairs (A, B) in proportion to |A||B|
//      (largest remainders get the rounding), so each pair holds e_AB edges;
//   3. each pair's edges are drawn one at a time: a vertex of A of least degree in A x B (ties broken
//      at random), joined to a vertex of B of least degree in A x B not yet adjacent to it (ties at
//      random). Within a pair, degrees therefore differ by at most one (Culberson's flatness 0:
//      deg_AB(a) <= ceil(e_AB / |B|)), so a vertex's total degree differs from any other's by at
//      most K-1. Edges join different classes only, so the planted colouring is proper.
//
// Defaults: V = 200, K = 3, M = round(2.395 V) (the density of the DIMACS flat200_479, near the
// 3-colouring phase transition, where such graphs are hardest).
//
// Reproducibility: candidate i of seed s draws from std::mt19937_64(splitmix64(s) ^ i) with this
// file's own shuffles and bounded draws (no implementation-defined std distributions), so a seed
// gives the same graphs on every platform. A candidate is kept when the content_fingerprint of its
// canonical_text() lies in the requested split; splits therefore never share a graph.
#pragma once

#include "ebm/task.h"
#include "tasks/coloring/graph.h"

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

namespace ebm::coloring {

struct FlatGraphSpec {
  int32_t vertices = 200;
  int32_t colors = 3;
  int64_t edges = -1;  // -1 = round(2.395 * vertices)

  // The edge count after the default is applied.
  int64_t edge_count() const;
  // Throws TaskInputError naming the setting (vertices < colors, colors < 2, too many edges ...).
  void validate() const;
};

struct PlantedGraph {
  std::shared_ptr<Graph> graph;
  std::shared_ptr<Coloring> planted;  // the classes of step 1: a proper colouring
};

// One flat graph and its planted colouring from `rng`.
PlantedGraph flat_graph(const FlatGraphSpec& spec, std::mt19937_64& rng);

// `count` flat graphs of `split`, reproducible from `seed` (see above); source "generated:seed=S:i=I".
std::vector<PlantedGraph> generate_flat_graphs(const FlatGraphSpec& spec, int64_t count, uint64_t seed, Split split);

}  // namespace ebm::coloring
