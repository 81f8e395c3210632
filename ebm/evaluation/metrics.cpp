#include "ebm/evaluation/metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ebm {

std::pair<double, double> wilson_interval(int64_t successes, int64_t n, double z) {
  if (n < 0 || successes < 0 || successes > n) throw std::invalid_argument("wilson_interval: need 0 <= successes <= n");
  if (n == 0) return {0.0, 1.0};
  const double p = double(successes) / n, z2 = z * z;
  const double denominator = 1.0 + z2 / n;
  const double centre = (p + z2 / (2.0 * n)) / denominator;
  const double half = z * std::sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denominator;
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("percentile: q must be in [0, 1]");
  std::sort(values.begin(), values.end());
  const double position = q * (values.size() - 1);
  const size_t low = static_cast<size_t>(std::floor(position));
  const size_t high = static_cast<size_t>(std::ceil(position));
  return values[low] + (values[high] - values[low]) * (position - low);
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum / values.size();
}

}  // namespace ebm
