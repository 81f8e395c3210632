// The SAT task's Problem and Answer objects.
#pragma once

#include "ebm/task.h"
#include "tasks/sat/cnf.h"

#include <string>
#include <vector>

namespace ebm::sat {

struct SatProblem : Problem {
  Formula formula;
  std::vector<std::string> notes;  // written as "c" lines by write_problems (seed, ratio, split)
};

struct SatAnswer : Answer {
  Assignment values;  // values[v - 1] = truth value of variable v
};

}  // namespace ebm::sat
