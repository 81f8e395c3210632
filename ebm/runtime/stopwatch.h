// Wall-clock milliseconds on the steady clock: what budgets, deadlines and latencies are measured in.
#pragma once

#include <chrono>

namespace ebm {

using Clock = std::chrono::steady_clock;

// Milliseconds from `start` to now.
inline double milliseconds_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// The time point `ms` milliseconds after `start`.
inline Clock::time_point after_ms(Clock::time_point start, double ms) {
  return start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

}  // namespace ebm
