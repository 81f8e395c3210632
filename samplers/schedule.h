// Schedules: a value that moves from `start` to `end` as progress p goes from 0 to 1.
//   constant  start
//   linear    start + (end - start) * p
//   geometric start * (end / start)^p           (start and end nonzero, same sign)
//   cosine    end + (start - end) * (1 + cos(pi * p)) / 2
// With cycles > 1 the schedule restarts: p' = frac(p * cycles) (p = 1 stays at the end).
#pragma once

#include <string>
#include <vector>

namespace ebm {

enum class ScheduleKind { Constant, Linear, Geometric, Cosine };

ScheduleKind parse_schedule(const std::string& name);  // throws std::invalid_argument
const std::vector<std::string>& schedule_names();

struct Schedule {
  ScheduleKind kind = ScheduleKind::Constant;
  double start = 1.0, end = 1.0;
  double at(double progress, int cycles = 1) const;
  // Empty when valid, else what is wrong ("geometric schedule needs start and end of the same sign").
  std::string problem() const;
};

}  // namespace ebm
