// Seeded factor-model markets in OR-Library form (market.h).
//
// Asset i of N: returns r_i = beta_i . f + e_i with three factors f (a market factor, volatility 2.5%
// per period, and two sector factors, 1.2% and 1.0%) and idiosyncratic noise e_i (volatility
// uniform in [1.5%, 4%]). Loadings: market beta_i ~ U(0.5, 1.5), sector loadings ~ N(0, 0.5^2).
//   Sigma = B diag(factor variances) B' + diag(idiosyncratic variances)
//   mu_i  = 0.0005 + beta_i . (0.003, 0.001, -0.0005) + N(0, 0.001^2), at least 0.00005
// stddev and mu are rounded to 6 decimals, correlations to 6 decimals (as the OR-Library files), so
// the written text reads back exactly. Candidate c of seed s uses the stream seed s * 1000003 + c; a
// candidate is kept only when split_of(content_fingerprint(its text)) is the requested split.
#pragma once

#include "tasks/portfolio/market.h"

#include <cstdint>

namespace ebm::portfolio {

MarketPtr generate_market(int64_t assets, uint64_t stream_seed);

}  // namespace ebm::portfolio
