// The SAT task: DIMACS CNF in, SAT-competition "s"/"v" lines out, the clause-violation energy
// (energies.h) minimised by a discrete gradient sampler, minisat as the named classical reference.
#pragma once

#include "ebm/task.h"

namespace ebm::sat {

TaskPtr make_task();

}  // namespace ebm::sat
