// Seeded generator of K-colourable graphs with a planted colouring, written anew here after the
// descriptions of Culberson's generators (webdocs.cs.ualberta.ca/~joe/Coloring/Generators/flat.html):
//
//   1. the V vertices are shuffled and dealt into K classes of floor(V/K) or ceil(V/K) vertices; a
//      vertex's class is its planted colour;
//   2. the M edges are shared among the K(K-1)/2 class pairs (A, B) in proportion to |A||B|
//      (largest remainders get the rounding), so each pair holds e_AB edges;
//   3. each pair's edges are drawn by `method`:
//      culberson (default)  at random from the pairs of A x B, subject to Culberson's degree caps
//                           deg_AB(a) <= ceil(e_AB / |B|) + flatness and deg_AB(b) <= ceil(e_AB / |A|)
//                           + flatness: his flat graph generator, the family of the DIMACS/SATLIB
//                           flat sets. Degrees spread (at V = 200, M = 479, flatness 1: 0-1 to 8 around
//                           4.8, as in the published flat200_479; flatness 0: 0-1 to 6), which is what
//                           makes these graphs hard: the EBM coloured 0/10 and 1/10 of them in 10 s,
//                           against 10/10 of balanced ones (docs/BENCHMARKS.md, issue 19).
//      uniform              at random from A x B with no cap: planted uniform random K-partite graphs,
//                           the hardness yardstick for the flat sets.
//      balanced             a vertex of A of least degree in A x B joined to one of B of least degree
//                           (ties at random): every degree within K-1 of every other. The project's
//                           generator before issue 19; far easier than the published flat sets (kept to
//                           reproduce the figures measured on it).
//      Edges join different classes only, so the planted colouring is proper. In the rare case that no
//      allowed pair is left before e_AB edges are drawn (caps and adjacency), the pair keeps fewer.
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
#include <string>
#include <vector>

namespace ebm::coloring {

enum class EdgeMethod { Culberson, Uniform, Balanced };
// "culberson", "uniform", "balanced"; parse_edge_method throws TaskInputError naming the choices.
const char* edge_method_name(EdgeMethod method);
EdgeMethod parse_edge_method(const std::string& text);

struct FlatGraphSpec {
  int32_t vertices = 200;
  int32_t colors = 3;
  int64_t edges = -1;  // -1 = round(2.395 * vertices)
  EdgeMethod method = EdgeMethod::Culberson;
  int32_t flatness = 1;  // Culberson's: added to each degree cap (culberson only); 1 gives flat200_479's
                         // degree spread (1 to 8 around 4.8), 0 caps degrees at 6

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
