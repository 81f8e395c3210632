// The "matrix-inverse" task (IRED): given a symmetric positive definite 20 x 20 matrix
// A = 2 R R^T + c I with R uniform in [-1, 1], answer A^-1. Usual split: c = 0.5; harder split:
// c = 0.1 (worse conditioned). The reference is computed in double precision. An answer is
// accepted when its mean squared error per entry against A^-1 is at most 0.01.
// condition [20, 20] = A; answer [20, 20].
#pragma once

#include "ebm/task.h"

namespace ebm::matrix_inverse {

TaskPtr make_task();

}  // namespace ebm::matrix_inverse
