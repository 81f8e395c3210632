// Graph K-colouring: the problem, the answer, the DIMACS formats and the exact verifier. Plain C++17.
//
// Vertices are numbered 0..V-1 inside the program and 1..V in every text a person reads (DIMACS).
// Colours are 0..K-1 inside and 1..K in the solution text.
//
// Input (DIMACS .col):
//   c ...            comment
//   p edge V M       header (also "p col V M"), once, before any edge
//   e U V            an edge, 1 <= U, V <= V, U != V
// Exactly M edge lines must follow the header. An edge listed twice (u-v and v-u, as some files do)
// counts as a line but is one edge of the graph. Blank lines are ignored; CRLF is accepted.
// Declared sizes are bounded before anything is allocated for them: V <= 10,000,000, and no more
// vertices than the text's length in bytes + 1024 (isolated vertices need no line, but a file that
// declares far more than it could describe is refused).
//
// Output (DIMACS challenge solution form):
//   s col K           then one "l VERTEX COLOUR" line per vertex (1-based vertex and colour)
//   s UNKNOWN         when no colouring was found
#pragma once

#include "ebm/task.h"

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace ebm::coloring {

using Edge = std::pair<int32_t, int32_t>;  // (u, v), 0-based, u < v

struct Graph : Problem {
  int32_t vertices = 0;
  int32_t colors = 3;       // K: the colouring asked for
  std::vector<Edge> edges;  // sorted, unique, u < v

  // Degree of every vertex [vertices].
  std::vector<int32_t> degrees() const;
};

struct Coloring : Answer {
  std::vector<int32_t> color;  // [vertices], 0..K-1
};

// Sorts the edges, orients each as u < v and merges duplicates.
void canonicalize(std::vector<Edge>& edges);

// One graph from DIMACS .col text; `colors` becomes graph.colors. Throws TaskInputError
// "SOURCE:LINE: what is wrong" for a missing or bad header, a vertex out of range, a self-loop, a
// malformed edge line, an unknown line type, or an edge count other than the header's M (naming the
// header's line).
Graph read_dimacs(std::istream& in, const std::string& source, int32_t colors);

// DIMACS .col text of `graph`; `comments` become "c " lines after the first (the seed, the split, a
// planted colouring). read_dimacs reads it back.
void write_dimacs(std::ostream& out, const Graph& graph, const std::vector<std::string>& comments = {});

// "s col K" + one "l v c" line per vertex, or "s UNKNOWN" when `coloring` is null.
void write_solution(std::ostream& out, const Graph& graph, const Coloring* coloring);

// The exact check: true when `coloring` has one colour in 0..K-1 per vertex and no edge joins two
// vertices of the same colour. Otherwise false with *why (when non-null) naming the first problem.
bool is_valid_coloring(const Graph& graph, const Coloring& coloring, std::string* why = nullptr);

// Number of edges whose ends share a colour (colours must be in range; no check).
int64_t conflicting_edges(const Graph& graph, const std::vector<int32_t>& color);

// The canonical content of a graph: "V\n" then "u v\n" per edge (0-based, sorted). Its
// content_fingerprint decides the split; the number of colours is not part of it.
std::string canonical_text(const Graph& graph);

}  // namespace ebm::coloring
