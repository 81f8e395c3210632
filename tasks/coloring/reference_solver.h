// The classical reference: DSATUR branch and bound (Brelaz 1979) for "is there a K-colouring?".
// A separate, named reference for benchmarks and tests; never part of the EBM solve path.
//
// Depth-first: colour next the uncoloured vertex with the most distinct colours among its neighbours
// (saturation), ties by most uncoloured neighbours, then lowest index; try each colour its neighbours
// do not use, opening at most one new colour (symmetry breaking), backtrack on a dead end. Exact: it
// answers Colorable with a proper colouring, or Uncolorable once the tree is exhausted, unless the
// time budget runs out first (TimedOut).
#pragma once

#include "tasks/coloring/graph.h"

#include <cstdint>

namespace ebm::coloring {

enum class DsaturStatus { Colorable, Uncolorable, TimedOut };

struct DsaturResult {
  DsaturStatus status = DsaturStatus::TimedOut;
  Coloring coloring;   // meaningful when Colorable
  int64_t nodes = 0;   // search nodes (colour assignments tried)
  double ms = 0.0;
};

// Searches for a graph.colors-colouring within budget_ms (<= 0 = no limit).
DsaturResult dsatur_color(const Graph& graph, double budget_ms);

}  // namespace ebm::coloring
