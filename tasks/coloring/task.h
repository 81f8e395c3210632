// The graph colouring task ("coloring"): is there a proper K-colouring of a DIMACS .col graph?
// See graph.h (formats, verifier), generator.h (flat graphs), energies.h (conflict energy),
// encoding.h (tensors) and reference_solver.h (DSATUR).
#pragma once

#include "ebm/task.h"

namespace ebm::coloring {

TaskPtr make_task();

}  // namespace ebm::coloring
