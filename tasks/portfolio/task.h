// The `portfolio` task: cardinality-constrained mean-variance frontiers on OR-Library markets
// (Chang, Meade, Beasley & Sharaiha 2000). See market.h (format, problem), encoding.h and energy.h
// (the EBM side), frontier.h (verifier, MPE against the unconstrained frontier), reference.h.
#pragma once

#include "ebm/task.h"

namespace ebm::portfolio {

TaskPtr make_task();

}  // namespace ebm::portfolio
