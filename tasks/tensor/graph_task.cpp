#include "tasks/tensor/graph_task.h"

namespace ebm::tensor {

std::string GraphTask::default_sampler(const std::string& energy) const {
  return TensorTask::default_sampler(energy) + ",steps=" + std::to_string(kDefaultSteps);
}

}  // namespace ebm::tensor
