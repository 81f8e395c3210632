// The slot encoding of a frontier for the sampler driver, and the pure map back to portfolios.
//
// One driver problem per lambda (Encoding::owner maps them to their market). Answer space:
// AnswerSpace::mixed(K, N, 0, 1): K slots, each a one-hot choice among the N assets plus a value
// x_k in [0, 1]. A slot is "which asset, at what share": holding exactly K distinct assets is then the
// absence of duplicates, and changing one slot's choice swaps one asset for another.
//
// Condition per driver problem: (market_key of its market (energy.h), lambda, epsilon, delta), double [P, 4].
// Initial states: K distinct assets drawn uniformly per chain, x_k = 1/K.
//
// Decoding (no search): for the state of lambda's problem,
//   held   = the distinct assets chosen by the slots (ascending)
//   shares = v_k = epsilon + (1 - K epsilon) x_k / sum_j x_j (energy.h), summed per held asset
//   w      = the Euclidean projection of those summed shares onto {sum w = 1, epsilon <= w_i <= delta}
//            (qp.h, exact), 0 for assets not held.
// A state whose slots repeat an asset decodes to fewer than K held assets; the verifier rejects it.
#pragma once

#include "ebm/task.h"
#include "tasks/portfolio/market.h"

#include <torch/types.h>

#include <vector>

namespace ebm::portfolio {

class MarketTable;  // energy.h

// Adds every market to `table` (where the energy finds them). Throws std::invalid_argument unless every
// market has the same N and K.
Encoding encode_frontiers(const std::vector<const Market*>& markets, const torch::Device& device, MarketTable& table);

// The frontier from its driver problems' final states [P, K, N + 1] (CPU), in lambda order.
Frontier decode_frontier(const Market& market, const torch::Tensor& states);

// Decoded states [n, K, 2] (space.decode: chosen asset, value) -> number of slots that repeat an asset [n].
torch::Tensor repeated_slots(const torch::Tensor& decoded);

}  // namespace ebm::portfolio
