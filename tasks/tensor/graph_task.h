// GraphTask: what the discrete graph tasks of the IRED suite (connectivity, shortest-path) share on
// top of TensorTask: the default sampler of their learned energies, with a fixed step budget so that
// an evaluation's cost does not depend on the machine's speed.
#pragma once

#include "tasks/tensor/tensor_task.h"

#include <string>

namespace ebm::tensor {

class GraphTask : public TensorTask {
 public:
  // The base's annealed gradient descent over the landscapes (smoothest to sharpest) on the
  // categorical simplices, kDefaultSteps steps in all (the driver stops a problem early once the
  // exact verifier accepts its decoded state).
  std::string default_sampler(const std::string& energy) const override;
  static constexpr int64_t kDefaultSteps = 50;
  // One landscape at noise 3.0: the only setting of six tried on the validation split whose energy
  // learned to read the graph (docs/IRED_GRAPHS.md).
  TaskParameters training_defaults() const override { return {{"landscapes", "1"}, {"sigma-min", "3"}}; }
};

}  // namespace ebm::tensor
