// The SAT task's Problem and Answer objects.
#pragma once

#include "ebm/task.h"
#include "tasks/sat/cnf.h"

#include <string>
#include <vector>

namespace ebm::sat {

// How the sampler sees an assignment (the `space` parameter).
enum class StateKind {
  OneHot,         // one-hot [V, 2] states: the discrete gradient samplers (gwg, dmala, dula)
  Probabilities,  // relaxed [V, 2] probabilities: continuous samplers (langevin/gd with mirror=true, mala)
};

struct SatProblem : Problem {
  Formula formula;
  StateKind state = StateKind::OneHot;
  std::vector<std::string> notes;  // written as "c" lines by write_problems (seed, ratio, split)
};

struct SatAnswer : Answer {
  Assignment values;  // values[v - 1] = truth value of variable v
};

}  // namespace ebm::sat
