// Small maths for hand-fused loops (the fused sampler kernels, the reference steps in bench/): no
// library call in the inner loops, so that they vectorise.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace ebm::fast_math {

// e^x for x in [-87, 88] (clamped outside): 2^k e^r with k = round(x / ln 2) (rounded by adding
// 1.5 * 2^23, so that the loop vectorises), |r| <= ln 2 / 2, e^r by its Taylor polynomial of degree 6
// (relative error <= 2e-7, float's own rounding included).
inline float fast_exp(float x) {
  x = std::min(std::max(x, -87.0f), 88.0f);
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: k lands in the low mantissa bits
  const float shifted = x * 1.44269504f + kRound;
  const float k = shifted - kRound;
  const float r = x - k * 0.693145751953125f - k * 1.428606765330187e-06f;  // ln 2 split in two, exact k * high
  const float poly =
      1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
  int32_t k_bits, shift_bits;
  std::memcpy(&k_bits, &shifted, sizeof k_bits);
  const float round_constant = kRound;
  std::memcpy(&shift_bits, &round_constant, sizeof shift_bits);
  const int32_t bits = (k_bits - shift_bits + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return poly * scale;
}

// ln x for finite x > 0 (normal floats): x = 2^k m with m in [sqrt(1/2), sqrt(2)), ln m = 2 atanh(s),
// s = (m - 1) / (m + 1), |s| <= 0.172, by its odd series to s^9 (relative error <= 1e-7).
inline float fast_log(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int32_t k = ((bits >> 23) & 0xff) - 127;
  bits = (bits & 0x007fffff) | 0x3f800000;  // m in [1, 2)
  float m;
  std::memcpy(&m, &bits, sizeof m);
  if (m > 1.41421356f) m *= 0.5f, k += 1;
  const float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
  const float series = 2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9)))));
  return series + static_cast<float>(k) * 0.693147181f;
}

}  // namespace ebm::fast_math
