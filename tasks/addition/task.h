// The "addition" task (IRED's vector addition): given two 20 x 20 matrices A and B, answer A + B.
// Usual split: entries uniform in [-1, 1]; harder split: uniform in [-2.5, 2.5] (larger magnitudes
// than any training problem). An answer is accepted when its mean squared error per entry is at
// most 0.01. condition [2, 20, 20] = (A, B); answer [20, 20].
#pragma once

#include "ebm/task.h"

namespace ebm::addition {

TaskPtr make_task();

}  // namespace ebm::addition
