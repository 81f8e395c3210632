// Metrics shared by benchmarks and the evaluation harness.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace ebm {

// Wilson score interval for a binomial proportion: successes out of n at normal quantile z
// (1.96 = 95%). Returns {low, high} in [0, 1]; {0, 1} when n = 0.
//   centre = (p + z^2/2n) / (1 + z^2/n),  half = z sqrt(p(1-p)/n + z^2/4n^2) / (1 + z^2/n)
std::pair<double, double> wilson_interval(int64_t successes, int64_t n, double z = 1.96);

// The q-quantile (q in [0, 1]) of `values` by linear interpolation between order statistics
// (position q * (n - 1)), the definition numpy calls "linear". 0 for no values.
double percentile(std::vector<double> values, double q);

// Arithmetic mean; 0 for no values.
double mean(const std::vector<double>& values);

}  // namespace ebm
