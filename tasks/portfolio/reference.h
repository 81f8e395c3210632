// The classical reference "relax-round" (a named reference, never part of an EBM answer). For each lambda:
//   1. solve the relaxed QP: no cardinality, 0 <= w_i <= delta, sum w = 1 (qp.h, exact);
//   2. keep the K assets with the largest relaxed weights (ties: lower index first);
//   3. re-solve the QP on those K assets with epsilon <= w_i <= delta.
// Every point it returns is feasible (exactly K held, bounds, budget).
#pragma once

#include "tasks/portfolio/market.h"

namespace ebm::portfolio {

Frontier relax_round_frontier(const Market& market);

}  // namespace ebm::portfolio
