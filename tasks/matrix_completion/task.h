// The "matrix-completion" task (IRED's low-rank completion): R = U V^T / d + 0.1 N, U, V 20 x 10
// standard normal, N standard normal noise; each entry is observed with probability 1/2 and the
// condition is R with the unobserved entries set to 0 (no separate mask, as in IRED). Answer: R.
// Usual split: d = 20; harder split: d = 5 (4x larger values). The noise on unobserved entries
// cannot be predicted, so no answer is exact: an answer is accepted when its mean squared error
// per entry against R is at most 0.02 (the best possible is about 0.005, the unobserved half's
// noise). condition [20, 20]; answer [20, 20].
#pragma once

#include "ebm/task.h"

namespace ebm::matrix_completion {

TaskPtr make_task();

}  // namespace ebm::matrix_completion
