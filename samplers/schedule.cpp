#include "samplers/schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace ebm {

const std::vector<std::string>& schedule_names() {
  static const std::vector<std::string> names{"constant", "linear", "geometric", "cosine"};
  return names;
}

ScheduleKind parse_schedule(const std::string& name) {
  if (name == "constant") return ScheduleKind::Constant;
  if (name == "linear") return ScheduleKind::Linear;
  if (name == "geometric") return ScheduleKind::Geometric;
  if (name == "cosine") return ScheduleKind::Cosine;
  throw std::invalid_argument("unknown schedule '" + name + "' (constant, linear, geometric, cosine)");
}

double Schedule::at(double progress, int cycles) const {
  double p = std::clamp(progress, 0.0, 1.0);
  if (cycles > 1 && p < 1.0) p = std::fmod(p * cycles, 1.0);
  switch (kind) {
    case ScheduleKind::Constant: return start;
    case ScheduleKind::Linear: return start + (end - start) * p;
    case ScheduleKind::Geometric: return start * std::pow(end / start, p);
    case ScheduleKind::Cosine: return end + (start - end) * 0.5 * (1.0 + std::cos(M_PI * p));
  }
  return start;
}

std::string Schedule::problem() const {
  if (!std::isfinite(start) || !std::isfinite(end)) return "schedule start and end must be finite";
  if (kind == ScheduleKind::Geometric && (start == 0 || end == 0 || (start > 0) != (end > 0)))
    return "geometric schedule needs start and end nonzero and of the same sign";
  return "";
}

}  // namespace ebm
