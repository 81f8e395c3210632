// The exact reference for hard colourings: K-colouring encoded as CNF and handed to a classical SAT
// solver run as a subprocess (tasks/sat/external_solver.h; Debian's `minisat` by default). Complete:
// it answers Colorable with a proper colouring or Uncolorable, unless the time limit ends it first.
// Culberson's flat graphs, which DSATUR's branch and bound (reference_solver.h) rarely finishes at
// V >= 175, take it milliseconds to seconds. A named reference for benchmarks; never part of an EBM answer.
//
// Encoding: x(v, c) = v * K + c + 1 is true when vertex v has colour c;
//   each vertex has a colour            (x(v,0) | ... | x(v,K-1))
//   and at most one                     (-x(v,c) | -x(v,d))       c < d
//   the ends of an edge differ          (-x(u,c) | -x(w,c))       every colour c
//   symmetry: a vertex of largest degree takes colour 0 (any colouring can be renamed so).
#pragma once

#include "tasks/coloring/graph.h"
#include "tasks/coloring/reference_solver.h"
#include "tasks/sat/cnf.h"

#include <string>

namespace ebm::coloring {

// The CNF above for graph.colors colours.
sat::Formula coloring_formula(const Graph& graph);

// Solves the encoding with `solver` ("minisat" or "cadical") within limit_ms (> 0). Status Colorable
// comes with a colouring the caller may verify (it is checked here too); nodes is 0. Throws
// std::runtime_error when the solver is missing (the message names the Debian package).
DsaturResult sat_color(const Graph& graph, double limit_ms, const std::string& solver = "minisat");

}  // namespace ebm::coloring
